"""What every domain's bodies share: strict input, frozen output, UTC times, decimal amounts.

Request bodies are strict: a JSON number is the only integer or number (``true`` and ``"10"``
are not), a JSON string the only text. Times are the one exception, since JSON has no type
for them: an ISO 8601 string with an offset.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, get_args

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

from flashsale.http.edge import Line as EdgeLine
from flashsale.http.edge import Text as EdgeText
from flashsale.kernel.money import AMOUNT_PATTERN
from flashsale.sales.domain.sale import EARLIEST_MOMENT, LATEST_MOMENT, moment_in_range

# The edge's control-character checks (the metadata of its Line and Text), for types that trim
# or bound a string first: pydantic shows a length or a pattern in the JSON schema only when it
# comes before any validator.
SINGLE_LINE = get_args(EdgeLine)[1]
FREE_TEXT = get_args(EdgeText)[1]


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
    AwareDatetime, Strict(False), BeforeValidator(_iso_text), AfterValidator(_to_utc)
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
        schema["propertyNames"] = {"pattern": pattern}
        schema["additionalProperties"] = values


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class ResponseBody(BaseModel):
    model_config = ConfigDict(frozen=True)
