"""The refusals of stores and the point of sale, each with a stable code (the RFC 9457 problem
``type``); their HTTP status comes from the base class (``http/problems.py`` walks the MRO)."""

from __future__ import annotations

from typing import Any

from flashsale.kernel.errors import Forbidden, InvalidInput
from flashsale.sales.errors import InsufficientStock


class InsufficientStoreStock(InsufficientStock):
    """The store's shelf holds fewer free units than the sale asks: 409, nothing changed. The
    same problem type as the web's, since the client's answer is the same."""


class NotSoldHere(InvalidInput):
    """A SKU the catalog does not know, or that has no price in the store's market."""

    code = "not-sold-here"


class CashShort(InvalidInput):
    """Cash tendered below the sale's total."""

    code = "cash-short"


class ReturnExceedsSale(InvalidInput):
    """A return of more units than the sale sold, less what was returned before: 422 (the
    request asks what the receipt cannot give; the same request will never be right), with
    the numbers as the problem's extension members where they are known."""

    code = "return-exceeds-sale"

    def __init__(
        self, detail: str, *, sku: str | None = None, sold: int = 0, returned: int = 0,
        asked: int = 0,
    ) -> None:  # fmt: skip
        super().__init__(detail)
        self.numbers = (
            {"sku": sku, "sold": sold, "returned_before": returned, "asked": asked}
            if sku is not None
            else {}
        )

    @property
    def extra(self) -> dict[str, Any]:
        """The problem's extension members (RFC 9457 §3.2)."""
        return dict(self.numbers)


class NotThisStoresClerk(Forbidden):
    """A clerk at a till of a store they do not work at."""

    code = "not-this-stores-clerk"
