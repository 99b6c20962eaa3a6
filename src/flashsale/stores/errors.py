"""The refusals of stores and the point of sale, each with a stable code (the RFC 9457 problem
``type``); their HTTP status comes from the base class (``http/problems.py`` walks the MRO)."""

from __future__ import annotations

from flashsale.kernel.errors import Conflict, Forbidden, InvalidInput
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


class ReturnExceedsSale(Conflict):
    """A return of more units than the sale sold, less what was returned before."""

    code = "return-exceeds-sale"


class NotThisStoresClerk(Forbidden):
    """A clerk at a till of a store they do not work at."""

    code = "not-this-stores-clerk"
