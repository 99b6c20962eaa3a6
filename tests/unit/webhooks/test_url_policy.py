"""Where the shop POSTs: https to public addresses in production, anything in development."""

from __future__ import annotations

import ipaddress

import pytest

from flashsale.webhooks.domain.errors import WebhookUrlNotAllowed
from flashsale.webhooks.domain.url_policy import check_addresses, parse_url, refusal


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),  # the cloud's metadata service
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "private"),  # reserved for future use; Python counts it private
        ("100.64.0.1", "not a public"),  # carrier-grade NAT
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:10.1.1.1", "private"),
        ("2002:a9fe:a9fe::", "link-local"),  # 6to4 around 169.254.169.254
        ("64:ff9b::a00:1", "private"),  # NAT64 around 10.0.0.1
    ],
)
def test_addresses_inside_any_network_are_refused(address: str, reason: str) -> None:
    found = refusal(ipaddress.ip_address(address))
    assert found is not None and reason in found


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


def test_a_name_resolving_to_one_private_address_among_public_ones_is_refused() -> None:
    check_addresses("hooks.example.com", ["93.184.216.34", "2606:4700::1"])
    with pytest.raises(WebhookUrlNotAllowed, match=r"resolves to 10\.0\.0\.7, a private"):
        check_addresses("hooks.example.com", ["93.184.216.34", "10.0.0.7"])
    with pytest.raises(WebhookUrlNotAllowed, match="resolves to ::1, a loopback"):
        check_addresses("sneaky.example.com", ["::1"])
    with pytest.raises(WebhookUrlNotAllowed, match="link-local"):
        check_addresses("v6.example.com", ["fe80::1%eth0"])
    with pytest.raises(WebhookUrlNotAllowed, match="does not resolve"):
        check_addresses("nowhere.example.com", [])


def test_production_takes_https_only_and_development_http_too() -> None:
    assert parse_url("https://hooks.example.com/in?x=1", development=False).host == (
        "hooks.example.com"
    )
    with pytest.raises(WebhookUrlNotAllowed, match="https"):
        parse_url("http://hooks.example.com/", development=False)
    assert parse_url("http://127.0.0.1:8080/", development=True).host == "127.0.0.1"
    with pytest.raises(WebhookUrlNotAllowed, match="http or https"):
        parse_url("ftp://hooks.example.com/", development=True)


def test_ip_literals_are_parsed_as_addresses() -> None:
    v6 = parse_url("https://[fe80::1]:8443/hook", development=False)
    assert (v6.host, str(v6.address)) == ("fe80::1", "fe80::1")
    v4 = parse_url("https://10.0.0.1/hook", development=False)
    assert str(v4.address) == "10.0.0.1"
    assert parse_url("https://HOOKS.Example.com/", development=False).address is None


@pytest.mark.parametrize(
    "url",
    [
        "",
        "hooks.example.com/in",  # no scheme
        "https:///in",  # no host
        "https://exa mple.com/",
        "https://example.com/\n",
        "https://bücher.example/",  # not punycode
        "https://example.com:99999/",
        "https://example.com:0/",
        "https://[::1/",
        "https://exa$mple.com/",
        "https://" + "a" * 2100 + ".com/",
    ],
)
def test_malformed_urls_are_refused(url: str) -> None:
    with pytest.raises(WebhookUrlNotAllowed):
        parse_url(url, development=True)
