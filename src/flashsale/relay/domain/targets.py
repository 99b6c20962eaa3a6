"""Where a relay publishes, from the URL given to ``flashsale relay --to``.

``nats://[user:password@]host[:port][/subject.prefix][?stream=NAME]`` (``tls://`` likewise):
NATS JetStream. Each event goes to the subject ``<prefix>.<event type>``
(``flashsale.orders.order.paid``), kept by a stream that holds ``<prefix>.>`` (by default the
prefix in capitals, ``FLASHSALE_ORDERS``).

``amqp://[user:password@]host[:port]/[vhost][?exchange=NAME]`` (``amqps://`` likewise):
RabbitMQ. Each event goes to a durable topic exchange (``flashsale.orders`` by default) with
its type as the routing key (``order.paid``); consumers bind their queues to it.

A target's ``destination`` names the place without credentials: it is shown, and it is the name
of a relay not given one (its cursor is kept under that name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import SplitResult, parse_qs, quote, unquote, urlsplit

from flashsale.kernel.errors import InvalidInput

NATS_PORTS = {"nats": 4222, "tls": 4222}
AMQP_PORTS = {"amqp": 5672, "amqps": 5671}
DEFAULT_SUBJECT_PREFIX = "flashsale.orders"
DEFAULT_EXCHANGE = "flashsale.orders"
USAGE = (
    "nats://host:port[/subject.prefix] (NATS JetStream)"
    " or amqp://user:password@host:port/vhost[?exchange=NAME] (RabbitMQ)"
)

_TOKEN = r"[A-Za-z0-9_-]+"
_SUBJECT_PREFIX = re.compile(rf"{_TOKEN}(?:\.{_TOKEN})*")
_STREAM = re.compile(r"[A-Za-z0-9_-]{1,200}")
_EXCHANGE = re.compile(r"[A-Za-z0-9_.:-]{1,200}")
_RELAY_NAME = re.compile(r"[\x21-\x7e]{1,200}")  # printable ASCII, no blanks


@dataclass(frozen=True, slots=True)
class NatsTarget:
    server_url: str = field(repr=False)  # what the client connects to, credentials included
    destination: str
    subject_prefix: str
    stream: str

    def subject(self, topic: str) -> str:
        return f"{self.subject_prefix}.{topic}"

    @property
    def subjects(self) -> str:
        """Every subject the relay publishes to: what its stream must hold."""
        return f"{self.subject_prefix}.>"

    def describe(self) -> str:
        return f"{self.destination} (JetStream stream {self.stream}, subjects {self.subjects})"


@dataclass(frozen=True, slots=True)
class AmqpTarget:
    connection_url: str = field(repr=False)  # credentials included, no relay options
    destination: str
    exchange: str

    def describe(self) -> str:
        return f"{self.destination} (topic exchange {self.exchange})"


RelayTarget = NatsTarget | AmqpTarget


def parse_target(url: str) -> RelayTarget:
    """The target a URL names; InvalidInput saying what is wrong, never echoing a password."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise InvalidInput(f"the relay's target: {exc}; expected {USAGE}") from None
    scheme = parts.scheme.lower()
    if scheme not in NATS_PORTS and scheme not in AMQP_PORTS:
        given = f"{scheme}://" if scheme else "no scheme"
        raise InvalidInput(f"the relay's target: {given} is not a broker it speaks; use {USAGE}")
    if not parts.hostname:
        raise InvalidInput(f"the relay's target: no host; expected {USAGE}")
    if parts.fragment:
        raise InvalidInput("the relay's target: a URL fragment (#…) means nothing here")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if scheme in NATS_PORTS:
        return _nats(parts, scheme, f"{host}:{port or NATS_PORTS[scheme]}")
    return _amqp(parts, scheme, f"{host}:{port or AMQP_PORTS[scheme]}")


def _options(parts: SplitResult, known: str) -> dict[str, str]:
    options = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(options.keys() - {known})
    if unknown:
        raise InvalidInput(
            f"the relay's target: unknown option {', '.join(unknown)} (the one known: {known})"
        )
    return {name: values[-1] for name, values in options.items()}


def _nats(parts: SplitResult, scheme: str, address: str) -> NatsTarget:
    options = _options(parts, "stream")
    prefix = parts.path.strip("/") or DEFAULT_SUBJECT_PREFIX
    if not _SUBJECT_PREFIX.fullmatch(prefix):
        raise InvalidInput(
            f"the relay's target: {prefix[:80]!r} is not a subject prefix: dot-separated"
            " words of letters, digits, - and _ (no wildcards)"
        )
    stream = options.get("stream") or prefix.replace(".", "_").upper()
    if not _STREAM.fullmatch(stream):
        raise InvalidInput(
            f"the relay's target: {stream[:80]!r} is not a stream name: letters, digits, - and _"
        )
    return NatsTarget(
        server_url=f"{scheme}://{parts.netloc}",
        destination=f"{scheme}://{address}/{prefix}",
        subject_prefix=prefix,
        stream=stream,
    )


def _amqp(parts: SplitResult, scheme: str, address: str) -> AmqpTarget:
    exchange = _options(parts, "exchange").get("exchange") or DEFAULT_EXCHANGE
    if not _EXCHANGE.fullmatch(exchange) or exchange.startswith("amq."):
        raise InvalidInput(
            f"the relay's target: {exchange[:80]!r} is not an exchange it can declare: letters,"
            " digits and - _ . :, not starting with amq. (the broker's own)"
        )
    path = parts.path[1:] if parts.path.startswith("/") else parts.path
    if "/" in path:
        raise InvalidInput(
            "the relay's target: a virtual host is one path segment; write a / inside it as %2F"
        )
    vhost = unquote(path) or "/"
    return AmqpTarget(
        connection_url=f"{scheme}://{parts.netloc}/{path}",
        destination=f"{scheme}://{address}/{quote(vhost, safe='')}?exchange={exchange}",
        exchange=exchange,
    )


def relay_name(name: str | None, target: RelayTarget) -> str:
    """The name a relay's cursor is kept under: the one given, else its destination (so two
    relays to two places never share a cursor by default)."""
    chosen = target.destination if name is None else name.strip()
    if not _RELAY_NAME.fullmatch(chosen):
        raise InvalidInput("a relay's name is 1 to 200 printable characters, without blanks")
    return chosen
