"""``flashsale report seed-history``: 2014 to 2017 synthesised from the seeds' published
figures, for the demo only, and marked as a rehearsal so no real report counts it.

Published (and kept exactly): 61.12 million phones in 2014 and about 70 million in 2015; 13.62
million in Q1 2017 and 23.16 million in Q2 2017 (+70 % on the quarter); 10 million in
September 2017, the highest month so far; about a tenth of 2017's shipments to India, whose
revenue grew 328 % year on year in Q2 2017; the Mi Fan Festivals of 8 April 2014 (1.3 million
phones, 1.5 billion yuan) and 8 April 2015 (2,112,010 phones in 3.05 million orders, 2.08
billion yuan). Not published, so filled in to make the years continuous: the split of each
year by quarter, 2016 (55 million), Q3 and Q4 2017 below September, and the prices (74.3
billion yuan over 61.12 million phones: 1,216 yuan a phone; Rs 11,999 in India).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flashsale.reporting.domain.facts import WIDTH, FactKey, Facts, Measure, to_scaled
from flashsale.reporting.domain.periods import Grain, period_of

SKU = "MI-PHONE"
CHANNEL = "web"
PRICE = {"CN": (Decimal("1216"), "CNY"), "IN": (Decimal("11999"), "INR")}
M = 1_000_000

# Phones shipped a quarter, all markets: (year, quarter) -> units.
QUARTERS = {
    (2014, 1): 13_000_000,
    (2014, 2): 15_500_000,
    (2014, 3): 15_620_000,
    (2014, 4): 17_000_000,  # 61.12 million in 2014
    (2015, 1): 15_000_000,
    (2015, 2): 17_500_000,
    (2015, 3): 18_000_000,
    (2015, 4): 19_500_000,  # 70 million in 2015
    (2016, 1): 14_000_000,
    (2016, 2): 12_000_000,
    (2016, 3): 14_000_000,
    (2016, 4): 15_000_000,
    (2017, 1): 13_620_000,
    (2017, 2): 23_160_000,  # +70 % on the quarter
}
# Months given on their own: September 2017's record, and the months around it.
MONTHS = {
    (2017, 7): 8_000_000,
    (2017, 8): 8_500_000,
    (2017, 9): 10_000_000,
    (2017, 10): 9_000_000,
    (2017, 11): 9_500_000,
    (2017, 12): 9_200_000,
}
# India's share of a quarter's phones, in thousandths; 2016's Q2 makes 2017's Q2 +328 %.
INDIA_SHARE = {2014: 0, 2015: 30, 2016: 50, 2017: 100}
INDIA_Q2_2016 = round(Decimal(23_160_000 * 100 // 1000) / Decimal("4.28"))
# Festival days in China: (phones, orders, revenue in yuan).
FESTIVALS = {
    date(2014, 4, 8): (1_300_000, 1_300_000, Decimal("1500000000")),
    date(2015, 4, 8): (2_112_010, 3_050_000, Decimal("2080000000")),
}


def _month_units() -> dict[tuple[int, int], int]:
    units: dict[tuple[int, int], int] = dict(MONTHS)
    for (year, quarter), total in QUARTERS.items():
        first = 3 * (quarter - 1) + 1
        share, rest = divmod(total, 3)
        for i in range(3):
            units[(year, first + i)] = share + (rest if i == 2 else 0)
    return units


def _india(year: int, month: int, units: int) -> int:
    if (year, month) in ((2016, 4), (2016, 5), (2016, 6)):
        share, rest = divmod(INDIA_Q2_2016, 3)
        return share + (rest if month == 6 else 0)
    return units * INDIA_SHARE[year] // 1000


def _spread(total: int, days: list[date], fixed: dict[date, int]) -> dict[date, int]:
    """``total`` over ``days``: the fixed ones as given, the rest evenly (remainder last)."""
    free = [d for d in days if d not in fixed]
    left = total - sum(fixed.values())
    share, rest = divmod(left, len(free))
    spread = dict.fromkeys(free, share)
    spread[free[-1]] += rest
    spread.update(fixed)
    return spread


def _add(facts: Facts, key: FactKey, units: int, orders: int, revenue: Decimal) -> None:
    counts = facts.setdefault(key, [0] * WIDTH)
    counts[Measure.ORDERS] += orders
    counts[Measure.UNITS_SOLD] += units
    counts[Measure.UNITS_SHIPPED] += units
    counts[Measure.REVENUE] += to_scaled(revenue)


def seed_history(first_year: int = 2014, last_year: int = 2017) -> Facts:
    """Daily facts of 2014-2017 (rehearsal), one SKU, China and India, the web channel."""
    facts: Facts = {}
    for (year, month), units in sorted(_month_units().items()):
        if not first_year <= year <= last_year:
            continue
        span = period_of(date(year, month, 1), Grain.MONTH)
        days = [span.first + timedelta(days=n) for n in range(span.days)]
        india = _india(year, month, units)
        festival = {d: f[0] for d, f in FESTIVALS.items() if d in days}
        for market, market_units, fixed in (("CN", units - india, festival), ("IN", india, {})):
            if market_units <= 0:
                continue
            price, currency = PRICE[market]
            for day, n in _spread(market_units, days, fixed).items():
                key = FactKey(day, market, CHANNEL, SKU, currency, True)
                if day in FESTIVALS and market == "CN":
                    _, orders, revenue = FESTIVALS[day]
                    _add(facts, key, n, orders, revenue)
                elif n:
                    _add(facts, key, n, n, price * n)
    return facts
