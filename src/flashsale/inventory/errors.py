"""The refusals of stock, each with a stable code (the RFC 9457 problem ``type``)."""

from __future__ import annotations

from flashsale.kernel.errors import Conflict, InvalidInput


class InsufficientOnHand(Conflict):
    """A move that would take on-hand below zero, or below what is allocated and committed."""

    code = "insufficient-on-hand"


class AllotmentAboveFree(Conflict):
    """An allotment that would commit more units than a location has free."""

    code = "allotment-above-free"


class AllotmentsDoNotSum(InvalidInput):
    """A sale's allotments must add up to its stock, no more and no less."""

    code = "allotments-do-not-sum"
