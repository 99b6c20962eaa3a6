"""``flashsale report rebuild``: the feed replayed from its start into the shadow copy, compared
with the live facts at the same place in the feed, then swapped in.

Live and shadow are compared at one cursor: the shadow is projected up to where the live facts
are, or the live facts up to where the shadow is (the compare-and-set on the live cursor keeps
a running projector and this one from counting a batch twice). The swap checks, in its own
transaction, that the live cursor has not moved since; if it has, the two catch up again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from flashsale.orders.domain.events import EventCursor
from flashsale.orders.service.events import OrderEvents
from flashsale.platform.leadership import Leadership
from flashsale.reporting.domain.facts import MEASURES, FactKey, SaleProgress, nonzero
from flashsale.reporting.ports import MarketLister, ReportingRepository, SaleLister
from flashsale.reporting.service.projector import DEFAULT_BATCH, Projector

ATTEMPTS = 20
MAX_DIFFERENCES_LISTED = 200


@dataclass(frozen=True, slots=True)
class Rebuilt:
    events: int  # replayed into the shadow
    cursor: EventCursor | None
    facts: int  # rows of the rebuilt facts
    differences: list[str]  # keys whose live and rebuilt counts differed, described
    swapped: bool

    @property
    def equal(self) -> bool:
        return not self.differences


def describe(key: FactKey) -> str:
    flag = " rehearsal" if key.is_rehearsal else ""
    return f"{key.day} {key.market} {key.channel} {key.sku} {key.currency}{flag}"


def differences(
    live: Mapping[FactKey, Sequence[int]],
    rebuilt: Mapping[FactKey, Sequence[int]],
    live_progress: Mapping[str, SaleProgress],
    rebuilt_progress: Mapping[str, SaleProgress],
) -> list[str]:
    """Every key whose counts differ, with the measures that do: an all-zero row counts as
    no row."""
    left, right = nonzero(live), nonzero(rebuilt)
    found: list[str] = []
    zero = (0,) * len(MEASURES)
    for key in sorted(left.keys() | right.keys()):
        was, now = left.get(key, zero), right.get(key, zero)
        if was != now:
            changed = ", ".join(
                f"{m} {a} -> {b}" for m, a, b in zip(MEASURES, was, now, strict=True) if a != b
            )
            found.append(f"{describe(key)}: {changed}")
    for sale_id in sorted(live_progress.keys() | rebuilt_progress.keys()):
        a, b = live_progress.get(sale_id), rebuilt_progress.get(sale_id)
        if (a and asdict(a)) != (b and asdict(b)):
            found.append(f"sale {sale_id}: progress {a} -> {b}")
    return found


class Rebuild:
    def __init__(
        self,
        events: OrderEvents,
        repository: ReportingRepository,
        sales: SaleLister,
        markets: MarketLister,
        leadership: Leadership,
        *,
        batch: int = DEFAULT_BATCH,
    ) -> None:
        self._repository = repository

        def projector(shadow: bool) -> Projector:
            return Projector(
                events, repository, sales, markets, leadership, batch=batch, shadow=shadow
            )

        self._shadow = projector(True)
        self._live = projector(False)

    async def run(self) -> Rebuilt:
        await self._repository.clear_shadow()
        self._shadow.forget()
        self._live.forget()
        replayed = await self._shadow.catch_up()
        for _ in range(ATTEMPTS):
            live = await self._repository.report_cursor()
            shadow = await self._repository.report_cursor(shadow=True)
            if live != shadow:
                if shadow is None or (live is not None and live > shadow):
                    replayed += await self._shadow.catch_up(live)
                else:
                    await self._live.catch_up(shadow)
                continue
            found = differences(
                await self._repository.all_facts(),
                rebuilt := await self._repository.all_facts(shadow=True),
                await self._repository.all_progress(),
                await self._repository.all_progress(shadow=True),
            )
            if live is None:  # an empty feed: nothing to swap
                return Rebuilt(replayed, None, 0, found, swapped=False)
            if await self._repository.swap_shadow(live):
                return Rebuilt(replayed, live, len(rebuilt), found[:MAX_DIFFERENCES_LISTED], True)
        raise RuntimeError(f"the live facts kept moving: not swapped after {ATTEMPTS} attempts")
