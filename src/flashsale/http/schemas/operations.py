"""Bodies of the operational endpoints."""

from __future__ import annotations

from flashsale.http.schemas.base import ResponseBody


class HealthOut(ResponseBody):
    status: str
