"""Bodies of an order's shipping address."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from flashsale.http.edge import NO_CONTROL, DocumentedPattern
from flashsale.http.schemas.base import FILLED_LINE, SINGLE_LINE, RequestBody, ResponseBody
from flashsale.orders.domain.shipping import MAX_LENGTHS, ShippingAddress

# The codes' shapes; whether a code is a country's, or a region of that country, is the
# domain's to say (orders/domain/regions.py), by name.
COUNTRY_PATTERN = r"^[A-Za-z]{2}$"
REGION_PATTERN = r"^[A-Za-z]{2}-[A-Za-z0-9]{1,3}$"


def _filled(longest: int) -> object:
    """Trimmed, then something: what a required line of an address is."""
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=longest)


Recipient = Annotated[str, _filled(MAX_LENGTHS["recipient"]), SINGLE_LINE, FILLED_LINE]
Line1 = Annotated[str, _filled(MAX_LENGTHS["line1"]), SINGLE_LINE, FILLED_LINE]
City = Annotated[str, _filled(MAX_LENGTHS["city"]), SINGLE_LINE, FILLED_LINE]
PostalCode = Annotated[str, _filled(MAX_LENGTHS["postal_code"]), SINGLE_LINE, FILLED_LINE]
Phone = Annotated[str, _filled(MAX_LENGTHS["phone"]), SINGLE_LINE, FILLED_LINE]
Line2 = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=MAX_LENGTHS["line2"]),
    SINGLE_LINE,
    DocumentedPattern(NO_CONTROL),
]
CountryCode = Annotated[str, StringConstraints(pattern=COUNTRY_PATTERN)]
RegionCode = Annotated[str, StringConstraints(pattern=REGION_PATTERN)]


class ShippingAddressIn(RequestBody):
    recipient: Recipient = Field(examples=["Asha Rao"])
    line1: Line1 = Field(examples=["12 MG Road"])
    line2: Line2 = Field(default="", examples=["Flat 2"])
    city: City = Field(examples=["Bengaluru"])
    postal_code: PostalCode = Field(examples=["560001"])
    phone: Phone = Field(examples=["+91 80 1234 5678"])
    country: CountryCode = Field(
        description="ISO 3166-1 alpha-2, either case (422 when it is no country's).",
        examples=["IN"],
    )
    region: RegionCode | None = Field(
        default=None,
        description="ISO 3166-2, either case: required where the country has regions, and one"
        " of that country's; none where it has none (422 naming the field otherwise).",
        examples=["IN-KA"],
    )

    def fields(self) -> dict[str, str]:
        return {name: value or "" for name, value in self.model_dump().items()}


class ShippingAddressOut(ResponseBody):
    recipient: str
    line1: str
    line2: str
    city: str
    postal_code: str
    phone: str
    country: str | None  # none on an address stored before countries were asked
    region: str | None

    @classmethod
    def of(cls, address: ShippingAddress) -> ShippingAddressOut:
        return cls(
            recipient=address.recipient,
            line1=address.line1,
            line2=address.line2,
            city=address.city,
            postal_code=address.postal_code,
            phone=address.phone,
            country=address.country,
            region=address.region,
        )
