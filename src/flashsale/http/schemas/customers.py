"""Bodies of sign-up and log-in."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from flashsale.customers.model import MIN_PASSWORD_LENGTH, Customer
from flashsale.http.edge import DocumentedPattern, Line, Text
from flashsale.http.schemas.base import MARKET_CODE_PATTERN, RequestBody, ResponseBody

# The accounts' own checks, as the document states them (the service refuses with 422): an
# address, trimmed of white space, is up to 64 characters, an @, and a domain with a dot; no
# white space or control character inside. U+0085 is white space to Python, not to ECMA-262.
_ADDRESS_CHARACTER = r"[^@\s\u0000-\u001f\u0085]"
_BLANK = r"[^\S\u0000-\u001f\u0085]"
EMAIL_PATTERN = (
    f"^{_BLANK}*{_ADDRESS_CHARACTER}{{1,64}}@{_ADDRESS_CHARACTER}+"
    f"\\.{_ADDRESS_CHARACTER}+{_BLANK}*$"
)
Email = Annotated[Line, DocumentedPattern(EMAIL_PATTERN)]
MarketCode = Annotated[Line, DocumentedPattern(MARKET_CODE_PATTERN)]


class CustomerIn(RequestBody):
    email: Email = Field(max_length=254, examples=["fan@example.com"])
    password: Text = Field(max_length=1024, json_schema_extra={"minLength": MIN_PASSWORD_LENGTH})
    market: MarketCode = Field(
        min_length=2, max_length=2, examples=["IN"], description="A market the shop sells in."
    )


class CustomerOut(ResponseBody):
    id: str
    email: str
    market: str

    @classmethod
    def of(cls, customer: Customer) -> CustomerOut:
        return cls(id=customer.id, email=customer.email, market=customer.market_code)


class SessionIn(RequestBody):
    email: Line = Field(max_length=254)
    password: Text = Field(max_length=1024)


class SessionOut(ResponseBody):
    token: str
    customer_id: str
