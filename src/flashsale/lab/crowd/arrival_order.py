"""Did the early get the units? The crowd's first clicks against who was acknowledged.

Two figures. With W winners in the first wave, the *share of winners among the first W
arrivals* is 1.0 when the units went exactly to the earliest clickers (a perfect queue) and
falls towards W/fans when arrival did not matter (a lottery). The *rank correlation*
(Spearman) between the winners' click order and their acknowledgement order is 1.0 when they
were served in the order they came, 0 when that order was lost on the way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

FirstClick = tuple[float, float | None]  # (clicked, acknowledged or None), after the opening


@dataclass(frozen=True, slots=True)
class ArrivalOrder:
    clickers: int
    winners: int
    winners_among_first: int  # of the first ``winners`` clickers
    served_in_order: float | None  # Spearman's rho between click and acknowledgement order

    @property
    def early_share(self) -> float | None:
        return self.winners_among_first / self.winners if self.winners else None

    @property
    def lottery_share(self) -> float | None:
        """What ``early_share`` would be if arrival did not matter at all."""
        return self.winners / self.clickers if self.clickers else None


def arrival_order(first_clicks: Sequence[FirstClick]) -> ArrivalOrder:
    by_click = sorted(range(len(first_clicks)), key=lambda i: first_clicks[i][0])
    winners = [i for i in by_click if first_clicks[i][1] is not None]
    among_first = sum(1 for i in by_click[: len(winners)] if first_clicks[i][1] is not None)
    acknowledged = [first_clicks[i][1] or 0.0 for i in winners]
    clicked = [first_clicks[i][0] for i in winners]
    return ArrivalOrder(
        clickers=len(first_clicks),
        winners=len(winners),
        winners_among_first=among_first,
        served_in_order=spearman(clicked, acknowledged),
    )


def pooled(orders: Sequence[ArrivalOrder]) -> ArrivalOrder:
    """Several sales as one figure: counts added, the correlation weighted by winners."""
    weighted = [(o.served_in_order, o.winners) for o in orders if o.served_in_order is not None]
    weight = sum(w for _, w in weighted)
    return ArrivalOrder(
        clickers=sum(o.clickers for o in orders),
        winners=sum(o.winners for o in orders),
        winners_among_first=sum(o.winners_among_first for o in orders),
        served_in_order=sum(rho * w for rho, w in weighted) / weight if weight else None,
    )


def ranks(values: Sequence[float]) -> list[float]:
    """Ranks from 1, ties sharing their mean rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    result = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            result[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return result


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's correlation of the ranks; None for fewer than two pairs or a constant side."""
    if len(xs) != len(ys):
        raise ValueError("one y per x")
    if len(xs) < 2:
        return None
    rx, ry = ranks(xs), ranks(ys)
    mean = (len(xs) + 1) / 2
    covariance = sum((a - mean) * (b - mean) for a, b in zip(rx, ry, strict=True))
    spread_x = sum((a - mean) ** 2 for a in rx)
    spread_y = sum((b - mean) ** 2 for b in ry)
    if spread_x == 0 or spread_y == 0:
        return None
    return float(covariance / (spread_x * spread_y) ** 0.5)
