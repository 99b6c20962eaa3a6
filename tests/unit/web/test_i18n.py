"""The interface's catalogs: complete for every supported language, in step with the templates,
and a page's language picked from the shopper's choice, the market and the browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from starlette.requests import Request

from flashsale.catalog.market import Market
from flashsale.orders.domain.order import OrderStatus
from flashsale.web.i18n import (
    LOCALE_DIR,
    ORDER_STATUS_WORDS,
    ORDER_STEP_WORDS,
    SUPPORTED,
    browser_languages,
    country_names,
    language_links,
    market_name,
    pick_locale,
    translations,
)
from flashsale.web.rendering import TEMPLATES

ROOT = Path(__file__).resolve().parents[3]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s")
TAG = re.compile(r"<[^>]+>")
SEEDED_MARKET_LOCALES = ("zh_CN", "en_IN", "el_GR", "id_ID", "ru_RU", "en_US")


def extracted() -> dict[str | tuple[str, ...], str]:
    """What `pybabel extract -F babel.cfg` finds today: msgid → where."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    found: dict[str | tuple[str, ...], str] = {}
    for filename, _, message, _, _ in extract_from_dir(ROOT, method_map, options_map):
        found.setdefault(message, filename)
    return found


def texts(value: object) -> list[str]:
    """A message's id or string as a list: one text, or a plural's forms."""
    if isinstance(value, str):
        return [value]
    return [str(text) for text in value] if isinstance(value, (tuple, list)) else []


def catalog(locale: str) -> Catalog:
    with (LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=locale)


def request(path: str = "/", query: str = "", headers: dict[str, str] | None = None) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    scope = {"type": "http", "method": "GET", "path": path, "headers": raw}
    return Request({**scope, "query_string": query.encode()})


def test_every_seeded_market_speaks_a_supported_language() -> None:
    assert set(SEEDED_MARKET_LOCALES) <= set(SUPPORTED)
    assert "hi_IN" in SUPPORTED


def test_the_template_in_the_repository_is_what_extraction_finds() -> None:
    with (LOCALE_DIR / "messages.pot").open("rb") as pot:
        template = {m.id for m in read_po(pot) if m.id}
    found = set(extracted())
    assert found - template == set(), "run the update command in docs/translations.md"
    assert template - found == set(), "messages.pot holds messages no longer used"


@pytest.mark.parametrize("locale", SUPPORTED)
def test_each_catalog_translates_every_message(locale: str) -> None:
    messages = {m.id: m for m in catalog(locale) if m.id}
    for msgid, where in extracted().items():
        assert msgid in messages, f"{locale}: {msgid!r} ({where}) is not in the catalog"
        message = messages[msgid]
        strings = texts(message.string)
        assert strings and all(s.strip() for s in strings), f"{locale}: {msgid!r} is empty"
        assert not message.fuzzy, f"{locale}: {msgid!r} is fuzzy"
        # The same placeholders and the same markup: a translation may move them, not lose them.
        source = texts(msgid)[-1]
        for text in strings:
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(source)) or (
                isinstance(msgid, tuple) and not PLACEHOLDER.findall(text)
            ), f"{locale}: {msgid!r} → {text!r}"
            assert len(TAG.findall(text)) == len(TAG.findall(source)), f"{locale}: {text!r}"


@pytest.mark.parametrize("locale", [code for code in SUPPORTED if not code.startswith("en")])
def test_other_languages_are_translated_not_copied(locale: str) -> None:
    messages = [m for m in catalog(locale) if m.id and isinstance(m.id, str)]
    copied = [m.id for m in messages if m.string == m.id]
    # A few words are written the same (SKU, Email): never most of the interface.
    assert len(copied) <= 3, copied


def test_every_order_status_has_its_word() -> None:
    assert {status.value for status in OrderStatus} == set(ORDER_STATUS_WORDS)
    assert "refunded" in ORDER_STEP_WORDS


def test_catalogs_compile_and_translate() -> None:
    assert translations("ru_RU").gettext("Buy now") == "Купить"
    assert translations("hi_IN").gettext("Log in") == "लॉग इन"
    assert translations("zh_CN").gettext("Sold out") == "已售罄"
    three = translations("ru_RU").ngettext("%(count)s variant", "%(count)s variants", 3)
    assert three == "%(count)s варианта"
    assert translations("en_US").gettext("Buy now") == "Buy now"
    assert translations("xx_YY").gettext("Buy now") == "Buy now"  # unknown: the source English


