"""What every domain's bodies share: strict input, frozen output, UTC times, decimal amounts.

Request bodies are strict: a JSON number is the only integer or number (``true`` and ``"10"``
are not), a JSON string the only text. Times are the one exception, since JSON has no type
for them: an ISO 8601 string with an offset.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
)
from pydantic.config import JsonDict
from pydantic_core import PydanticCustomError
from starlette.datastructures import QueryParams

from flashsale.http.edge import FREE_TEXT, SINGLE_LINE, DocumentedPattern
from flashsale.kernel.money import AMOUNT_PATTERN
from flashsale.sales.domain.sale import EARLIEST_MOMENT, LATEST_MOMENT, moment_in_range

__all__ = ["FREE_TEXT", "SINGLE_LINE"]  # the edge's checks, for types that trim or bound first

# What a name that is trimmed and must then hold something may be, as the document states it:
# no control character (tab and newlines allowed in text) and something besides white space
# (U+0085 too, which Python trims and ECMA-262's \s does not name).
_LINE_CHARACTER = r"[^\u0000-\u001f]"
_TEXT_CHARACTER = r"[^\u0000-\u0008\u000b\u000c\u000e-\u001f]"
_SOMETHING = r"[^\s\u0000-\u001f\u0085]"
FILLED_LINE = DocumentedPattern(f"^{_LINE_CHARACTER}*{_SOMETHING}{_LINE_CHARACTER}*$")
FILLED_TEXT = DocumentedPattern(f"^{_TEXT_CHARACTER}*{_SOMETHING}{_TEXT_CHARACTER}*$")


def _to_utc(moment: datetime) -> datetime:
    # Compared before converting: an offset can carry a moment past year 1 or 9999.
    if not moment_in_range(moment):
        raise ValueError(
            f"must lie between {EARLIEST_MOMENT.isoformat()} and {LATEST_MOMENT.isoformat()}"
        )
    return moment.astimezone(UTC)


def _iso_text(value: object) -> object:
    # Lax parsing (JSON has no time type) would also read a number as a Unix timestamp.
    if not isinstance(value, str | datetime):
        raise PydanticCustomError("datetime_type", "a time is an ISO 8601 string with an offset")
    return value


UtcDatetime = Annotated[
    AwareDatetime,
    Strict(False),
    BeforeValidator(_iso_text),
    AfterValidator(_to_utc),
    Field(
        description=f"With an offset; from {EARLIEST_MOMENT:%Y-%m-%d} to {LATEST_MOMENT:%Y-%m-%d}"
        " (UTC), both included."
    ),
]
# Amounts travel as decimal strings ("999.00") in exactly this shape; the service that knows
# the currency also refuses places finer than its minor unit.
AmountIn = Annotated[
    str,
    StringConstraints(pattern=AMOUNT_PATTERN),
    Field(
        examples=["999.00"],
        description="A decimal string: digits, then an optional fraction no finer than the"
        " currency's minor unit (INR 2 places, JPY none); no sign, exponent or spaces.",
    ),
]
# A two-letter market (country) code, either case; the shop upper-cases it.
MARKET_CODE_PATTERN = r"^[A-Za-z]{2}$"
MarketCodeIn = Annotated[
    str, StringConstraints(pattern=MARKET_CODE_PATTERN), Field(examples=["IN"])
]


def keys_named_by_pattern(schema: JsonDict) -> None:
    """For ``json_schema_extra`` of a dict whose keys have a pattern: pydantic documents one as
    ``patternProperties``, which lets any other key through; the body allows no other key."""
    found = schema.pop("patternProperties", None)
    if isinstance(found, dict) and len(found) == 1:
        ((pattern, values),) = found.items()
        named = schema.get("propertyNames")
        schema["propertyNames"] = {**(named if isinstance(named, dict) else {}), "pattern": pattern}
        schema["additionalProperties"] = values


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class ResponseBody(BaseModel):
    model_config = ConfigDict(frozen=True)


Q = TypeVar("Q", bound="RequestQuery")


class RequestQuery(BaseModel):
    """An endpoint's query parameters: its handler reads them with ``of``, and the document
    lists each field as one parameter. Parameters the model does not name are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    @classmethod
    def of(cls: type[Q], params: QueryParams) -> Q:
        # A repeated parameter counts once, with its last value (as QueryParams.get reads it).
        return cls.model_validate(dict(params))
