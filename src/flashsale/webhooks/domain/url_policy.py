"""Which URLs the shop POSTs to: an integration outside the shop, never its own network.

A webhook URL is a request the shop makes on an operator's behalf, so a URL naming the shop's
loopback, a private network or the cloud's metadata address (169.254.169.254) would let whoever
holds the admin token reach what only the shop can (server-side request forgery). In
production the URL must be https and every address its host names or resolves to must be
public: one private address among public ones is refused too, since the connection may pick it.
Development allows anything, for a receiver on the developer's machine.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from flashsale.webhooks.domain.errors import WebhookUrlNotAllowed

MAX_URL_LENGTH = 2048
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class WebhookUrl:
    url: str
    host: str  # lower case, without the brackets of an IPv6 literal
    address: IpAddress | None  # the host, when it is an address rather than a name


def parse_url(text: str, *, development: bool) -> WebhookUrl:
    """The URL's parts, refused (``WebhookUrlNotAllowed``) when its form is not one the shop
    sends to; its addresses are checked apart (``check_addresses``)."""
    if len(text) > MAX_URL_LENGTH:
        raise WebhookUrlNotAllowed(f"a webhook URL has at most {MAX_URL_LENGTH} characters")
    if not text.isascii() or any(ch.isspace() or not ch.isprintable() for ch in text):
        raise WebhookUrlNotAllowed(
            "a webhook URL is ASCII without spaces (write an international name in punycode)"
        )
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise WebhookUrlNotAllowed(f"not a URL: {exc}") from None
    schemes = ("https", "http") if development else ("https",)
    if parts.scheme not in schemes:
        only = "http or https" if development else "https (production sends nothing in clear)"
        raise WebhookUrlNotAllowed(f"a webhook URL is {only}, not {parts.scheme or 'relative'!r}")
    host = (parts.hostname or "").lower()
    if not host:
        raise WebhookUrlNotAllowed("a webhook URL names a host")
    if port == 0:
        raise WebhookUrlNotAllowed("port 0 is no port to send to")
    try:
        address: IpAddress | None = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is None and not _is_host_name(host):
        raise WebhookUrlNotAllowed(f"{host[:80]!r} is neither a host name nor an address")
    return WebhookUrl(text, host, address)


def _is_host_name(host: str) -> bool:
    labels = host.removesuffix(".").split(".")
    return len(host) <= 253 and all(
        0 < len(label) <= 63
        and all(ch.isalnum() or ch in "-_" for ch in label)
        and not label.startswith("-")
        and not label.endswith("-")
        for label in labels
    )


def refusal(address: IpAddress) -> str | None:
    """Why the shop does not send to this address; None for a public one."""
    inner = _embedded_ipv4(address)
    if inner is not None:
        return refusal(inner)
    for reason, hit in (
        ("a loopback address", address.is_loopback),
        ("a link-local address", address.is_link_local),
        ("an unspecified address", address.is_unspecified),
        ("a multicast address", address.is_multicast),
        ("a private address", address.is_private),
        ("a reserved address", address.is_reserved),
    ):
        if hit:
            return reason
    if not address.is_global:  # shared address space (100.64.0.0/10) and its kind
        return "not a public address"
    return None


def _embedded_ipv4(address: IpAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries to the same host (mapped, 6to4, NAT64's well-known
    prefix): ``::ffff:127.0.0.1`` is loopback, whatever IPv6 calls it."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def check_addresses(host: str, addresses: Iterable[str]) -> None:
    """Refuse the host unless it names at least one address and every one is public."""
    found = [ipaddress.ip_address(a.split("%", 1)[0]) for a in addresses]
    if not found:
        raise WebhookUrlNotAllowed(f"{host[:80]} does not resolve to any address")
    for address in found:
        reason = refusal(address)
        if reason is not None:
            named = "is" if str(address) == host else f"resolves to {address},"
            raise WebhookUrlNotAllowed(
                f"{host[:80]} {named} {reason}: webhooks go to public addresses only"
                " (any address is allowed with FLASHSALE_ENVIRONMENT=development)"
            )
