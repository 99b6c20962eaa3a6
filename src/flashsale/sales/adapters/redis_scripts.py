"""The Lua scripts of the Redis stock gate (``lua/``), and how to speak to them.

Each script touches the keys of one bucket (one slot); its header comment gives its KEYS, ARGV and
reply. Every script that moves a bucket between "dry" (no unit left) and "has units" bumps the
bucket's ``epoch`` and publishes ``<sale>|<bucket>|<epoch>|<1 if it has units else 0>`` on the
stock events channel; replies carry the same (epoch, stock) so that a process can order what it
hears. Lua numbers are doubles: epoch microseconds compare exactly up to 2**53 µs (the year 2255).

Every bucket also holds the ``generation`` of the load that built it. A take answers with it, and
units come back with it: a give-back of another generation changes nothing, since that load
counted the units from the record already (see ``StockGate`` in ``flashsale.sales.ports``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib.resources import files

from flashsale.platform.redis.sale_keys import STOCK_EVENTS_CHANNEL
from flashsale.sales.domain.purchase import (
    NOT_REGISTERED,
    SOLD_OUT,
    Refusal,
    closed,
    insufficient,
    not_open_yet,
    over_limit,
)


def _source(name: str) -> str:
    return files("flashsale.sales.adapters").joinpath("lua", f"{name}.lua").read_text("utf-8")


_TRANSITION = _source("transition")  # a function the scripts that move stock share

TAKE = _TRANSITION + _source("take")
SPILL = _TRANSITION + _source("spill")
GIVE_BACK = _TRANSITION + _source("give_back")
ADJUST = _TRANSITION + _source("adjust")
INSTALL = _source("install")
NEXT_GENERATION = _source("next_generation")
RELEASE_LOCK = _source("release_lock")

NOT_LOADED = 0  # the first element of a reply: the bucket holds no sale
HOME_DRY = 7  # take.lua's code: the home bucket ran dry, the buyer's limit is claimed there

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def take_args(buckets: int, sale_id: str, bucket: int) -> list[str | int]:
    """The arguments take.lua starts with, before the purchases (install.lua has them too)."""
    return [buckets, sale_id, bucket, STOCK_EVENTS_CHANNEL]


def to_epoch_us(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("the stock gate needs timezone-aware times")
    return (moment - _EPOCH) // _MICROSECOND


def from_epoch_us(microseconds: int) -> datetime:
    return _EPOCH + timedelta(microseconds=microseconds)


def refusal(code: int, extra: int, opens_at: int, closes_at: int, limit: int) -> Refusal | None:
    """take.lua's code for one purchase, worded as ``decide`` words it; None when taken."""
    if code == 0:
        return None
    if code == 1:
        return not_open_yet(from_epoch_us(opens_at))
    if code == 2:
        return closed(from_epoch_us(closes_at))
    if code == 3:
        return NOT_REGISTERED
    if code == 4:
        return over_limit(limit, extra)
    if code == 5:
        return SOLD_OUT
    if code == 6:
        return insufficient(extra)
    raise ValueError(f"take.lua answered an unknown code {code}")
