"""The refusals of the warehouse's work after allocation (waves, shipping, returns), each with
a stable code (the RFC 9457 problem ``type``)."""

from __future__ import annotations

from flashsale.kernel.errors import Conflict, InvalidInput


class NothingToWave(Conflict):
    """No allocated order waits at the location, or its hour's capacity is spent."""

    code = "nothing-to-wave"


class BadShipmentRows(InvalidInput):
    """A bulk shipment with rows that cannot be applied: none of it is."""

    code = "bad-shipment-rows"


class ReturnWindowClosed(Conflict):
    """The market's return window after delivery has passed."""

    code = "return-window-closed"


class NotDelivered(Conflict):
    """Nothing of the order has been delivered yet: it cannot be returned."""

    code = "not-delivered"
