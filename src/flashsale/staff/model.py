"""Staff members: who they are, what their roles let them do, where and in which languages.

Roles are checked by pure functions here; which roles an endpoint or a page accepts is said
where it is declared (``http.endpoints.Endpoint.roles``, the console's pages). The holder of the
admin token is the bootstrap superuser: no account, every role.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from flashsale.kernel.errors import InvalidInput

# A working day: a staff token left on a shared till stops working by the next shift.
STAFF_SESSION_TTL_SECONDS = 12 * 3600
MAX_LANGUAGES = 16

# A BCP 47 tag's common shape: a language (en, zh, fil), then a script, region or variant.
_LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")
_MARKET_CODE = re.compile(r"^[A-Z]{2}$")


class Role(StrEnum):
    ADMIN = "admin"  # everything the admin token may do
    SUPERVISOR = "supervisor"
    AGENT = "agent"  # customer service
    CLERK = "clerk"
    WAREHOUSE = "warehouse"


EVERY_ROLE = frozenset(Role)


@dataclass(frozen=True, slots=True)
class StaffMember:
    id: str
    email: str  # normalised as customers' are: unique regardless of case
    password_hash: str
    roles: frozenset[Role]
    markets: frozenset[str]  # market codes; empty: every market
    languages: tuple[str, ...]  # in the member's order of preference
    created_at: datetime
    active: bool = True
    # Raised when the member is disabled: tokens carry the generation they were issued in, so
    # none issued before works again, even were the member enabled later.
    session_generation: int = 0

    def serves(self, market_code: str) -> bool:
        return not self.markets or market_code in self.markets


@dataclass(frozen=True, slots=True)
class Superuser:
    """Whoever holds the admin token: the shop's first operator, before any staff exists."""

    roles: frozenset[Role] = field(default=EVERY_ROLE)


SUPERUSER = Superuser()
Operator = StaffMember | Superuser


def accepts(held: Collection[str], accepted: Collection[str]) -> bool:
    """Whether roles ``held`` pass where ``accepted`` are asked for: the admin role passes
    everywhere, as the admin token does."""
    return Role.ADMIN in held or any(role in accepted for role in held)


def may(operator: Operator, accepted: Collection[str]) -> bool:
    return isinstance(operator, Superuser) or accepts(operator.roles, accepted)


def parse_roles(values: Iterable[str]) -> frozenset[Role]:
    roles: set[Role] = set()
    for value in values:
        try:
            roles.add(Role(value.strip().lower()))
        except ValueError:
            named = ", ".join(role.value for role in Role)
            raise InvalidInput(f"{value!r} is not a role: one of {named}") from None
    if not roles:
        raise InvalidInput("a staff member needs at least one role")
    return frozenset(roles)


def parse_market_codes(values: Iterable[str]) -> frozenset[str]:
    """Codes in the shape of a market's; whether the shop sells there is the service's check."""
    codes = set()
    for value in values:
        code = value.strip().upper()
        if not _MARKET_CODE.match(code):
            raise InvalidInput(f"{value!r} is not a market code such as IN")
        codes.add(code)
    return frozenset(codes)


def parse_languages(values: Iterable[str]) -> tuple[str, ...]:
    """Language tags (``en``, ``zh-Hans``, ``pt-BR``) in their usual casing, each once, in the
    order given."""
    tags: list[str] = []
    for value in values:
        tag = _canonical_tag(value)
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_LANGUAGES:
        raise InvalidInput(f"at most {MAX_LANGUAGES} languages")
    return tuple(tags)


def _canonical_tag(value: str) -> str:
    lowered = value.strip().replace("_", "-").lower()
    if len(lowered) > 35 or not _LANGUAGE_TAG.match(lowered):
        raise InvalidInput(f"{value!r} is not a language tag such as en, zh or hi")
    language, *rest = lowered.split("-")
    parts = [language]
    for part in rest:
        if len(part) == 4 and part.isalpha():
            parts.append(part.title())  # a script: Hans, Latn
        elif len(part) == 2 and part.isalpha():
            parts.append(part.upper())  # a region: BR, IN
        else:
            parts.append(part)
    return "-".join(parts)
