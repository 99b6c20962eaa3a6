"""``ChannelRepository`` in a Python process (``record/memory_store.py`` composes it).

It shares the composed store's state as the SQL repository shares the database: a pool moves
the inventory's levels, an import writes levels, ledger moves and fulfilment orders, all or
nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from flashsale.catalog.market import Market
from flashsale.catalog.model import Variant
from flashsale.channels.domain import door_counting as doors
from flashsale.channels.domain.channel import Channel, ChannelPrice
from flashsale.channels.domain.order_line import LineStatus, OrderLine, Problem, StoredLine
from flashsale.channels.domain.planning import Key, fulfilment_order
from flashsale.channels.domain.pool import Pool, PoolTarget
from flashsale.channels.domain.reconciliation import DaySku, with_returned
from flashsale.channels.domain.return_planning import CANCELLED_REASON, ReturnPlan
from flashsale.channels.domain.returns import ReportedReturn, StoredReturn
from flashsale.channels.errors import PoolAboveFree, PoolBelowConsumed, PoolChanged
from flashsale.channels.ports import ChunkWritten, Planner, ReturnPlanner
from flashsale.fulfilment.domain.order import FulfilmentOrder, FulfilmentStatus
from flashsale.inventory.domain.doors import DoorCount
from flashsale.inventory.domain.location import Location
from flashsale.inventory.domain.stock import Move, MoveKind, StockLevel
from flashsale.kernel.errors import Conflict


class MemoryChannelRepository:
    # The rest of the record, kept by the other memory repositories of the composed store.
    _markets: dict[str, Market]
    _variants: dict[str, Variant]
    _locations: dict[str, Location]
    _levels: dict[tuple[str, str], StockLevel]
    _moves: list[Move]
    _fulfilment: dict[str, FulfilmentOrder]
    _fulfilment_keys: dict[tuple[str, str, int], str]

    def __init__(self) -> None:
        super().__init__()
        self._channels: dict[str, Channel] = {}
        self._channel_prices: dict[tuple[str, str], ChannelPrice] = {}
        self._pools: dict[tuple[str, str, str], Pool] = {}
        self._channel_lines: dict[tuple[str, str, str], StoredLine] = {}
        # By (channel, order, line, kind, ref): a line may come back in parts.
        self._channel_returns: dict[tuple[str, str, str, str, str], StoredReturn] = {}

    async def channel_add(self, channel: Channel) -> None:
        if channel.code in self._channels:
            raise Conflict(f"channel {channel.code} exists already")
        if channel.market_code not in self._markets:
            raise Conflict(f"market {channel.market_code} is not in the record")
        self._channels[channel.code] = channel

    async def channel_replace(self, channel: Channel) -> bool:
        if channel.code not in self._channels:
            return False
        self._channels[channel.code] = channel
        return True

    async def channel(self, code: str) -> Channel | None:
        return self._channels.get(code)

    async def channels(self) -> list[Channel]:
        return [c for _, c in sorted(self._channels.items())]

    async def channel_put_prices(self, prices: Sequence[ChannelPrice]) -> None:
        for price in prices:
            if price.channel not in self._channels or price.sku not in self._variants:
                raise Conflict("a price names a channel or SKU the record does not hold")
        for price in prices:
            self._channel_prices[price.channel, price.sku] = price

    async def channel_remove_price(self, channel: str, sku: str) -> bool:
        return self._channel_prices.pop((channel, sku), None) is not None

    async def channel_prices(self, channel: str) -> list[ChannelPrice]:
        return [p for (c, _), p in sorted(self._channel_prices.items()) if c == channel]

    async def pool_put(self, channel: str, targets: Sequence[PoolTarget]) -> list[Pool]:
        if channel not in self._channels:
            raise Conflict(f"channel {channel} is not in the record")
        levels = dict(self._levels)
        pools = dict(self._pools)
        for t in sorted(targets, key=lambda t: (t.location, t.sku)):
            if t.location not in self._locations or t.sku not in self._variants:
                raise Conflict("a pool names a location or SKU the record does not hold")
            current = pools.get((channel, t.location, t.sku)) or Pool(channel, t.location, t.sku, 0)
            if t.units < current.consumed:
                raise PoolBelowConsumed(
                    f"{t.sku} at {t.location}: the partner has consumed {current.consumed}"
                    f" already; the pool cannot be {t.units}"
                )
            change = t.units - current.units
            level = levels.get((t.location, t.sku)) or StockLevel(t.location, t.sku)
            if change > level.free:
                raise PoolAboveFree(
                    f"{t.location} has {level.free} of {t.sku} free; the pool asks {change} more"
                )
            levels[t.location, t.sku] = level.changed(committed=change)
            pools[channel, t.location, t.sku] = replace(current, units=t.units)
        self._levels, self._pools = levels, pools
        return await self.pools(channel)

    async def pools(self, channel: str) -> list[Pool]:
        return [p for (c, _, _), p in sorted(self._pools.items()) if c == channel]

    async def pool_all(self) -> list[Pool]:
        return [p for _, p in sorted(self._pools.items())]

    async def door_counts(self, sku: str | None = None) -> list[DoorCount]:
        moves = [m for m in self._moves if sku is None or m.sku == sku]
        kinds = {code: loc.kind for code, loc in self._locations.items()}
        return doors.door_counts(
            [
                (m.sku, -m.on_hand_change)
                for m in moves
                if m.kind is MoveKind.SHIP and m.reference.startswith(doors.POS_SALE)
            ],
            [
                (m.sku, doors.return_door(m.reference), m.on_hand_change)
                for m in moves
                if m.kind is MoveKind.RETURN_RECEIPT
            ],
            [
                (fo.sku, fo.source_kind, kinds.get(fo.location or ""), fo.quantity)
                for fo in self._fulfilment.values()
                if fo.status.value in doors.LEFT and (sku is None or fo.sku == sku)
            ],
        )

    async def channel_import_chunk(
        self, channel: str, lines: Sequence[OrderLine], planner: Planner
    ) -> ChunkWritten:
        stored = {
            (x.order_id, x.line_id)
            for x in lines
            if (channel, x.order_id, x.line_id) in self._channel_lines
        }
        skus = {x.sku for x in lines}
        pools: dict[Key, Pool] = {
            (loc, sku): p
            for (c, loc, sku), p in self._pools.items()
            if c == channel and sku in skus
        }
        plan = planner(lines, stored, pools)
        levels, new_pools = dict(self._levels), dict(self._pools)
        for (loc, sku), units in plan.consumed.items():
            pool = new_pools[channel, loc, sku]
            if pool.available < units:
                raise PoolChanged(f"the pool of {sku} at {loc} has less left than the chunk takes")
            new_pools[channel, loc, sku] = replace(pool, consumed=pool.consumed + units)
            level = levels.get((loc, sku)) or StockLevel(loc, sku)
            levels[loc, sku] = level.changed(allocated=units, committed=-units)
        assert plan.at is not None
        made = [fulfilment_order(x, plan.market_code, plan.at) for x in plan.shipments]
        for fo in made:
            if (fo.source_kind.value, fo.source_id, fo.part) in self._fulfilment_keys:
                raise Conflict(f"{fo.source_id} has a fulfilment order already")
        self._levels, self._pools = levels, new_pools
        for line in plan.lines:
            self._channel_lines[channel, line.order_id, line.line_id] = line
        for fo in made:
            self._fulfilment[fo.id] = fo
            self._fulfilment_keys[fo.source_kind.value, fo.source_id, fo.part] = fo.id
        for move in plan.moves:
            self._moves.append(replace(move, id=len(self._moves) + 1))
        return ChunkWritten(plan.imported, plan.duplicates, plan.rejected)

    async def channel_returns_chunk(
        self, channel: str, returns: Sequence[ReportedReturn], planner: ReturnPlanner
    ) -> ReturnPlan:
        order_ids = {x.order_id for x in returns}
        lines: dict[str, list[StoredLine]] = defaultdict(list)
        for (c, order_id, _), line in sorted(self._channel_lines.items()):
            if c == channel and order_id in order_ids:
                lines[order_id].append(line)
        stored = {
            (o, line_id, kind, ref): ret
            for (c, o, line_id, kind, ref), ret in self._channel_returns.items()
            if c == channel and o in order_ids
        }
        statuses = {
            x.fulfilment_order_id: self._fulfilment[x.fulfilment_order_id].status
            for ls in lines.values()
            for x in ls
            if x.fulfilment_order_id in self._fulfilment
        }
        plan = planner(returns, stored, lines, statuses)
        levels, pools = dict(self._levels), dict(self._pools)
        for (loc, sku), units in plan.released.items():
            pool = pools[channel, loc, sku]
            if pool.consumed < units:
                raise PoolChanged(f"the pool of {sku} at {loc} has consumed fewer than {units}")
            pools[channel, loc, sku] = replace(pool, consumed=pool.consumed - units)
            levels[loc, sku] = levels[loc, sku].changed(allocated=-units, committed=units)
        for (loc, sku), units in plan.received.items():
            levels[loc, sku] = levels[loc, sku].changed(on_hand=units)
        assert plan.at is not None
        for fo_id in plan.cancelled:
            if self._fulfilment[fo_id].status is not FulfilmentStatus.ALLOCATED:
                raise PoolChanged(f"fulfilment order {fo_id} moved while it was cancelled")
        for fo_id in plan.cancelled:
            self._fulfilment[fo_id] = replace(
                self._fulfilment[fo_id],
                status=FulfilmentStatus.CANCELLED,
                reason=CANCELLED_REASON,
                updated_at=plan.at,
            )
        self._levels, self._pools = levels, pools
        for ret in plan.rows:
            key = (channel, ret.order_id, ret.line_id, ret.kind.value, ret.ref)
            self._channel_returns[key] = ret
        for move in plan.moves:
            self._moves.append(replace(move, id=len(self._moves) + 1))
        return plan

    async def channel_known_lines(
        self, channel: str, keys: Sequence[tuple[str, str]]
    ) -> set[tuple[str, str]]:
        return {k for k in keys if (channel, *k) in self._channel_lines}

    async def channel_reconciliation(self, channel: str, start: date, end: date) -> list[DaySku]:
        sums: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
        for (c, _, _), line in self._channel_lines.items():
            if c != channel or not start <= line.day <= end:
                continue
            row = sums[line.day, line.sku]
            row[0] += line.quantity
            if line.status is LineStatus.REJECTED:
                row[3] += line.quantity
                if line.problem == Problem.POOL_EXHAUSTED.value:
                    row[4] += line.quantity
            else:
                row[1] += line.quantity
                if line.status is LineStatus.IMPORTED:
                    row[2] += line.quantity
        returned: dict[tuple[date, str], int] = defaultdict(int)
        for (c, *_), ret in self._channel_returns.items():
            if c == channel and start <= ret.day <= end and ret.applied:
                returned[ret.day, ret.sku] += ret.quantity
        return with_returned(
            [DaySku(day, sku, r[0], r[1], r[2], r[3], r[4], 0) for (day, sku), r in sums.items()],
            returned,
        )
