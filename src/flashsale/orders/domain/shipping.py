"""Where a paid order goes: the shipping address a customer gives at checkout."""

from __future__ import annotations

from dataclasses import dataclass, replace

from flashsale.kernel.errors import InvalidInput
from flashsale.orders.domain import regions

# Field name -> (label for messages, longest accepted, required)
_FIELDS = {
    "recipient": ("name", 120, True),
    "line1": ("address", 200, True),
    "line2": ("address line 2", 200, False),
    "city": ("city", 100, True),
    "postal_code": ("postal code", 20, True),
    "phone": ("phone", 30, True),
}
# The longest accepted text of each field, for the edges that describe them.
MAX_LENGTHS = {name: longest for name, (_, longest, _) in _FIELDS.items()}


@dataclass(frozen=True, slots=True)
class ShippingAddress:
    recipient: str
    line1: str
    city: str
    postal_code: str
    phone: str
    line2: str = ""
    # ISO 3166-1 alpha-2 and ISO 3166-2, upper case. None on addresses stored before they were
    # asked for, which must still load; every address given now has them (``check_new``).
    country: str | None = None
    region: str | None = None

    def __post_init__(self) -> None:
        for name, (label, longest, required) in _FIELDS.items():
            value = getattr(self, name)
            if not isinstance(value, str):
                raise InvalidInput(f"the {label} is text")
            if required and not value.strip():
                raise InvalidInput(f"the shipping address needs a {label}")
            if len(value) > longest:
                raise InvalidInput(f"the {label} may have at most {longest} characters")
        for name in ("country", "region"):
            if not isinstance(getattr(self, name), str | None):
                raise InvalidInput(f"the {name} is text")

    @classmethod
    def of(cls, fields: dict[str, str]) -> ShippingAddress:
        """From loosely typed input (a form, a request): trimmed, codes upper-cased, unknown
        fields ignored; refused (InvalidInput, naming the field) unless ``check_new`` passes."""
        address = cls(**{name: fields.get(name, "").strip() for name in _FIELDS})
        country = regions.country_code(fields.get("country") or "")
        return replace(
            address, country=country, region=regions.region_code(country, fields.get("region"))
        )

    def check_new(self) -> None:
        """Refuse (InvalidInput) an address that may not be given now: one without its country,
        or without the region its country has, or with another country's region.

        Asked of every address set, not in ``__post_init__``: one stored before the rule
        existed must still load.
        """
        country = regions.country_code(self.country or "")
        region = regions.region_code(country, self.region)
        # ``of`` upper-cases; an address built otherwise must already be as it is stored.
        if country != self.country:
            raise InvalidInput(f"country: give {country}, in upper case")
        if region != self.region:
            raise InvalidInput(
                f"region: give {region}, in upper case" if region else "region: give none (null)"
            )

    def lines(self) -> list[str]:
        """As printed on a parcel."""
        shown = [self.recipient, self.line1, self.line2, f"{self.postal_code} {self.city}"]
        return [line for line in shown if line.strip()] + self._place() + [self.phone]

    def _place(self) -> list[str]:
        """The region and country by name, as the parcel's last address line."""
        if self.country is None:
            return []
        region = next(
            (r.name for r in regions.regions_of(self.country) if r.code == self.region),
            self.region,
        )
        country = regions.country_name(self.country)
        return [f"{region}, {country}" if region else country]
