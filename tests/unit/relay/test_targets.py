"""Where a relay publishes: the URLs ``flashsale relay --to`` takes, and the ones it refuses."""

from __future__ import annotations

import pytest

from flashsale.kernel.errors import InvalidInput
from flashsale.relay.domain.targets import AmqpTarget, NatsTarget, parse_target, relay_name


def nats(url: str) -> NatsTarget:
    target = parse_target(url)
    assert isinstance(target, NatsTarget)
    return target


def amqp(url: str) -> AmqpTarget:
    target = parse_target(url)
    assert isinstance(target, AmqpTarget)
    return target


def test_a_nats_target_defaults_to_the_shops_subjects_and_their_stream() -> None:
    target = nats("nats://127.0.0.1:4222")
    assert target.server_url == "nats://127.0.0.1:4222"
    assert target.subject("order.paid") == "flashsale.orders.order.paid"
    assert target.subjects == "flashsale.orders.>"
    assert target.stream == "FLASHSALE_ORDERS"
    assert target.destination == "nats://127.0.0.1:4222/flashsale.orders"


def test_a_nats_target_takes_a_subject_prefix_a_stream_and_the_default_port() -> None:
    target = nats("nats://broker.internal/shop-in.orders")
    assert target.subject("order.reserved") == "shop-in.orders.order.reserved"
    assert target.stream == "SHOP-IN_ORDERS"
    assert target.destination == "nats://broker.internal:4222/shop-in.orders"
    assert nats("nats://h:4223/a.b?stream=WAREHOUSE_FEED").stream == "WAREHOUSE_FEED"
    assert nats("tls://h").server_url == "tls://h"


def test_credentials_reach_the_client_but_never_the_destination_or_repr() -> None:
    target = nats("nats://relay:s3cret@10.0.0.5:4222")
    assert target.server_url == "nats://relay:s3cret@10.0.0.5:4222"
    assert "s3cret" not in target.destination + target.describe() + repr(target)
    rabbit = amqp("amqp://shop:s3cret@rabbit:5672/prod?exchange=orders.out")
    assert rabbit.connection_url == "amqp://shop:s3cret@rabbit:5672/prod"
    assert "s3cret" not in rabbit.destination + rabbit.describe() + repr(rabbit)


def test_an_amqp_target_defaults_to_the_shops_exchange_on_the_default_vhost() -> None:
    target = amqp("amqp://guest:guest@127.0.0.1:5672/")
    assert target.exchange == "flashsale.orders"
    assert target.connection_url == "amqp://guest:guest@127.0.0.1:5672/"
    assert target.destination == "amqp://127.0.0.1:5672/%2F?exchange=flashsale.orders"
    assert amqp("amqps://rabbit").destination == "amqps://rabbit:5671/%2F?exchange=flashsale.orders"


def test_an_amqp_target_keeps_its_vhost_as_written() -> None:
    assert amqp("amqp://h/shop?exchange=x").connection_url == "amqp://h/shop"
    assert amqp("amqp://h/%2Fshop").destination.startswith("amqp://h:5672/%2Fshop?")
    with pytest.raises(InvalidInput, match="%2F"):
        parse_target("amqp://h/a/b")


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("kafka://broker:9092", r"kafka:// is not a broker.*nats://.*amqp://"),
        ("127.0.0.1:4222", r"is not a broker|no host"),
        ("http://user:hunter2@x", r"http:// is not a broker"),
        ("nats://", "no host"),
        ("nats://h:99999", "port"),
        ("nats://h/orders.*", "not a subject prefix"),
        ("nats://h/orders/paid", "not a subject prefix"),
        ("nats://h?stream=a.b", "not a stream name"),
        ("nats://h?subject=x", "unknown option subject"),
        ("amqp://h/?exchange=amq.topic", "not an exchange"),
        ("amqp://h/?exchange=a b", "not an exchange"),
        ("amqp://h/?queue=x", "unknown option queue"),
        ("amqp://h/#x", "fragment"),
    ],
)
def test_anything_else_is_refused_saying_why(url: str, complaint: str) -> None:
    with pytest.raises(InvalidInput, match=complaint) as refused:
        parse_target(url)
    assert "hunter2" not in refused.value.detail


def test_a_relay_is_named_after_its_destination_unless_named() -> None:
    target = parse_target("nats://u:p@h:4222/a.b")
    assert relay_name(None, target) == "nats://h:4222/a.b"
    assert relay_name(" warehouse ", target) == "warehouse"
    for bad in ("", "two words", "x" * 201):
        with pytest.raises(InvalidInput, match="name"):
            relay_name(bad, target)
