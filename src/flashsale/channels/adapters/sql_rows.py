"""Rows of the channels' tables as the domain's values, and back."""

from __future__ import annotations

from sqlalchemy import RowMapping

from flashsale.channels.domain.channel import Channel, ChannelKind, ChannelPrice
from flashsale.channels.domain.pool import Pool
from flashsale.kernel.money import Money


def channel_row(channel: Channel) -> dict[str, object]:
    return {
        "code": channel.code,
        "kind": channel.kind.value,
        "market_code": channel.market_code,
        "name": channel.name,
        "currency": channel.currency,
        "safety_buffer": channel.safety_buffer,
        "active": channel.active,
    }


def channel_of(row: RowMapping) -> Channel:
    return Channel(
        code=row["code"],
        kind=ChannelKind(row["kind"]),
        market_code=row["market_code"],
        name=row["name"],
        currency=row["currency"],
        safety_buffer=row["safety_buffer"],
        active=row["active"],
    )


def price_row(price: ChannelPrice) -> dict[str, object]:
    return {
        "channel": price.channel,
        "sku": price.sku,
        "amount": price.price.amount,
        "currency": price.price.currency,
    }


def price_of(row: RowMapping) -> ChannelPrice:
    return ChannelPrice(row["channel"], row["sku"], Money(row["amount"], row["currency"]))


def pool_of(row: RowMapping) -> Pool:
    return Pool(row["channel"], row["location"], row["sku"], row["units"], row["consumed"])
