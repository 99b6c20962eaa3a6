"""What the console's everyday pages share: who is at the console (and what they may do), the
name the record gives them, a message after every save, and amounts as the market writes them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

from babel import UnknownLocaleError
from babel.numbers import NumberFormatError, parse_decimal
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from flashsale.kernel import errors
from flashsale.staff.model import Operator, StaffMember, may
from flashsale.web.kit import PageKit

ADMIN_ACTOR = "admin"  # the admin token: the bootstrap superuser, no staff account behind it


class ConsoleKit:
    def __init__(self, kit: PageKit, saved: Mapping[str, str]) -> None:
        self._pages = kit.pages
        self.security = kit.security
        self._saved = saved

    async def operator(self, request: Request, *roles: str) -> Operator | Response:
        """Who may use this page (``roles``: none named, any staff member); else the way to the
        log-in. A member without the role is refused (403)."""
        operator = await self.security.console_operator(request)
        if operator is None:
            path = request.url.path
            return RedirectResponse(f"/console/login?next={path}", 303)
        if roles and not may(operator, roles):
            raise errors.Forbidden(f"this needs a staff member with the role {' or '.join(roles)}")
        return operator

    def render(
        self, request: Request, template: str, context: dict[str, object], status: int = 200
    ) -> Response:
        # What a save just did, said on the page it lands on (?saved=, set by the redirect).
        saved = self._saved.get(request.query_params.get("saved", "")) if status == 200 else None
        values = {"section": "", "saved": saved, "message": None, **context}
        return self._pages.render(request, template, values, status)


def actor_of(operator: Operator) -> str:
    """The operator as the record names them (a refund's four eyes compare these)."""
    if isinstance(operator, StaffMember):
        return f"staff:{operator.id}"
    return ADMIN_ACTOR


_AMOUNT_TEXT = re.compile(r"[0-9][0-9.,']*")


def parse_amount(value: str, locale: str, label: str) -> Decimal:
    """An amount typed the market's way: ``1.299,90`` in Greece, ``1,299.90`` in India. A plain
    ``1299.90`` is read too where the locale's decimal sign is a comma but no group sign is a
    point (no one means 1,299,90 by it)."""
    # Spaces group digits in some markets (1 299,90 in Russia, as a no-break space): typed as
    # any kind of space, or none, they mean the same.
    text = "".join(value.split())
    if not text:
        raise errors.InvalidInput(f"{label} is missing")
    # Digits and the signs that group or split them; what Decimal would also take (1_999, 1E3,
    # NaN) the API refuses, and so does the console.
    if _AMOUNT_TEXT.fullmatch(text) is None:
        raise errors.InvalidInput(f"{label}: {value!r} is not a decimal string")
    try:
        amount: Decimal = parse_decimal(text, locale=locale, strict=True)
    except (NumberFormatError, UnknownLocaleError, ValueError):
        try:
            amount = parse_decimal(text, locale="en", strict=True)
        except (NumberFormatError, ValueError) as exc:
            raise errors.InvalidInput(f"{label}: {value!r} is not an amount") from exc
    if not amount.is_finite() or amount < 0:
        raise errors.InvalidInput(f"{label}: {value!r} is not an amount")
    return amount