def test_accept_language_is_read_by_quality() -> None:
    header = "fr;q=0.4, hi-IN, en;q=0.8, *;q=0.1, de;q=0"
    assert browser_languages(header) == ["hi-IN", "en", "fr"]
    assert browser_languages("") == []
    assert browser_languages("en;q=abc, ru") == ["ru"]


def test_the_market_speaks_first_then_the_browser() -> None:
    assert pick_locale(request(), "zh_CN") == "zh_CN"
    assert pick_locale(request(headers={"Accept-Language": "ru"}), "el_GR") == "el_GR"
    # India speaks Hindi or English: the browser picks between them.
    assert pick_locale(request(headers={"Accept-Language": "hi"}), "en_IN") == "hi_IN"
    assert pick_locale(request(headers={"Accept-Language": "en-GB"}), "en_IN") == "en_IN"
    # No market, or one whose language is not translated: the browser, then US English.
    assert pick_locale(request(headers={"Accept-Language": "id-ID,id;q=0.9"})) == "id_ID"
    assert pick_locale(request(headers={"Accept-Language": "el"}), "es_ES") == "el_GR"
    assert pick_locale(request(headers={"Accept-Language": "fr"})) == "en_US"


def test_the_shoppers_choice_wins_and_is_checked() -> None:
    chosen = request(query="lang=ru-ru", headers={"Accept-Language": "zh"})
    assert pick_locale(chosen, "en_IN") == "ru_RU"
    kept = request(headers={"Cookie": "lang=el_GR"})
    assert pick_locale(kept, "zh_CN") == "el_GR"
    nonsense = request(query="lang=../../etc", headers={"Cookie": "lang=xx"})
    assert pick_locale(nonsense, "zh_CN") == "zh_CN"


def test_the_language_menu_keeps_the_page_and_its_query() -> None:
    links = language_links(request("/login", "next=%2Fsales%2Fsal_1&lang=en_IN"), "hi_IN")
    assert [link.code for link in links] == list(SUPPORTED)
    hindi = next(link for link in links if link.code == "hi_IN")
    assert hindi.current and hindi.tag == "hi-IN"
    assert hindi.url == "/login?next=%2Fsales%2Fsal_1&lang=hi_IN"
    odd = language_links(request('/shop/a b/"x'), "en_US")[0]
    assert odd.url == "/shop/a%20b/%22x?lang=en_US"


def test_countries_are_named_in_the_pages_language() -> None:
    given = [("GR", "Greece"), ("IN", "India"), ("AA", "Nowhere")]
    assert country_names(given, "en_IN") == given  # English pages keep the names given
    assert ("IN", "Индия") in country_names(given, "ru_RU")
    greek = country_names(given, "el_GR")
    assert greek == sorted(greek, key=lambda pair: pair[1]) and ("GR", "Ελλάδα") in greek
    assert ("AA", "Nowhere") in country_names(given, "zh_CN")  # unknown to CLDR: as given


SHOPPER_TEMPLATES = ("base.html", "error.html", "_history.html", "store/*.html")
# What a template may write outside {% trans %} and _(): the brand, and signs.
NOT_ENGLISH = {"flashsale"}


@pytest.mark.parametrize(
    "template",
    sorted(
        str(path.relative_to(TEMPLATES))
        for pattern in SHOPPER_TEMPLATES
        for path in TEMPLATES.glob(pattern)
    ),
)
def test_no_shopper_template_writes_english_outside_its_messages(template: str) -> None:
    source = (TEMPLATES / template).read_text()
    source = re.sub(r"{#.*?#}", " ", source, flags=re.S)
    source = re.sub(r"{%-? trans\b.*?{%-? endtrans -?%}", " ", source, flags=re.S)
    source = re.sub(r"{{.*?}}|{%.*?%}", " ", source, flags=re.S)
    source = re.sub(r"<script\b.*?</script>|<style\b.*?</style>", " ", source, flags=re.S)
    readable = re.findall(r'(?:aria-label|title|placeholder|alt)="([^"]*)"', source)
    text = re.sub(r"<[^>]*>", "\n", source)
    words = [w for part in [*readable, text] for w in re.findall(r"[A-Za-z]{2,}", part)]
    assert [w for w in words if w not in NOT_ENGLISH] == [], template


def test_a_market_named_after_its_country_is_named_in_the_pages_language() -> None:
    greece = Market("GR", "Greece", "EUR", "el_GR")
    assert market_name(greece, "el_GR") == "Ελλάδα"
    assert market_name(greece, "zh_CN") == "希腊"
    assert market_name(greece, "en_US") == "Greece"
    store = Market("GR", "Maroussi store", "EUR", "el_GR")  # the operator's own name
    assert market_name(store, "ru_RU") == "Maroussi store"
