"""Characters the shop refuses at the edge: C0 controls, in paths, query strings and bodies.

PostgreSQL cannot store a NUL in text and answers a data error deep inside a use case; other
controls are never meant in an address, a code or an e-mail and only hide what a value says
in logs and pages. So they are refused before any handler runs: in the path and the query
string by ``RefuseControlCharacters`` (one regular-expression scan each, the purchase path
included), in JSON bodies by the ``Line`` and ``Text`` string types of the schemas.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

import orjson
from pydantic import AfterValidator, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError
from starlette.types import ASGIApp, Receive, Scope, Send

from flashsale.http.problems import PROBLEM_CONTENT_TYPE

INVALID_CHARACTERS = "invalid-characters"
INVALID_CHARACTERS_TITLE = "Invalid characters"

# Every C0 control (U+0000..U+001F); free text may hold tab, newline and carriage return.
_ANY_CONTROL = re.compile(r"[\x00-\x1f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# The query string arrives percent-encoded: a control either raw or as %00..%1F.
_CONTROL_IN_QUERY = re.compile(rb"[\x00-\x1f]|%[01][0-9A-Fa-f]")
# The same rules as the document states them (ECMA-262 patterns, which Python reads alike).
C0_RANGE = r"\u0000-\u001f"
NO_CONTROL = f"^[^{C0_RANGE}]*$"
NO_CONTROL_BUT_TAB_AND_NEWLINES = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f]*$"


@dataclass(frozen=True, slots=True)
class DocumentedPattern:
    """States in the JSON schema a rule that a validator enforces, not a pattern: pydantic
    documents only the constraints it checks itself. Last in an ``Annotated``, it wins."""

    pattern: str

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        documented = handler(schema)
        documented["pattern"] = self.pattern
        return documented


def _single_line(value: str) -> str:
    if _ANY_CONTROL.search(value):
        raise PydanticCustomError(
            "invalid_characters", "control characters (U+0000 to U+001F) are not allowed"
        )
    return value


def _free_text(value: str) -> str:
    if _CONTROL_IN_TEXT.search(value):
        raise PydanticCustomError(
            "invalid_characters",
            "control characters other than tab, newline and carriage return are not allowed",
        )
    return value


# A name, code, address, e-mail or key: no control character at all.
SINGLE_LINE = AfterValidator(_single_line)
Line = Annotated[str, SINGLE_LINE, DocumentedPattern(NO_CONTROL)]
# Free text (a product's name, an attribute, a password): tab, newline and CR allowed.
FREE_TEXT = AfterValidator(_free_text)
Text = Annotated[str, FREE_TEXT, DocumentedPattern(NO_CONTROL_BUT_TAB_AND_NEWLINES)]


def has_control_characters(path: str, query_string: bytes) -> bool:
    return bool(_ANY_CONTROL.search(path) or _CONTROL_IN_QUERY.search(query_string))


class RefuseControlCharacters:
    """ASGI middleware: 422 ``invalid-characters`` for a path or query string with a control.

    ``scope["path"]`` is already percent-decoded by the server; the query string is not, so
    its encoded form is scanned as well as its raw bytes.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and has_control_characters(scope["path"], scope["query_string"]):
            await _refuse(send)
            return
        await self.app(scope, receive, send)


_REFUSAL = orjson.dumps(
    {
        "type": f"/problems/{INVALID_CHARACTERS}",
        "title": INVALID_CHARACTERS_TITLE,
        "status": 422,
        "detail": "the path or query string holds a control character (U+0000 to U+001F)",
    }
)


async def _refuse(send: Send) -> None:
    headers = [
        (b"content-type", PROBLEM_CONTENT_TYPE.encode()),
        (b"content-length", str(len(_REFUSAL)).encode()),
    ]
    await send({"type": "http.response.start", "status": 422, "headers": headers})
    await send({"type": "http.response.body", "body": _REFUSAL})
