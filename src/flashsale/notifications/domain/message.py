"""What a sender asks for (a ``Message``) and what the customer receives (a ``Mail``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from flashsale.kernel.errors import InvalidInput

MAX_ADDRESS_LENGTH = 254  # RFC 5321's path limit, less the angle brackets
# One mailbox: a local part and a domain, nothing an SMTP envelope or a To header would read as
# a second address, a comment or a new line. The SMTP server judges the rest.
_ADDRESS = re.compile(r"[^@\s<>,;:\"()\[\]\\]+@[^@\s<>,;:\"()\[\]\\]+")


@dataclass(frozen=True, slots=True)
class Message:
    """One mail to send: ``template`` (a name in ``catalogue.TEMPLATES``) rendered in ``locale``
    (a CLDR locale such as en_IN, the market's) with ``data`` (the keys the template names)."""

    to: str
    template: str
    locale: str
    data: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class Mail:
    """A rendered mail: a one-line subject, the plain text, and HTML when the template has it."""

    subject: str
    text: str
    html: str | None = None


def check_address(address: str) -> str:
    """The address, or InvalidInput when it is not one mailbox."""
    if len(address) > MAX_ADDRESS_LENGTH or not _ADDRESS.fullmatch(address):
        raise InvalidInput(f"{address[:60]!r} is not an email address")
    return address
