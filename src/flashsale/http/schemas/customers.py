"""Bodies of sign-up and log-in."""

from __future__ import annotations

from pydantic import Field

from flashsale.customers.model import Customer
from flashsale.http.edge import Line, Text
from flashsale.http.schemas.base import RequestBody, ResponseBody


class CustomerIn(RequestBody):
    email: Line = Field(max_length=254, examples=["fan@example.com"])
    password: Text = Field(max_length=1024)
    market: Line = Field(min_length=2, max_length=2, examples=["IN"])


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
