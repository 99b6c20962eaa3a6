"""What the stores need: their repository, a price list, and (from orders) the payment gateway."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from flashsale.inventory.domain.location import Location
from flashsale.kernel.money import Money
from flashsale.stores.domain.returns import PosReturn
from flashsale.stores.domain.sale import PosSale
from flashsale.stores.domain.store import StoreProfile
from flashsale.stores.domain.till import Till


class StoreRepository(Protocol):
    """Stores, their clerks and tills, POS sales and returns.

    Method names carry ``store_``, ``till_`` or ``pos_``: the record composes every domain's
    repository into one object.
    """

    async def store_add(
        self, location: Location, profile: StoreProfile, clerks: Sequence[str]
    ) -> None:
        """The location (kind store), its profile and its clerks in one transaction. Raises
        ``Conflict`` (nothing written) when the code is taken or a clerk is no staff member."""
        ...

    async def store_profile(self, code: str) -> StoreProfile | None: ...

    async def store_profiles(self) -> list[StoreProfile]:
        """By code."""
        ...

    async def store_clerks(self, code: str) -> list[str]:
        """The staff ids of the store's clerks, sorted."""
        ...

    async def store_put_clerks(self, code: str, staff_ids: Sequence[str]) -> None:
        """Replace the store's clerks; ``Conflict`` (nothing written) for an unknown member."""
        ...

    async def store_clerks_by_store(self) -> dict[str, list[str]]:
        """Every store's clerks (staff ids, sorted) by store code, in one read; a store without
        clerks is absent."""
        ...

    async def till_add(self, till: Till) -> None: ...

    async def till_by_token_hash(self, token_hash: str) -> Till | None: ...

    async def tills(self, store_code: str) -> list[Till]:
        """Revoked ones too, oldest first."""
        ...

    async def tills_live(self) -> list[Till]:
        """Every store's tills that are not revoked, in one read."""
        ...

    async def till_revoke(self, store_code: str, till_id: str, at: datetime) -> Till | None:
        """The till as stored now (revoked at ``at``, or earlier if it was); None when the store
        has no such till."""
        ...

    async def pos_record_sale(self, sale: PosSale) -> PosSale:
        """In one transaction: the store's next receipt number, the sale and its lines, one
        ``ship`` move per line and the guarded decrement of the store's level (free units =
        on hand - allocated - committed must cover it). Returns the sale with its number, or,
        when the store has a sale with this idempotency key already, that sale (nothing
        written). Raises ``InsufficientStoreStock`` (nothing written) when a line is short,
        ``Conflict`` when a twin with the same key commits first."""
        ...

    async def pos_record_sales(self, sales: Sequence[PosSale]) -> list[PosSale | Exception]:
        """Many sales, as if each were recorded alone in the order given (the group commit of
        the point of sale), one answer per sale: the stored sale (the key's first one on a
        replay) or the refusal ``pos_record_sale`` would have raised. A refused sale changes
        nothing and does not stop the others."""
        ...

    async def pos_sale(self, sale_id: str) -> PosSale | None: ...

    async def pos_sale_by_key(self, store_code: str, idempotency_key: str) -> PosSale | None: ...

    async def pos_record_return(self, ret: PosReturn) -> PosReturn:
        """In one transaction: the return, the sale's returned counts (guarded: never past what
        was sold), and per line a ``return_receipt`` move (and, if not restocked, a
        ``write_off`` of the same units). Raises ``ReturnExceedsSale`` (nothing written)."""
        ...

    async def pos_return_refunded(self, return_id: str, refund_reference: str) -> None:
        """Note the gateway's refund of a card sale's return (asked after the return is stored,
        with the return's id as its idempotency key, so asking again is harmless)."""
        ...

    async def pos_returns(self, sale_id: str) -> list[PosReturn]:
        """Oldest first."""
        ...


class PriceList(Protocol):
    """A store's prices: its channel's price list where it has one, else the catalog's price in
    its market (``service/prices.py``). A SKU missing from the answer is not sold there."""

    async def prices(
        self, store_code: str, market_code: str, skus: Sequence[str]
    ) -> dict[str, Money]: ...
