"""Reading an HTML form (application/x-www-form-urlencoded) without another dependency."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from starlette.requests import ClientDisconnect, Request

from flashsale.kernel.errors import InvalidInput

MAX_FORM_BYTES = 64 * 1024


async def read_form(request: Request) -> dict[str, str]:
    """The form's fields; the last value wins when a name repeats."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("", "application/x-www-form-urlencoded"):
        raise InvalidInput("forms are sent as application/x-www-form-urlencoded")
    body = b""
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM_BYTES:
                raise InvalidInput("the form is too large")
    except ClientDisconnect as exc:  # gone, or cut off at the body deadline: nobody to answer
        raise InvalidInput("the form was not sent whole") from exc
    try:
        text = body.decode()
    except UnicodeDecodeError as exc:
        raise InvalidInput("the form is not UTF-8") from exc
    try:
        fields = dict(parse_qsl(text, keep_blank_values=True, max_num_fields=100))
    except ValueError as exc:
        raise InvalidInput("the form has too many fields") from exc
    for name, value in fields.items():
        # As the JSON API's free text (http/edge.py): a control only hides what a value says.
        if _CONTROL.search(name) or _CONTROL.search(value):
            raise InvalidInput("a form field holds a control character")
    return fields


# C0 controls but tab, newline and carriage return, which a text area may send.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


# What a number field of a form may hold: int() alone also reads "1_000", "+5" and
# non-ASCII digits such as "٣", none of which an operator means.
_WHOLE_NUMBER = re.compile(r"[0-9]{1,12}")


def whole_number(value: str, label: str) -> int:
    """A whole number typed into a form (surrounding spaces aside): ASCII digits only."""
    text = value.strip()
    if not _WHOLE_NUMBER.fullmatch(text):
        raise InvalidInput(f"{label} must be a whole number such as 10, in digits only")
    return int(text)
