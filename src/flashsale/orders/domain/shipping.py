"""Where a paid order goes: the shipping address a customer gives at checkout."""

from __future__ import annotations

from dataclasses import dataclass

from flashsale.kernel.errors import InvalidInput

# Field name -> (label for messages, longest accepted, required)
_FIELDS = {
    "recipient": ("name", 120, True),
    "line1": ("address", 200, True),
    "line2": ("address line 2", 200, False),
    "city": ("city", 100, True),
    "postal_code": ("postal code", 20, True),
    "phone": ("phone", 30, True),
}


@dataclass(frozen=True, slots=True)
class ShippingAddress:
    recipient: str
    line1: str
    city: str
    postal_code: str
    phone: str
    line2: str = ""

    def __post_init__(self) -> None:
        for name, (label, longest, required) in _FIELDS.items():
            value = getattr(self, name)
            if not isinstance(value, str):
                raise InvalidInput(f"the {label} is text")
            if required and not value.strip():
                raise InvalidInput(f"the shipping address needs a {label}")
            if len(value) > longest:
                raise InvalidInput(f"the {label} may have at most {longest} characters")

    @classmethod
    def of(cls, fields: dict[str, str]) -> ShippingAddress:
        """From loosely typed input (a form): trimmed, unknown fields ignored."""
        return cls(**{name: fields.get(name, "").strip() for name in _FIELDS})

    def lines(self) -> list[str]:
        """As printed on a parcel."""
        shown = [self.recipient, self.line1, self.line2, f"{self.postal_code} {self.city}"]
        return [line for line in shown if line.strip()] + [self.phone]
