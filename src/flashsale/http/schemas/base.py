"""What every domain's bodies share: strict input, frozen output, UTC times, decimal amounts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from flashsale.http.edge import Line
from flashsale.sales.domain.sale import EARLIEST_MOMENT, LATEST_MOMENT, moment_in_range


def _to_utc(moment: datetime) -> datetime:
    # Compared before converting: an offset can carry a moment past year 1 or 9999.
    if not moment_in_range(moment):
        raise ValueError(
            f"must lie between {EARLIEST_MOMENT.isoformat()} and {LATEST_MOMENT.isoformat()}"
        )
    return moment.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
# Amounts travel as decimal strings ("999.00"); integers are accepted, floats are not.
AmountIn = Annotated[Line | int, Field(examples=["999.00"])]


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ResponseBody(BaseModel):
    model_config = ConfigDict(frozen=True)
