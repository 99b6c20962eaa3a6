"""The language a page is written in, and its gettext catalog.

A shopper's page speaks the shopper's choice first (``?lang=zh_CN``, then remembered in the
``lang`` cookie), else its market's language (the browser's pick among that country's
languages: Hindi or English in India), else the browser's Accept-Language among the supported
ones, else US English. A staff page (console, service desk, point of sale) skips the market: it
speaks its reader's choice or browser. Money, numbers and times keep the market's formats
whatever the language (money.py, moments.py): a Hindi page in India still prices in the Indian
way.

Catalogs are the ``.po`` files under ``locale/<locale>/LC_MESSAGES/``, compiled in memory the
first time a language is asked for: a fresh ``pip install -e .`` needs no build step, and no
``.mo`` file in the repository can lag behind its ``.po`` (docs/translations.md).
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from starlette.requests import Request
from starlette.responses import Response

from flashsale.catalog.market import Market

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
DEFAULT_LOCALE = "en_US"
COOKIE = "lang"
QUERY = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600

# The languages of the seeds' markets, each named in itself for the language menu.
LANGUAGES: dict[str, str] = {
    "en_US": "English (US)",
    "en_IN": "English (India)",
    "hi_IN": "हिन्दी",
    "zh_CN": "中文（简体）",
    "el_GR": "Ελληνικά",
    "id_ID": "Bahasa Indonesia",
    "ru_RU": "Русский",
}
SUPPORTED = tuple(LANGUAGES)


def N_(message: str) -> str:
    """Mark ``message`` for extraction, translated where a page shows it (the ``translate``
    filter): for words made before the page's language is known."""
    return message


# The words of an order's status (orders.domain.order.OrderStatus) and of the steps of its
# history (web/history.py), as its pages show them.
ORDER_STATUS_WORDS = (N_("reserved"), N_("paid"), N_("expired"), N_("cancelled"))
ORDER_STEP_WORDS = (N_("refunded"), N_("shipped"), N_("delivered"), N_("address_set"))

# The states and kinds the staff's pages show (desk/domain/case.py, desk/domain/staffing.py,
# orders/, notifications/domain/outbox.py, fulfilment/domain/returns.py), each said with the
# ``translate`` filter; the service desk's words shown to customers too (cases/ templates).
CASE_WORDS = (
    *(N_("new"), N_("open"), N_("pending"), N_("on_hold"), N_("solved"), N_("closed")),
    *(N_("payment"), N_("delivery"), N_("return"), N_("product"), N_("other")),
    *(N_("web"), N_("email"), N_("phone")),
    *(N_("customer"), N_("agent"), N_("system")),
    *(N_("urgent"), N_("high"), N_("normal"), N_("low")),
    *(N_("available"), N_("away"), N_("offline")),
)
STAFF_STATE_WORDS = (
    *(N_("succeeded"), N_("refunded"), N_("due"), N_("uncollected")),
    *(N_("awaiting_approval"), N_("failed")),
    *(N_("kept"), N_("sent")),
    *(N_("requested"), N_("approved"), N_("declined"), N_("received")),
)
# The reports' choices (web/console_reports.py).
REPORT_WORDS = (
    *(N_("revenue"), N_("units_sold"), N_("units_shipped"), N_("orders")),
    *(N_("day"), N_("week"), N_("month"), N_("quarter"), N_("year")),
    *(N_("exclude"), N_("include"), N_("only")),
)
# The staff's pages (console, service desk, point of sale): their language is the staff
# member's choice or browser, never the market a page is about (docs/translations.md).
STAFF_PAGES = ("console/", "desk/", "pos/")


@dataclass(frozen=True, slots=True)
class LanguageLink:
    code: str
    label: str
    url: str
    current: bool

    @property
    def tag(self) -> str:
        """The BCP 47 tag of ``<html lang>`` and ``hreflang``: zh-CN, not zh_CN."""
        return self.code.replace("_", "-")


def supported(code: str | None) -> str | None:
    """``code`` as a supported locale (``zh-cn``, ``zh_CN`` → ``zh_CN``), or None."""
    if not code:
        return None
    wanted = code.strip().replace("-", "_").lower()
    return next((known for known in SUPPORTED if known.lower() == wanted), None)


def browser_languages(header: str) -> list[str]:
    """An Accept-Language header's tags, most wanted first (RFC 9110 §12.5.4); q=0 left out."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 0.0
        if tag.strip() and tag.strip() != "*" and quality > 0:
            ranked.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(ranked)]


def _match(tags: list[str], among: tuple[str, ...]) -> str | None:
    """The first tag the browser names that one of ``among`` answers: the exact locale, else the
    first of the same language (``hi`` → ``hi_IN``; ``en-GB`` → the first English)."""
    for tag in tags:
        exact = supported(tag)
        if exact in among:
            return exact
        language = tag.replace("-", "_").split("_")[0].lower()
        same = next((code for code in among if code.split("_")[0].lower() == language), None)
        if same is not None:
            return same
    return None


def chosen(request: Request) -> str | None:
    """The language the request names itself (``?lang=``, else the cookie), if supported."""
    return supported(request.query_params.get(QUERY)) or supported(request.cookies.get(COOKIE))


def pick_locale(request: Request, market_locale: str | None = None) -> str:
    """The language of the page answering ``request``, shown in a market of ``market_locale``
    (None: no market applies)."""
    named = chosen(request)
    if named:
        return named
    tags = browser_languages(request.headers.get("accept-language", ""))
    if market_locale:
        country = market_locale.replace("-", "_").split("_")[-1].upper()
        spoken_there = tuple(code for code in SUPPORTED if code.endswith("_" + country))
        local = _match(tags, spoken_there) or supported(market_locale)
        if local:
            return local
    return _match(tags, SUPPORTED) or DEFAULT_LOCALE


def staff_locale(request: Request) -> str:
    """The language of a staff page: ``?lang=``, the cookie, the browser, else US English. A
    Greek sale's dashboard speaks the operator's language, not Greek."""
    return pick_locale(request)


def staff_words(request: Request) -> gettext.NullTranslations:
    """The catalog of a staff page's language, for words said in Python (a note, a feed)."""
    return translations(staff_locale(request))


def remember_choice(request: Request, response: Response) -> None:
    """Keep a ``?lang=`` choice in a cookie, so that every later page speaks it."""
    chosen = supported(request.query_params.get(QUERY))
    if chosen and chosen != request.cookies.get(COOKIE):
        response.set_cookie(
            COOKIE, chosen, max_age=COOKIE_MAX_AGE, path="/", samesite="lax", httponly=True
        )


def language_links(request: Request, current: str) -> list[LanguageLink]:
    """The language menu: this page again in each language (its other query values kept)."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != QUERY]
    links = []
    for code, label in LANGUAGES.items():
        query = urlencode([*kept, (QUERY, code)])
        url = f"{quote(request.url.path)}?{query}"
        links.append(LanguageLink(code, label, url, code == current))
    return links


def country_names(
    countries: Iterable[tuple[str, str]], locale: str | None
) -> list[tuple[str, str]]:
    """ISO 3166 countries (code, English name) named in the page's language by CLDR, in that
    language's order; English pages keep the names given."""
    code = supported(locale)
    if code is None or code.startswith("en_"):
        return list(countries)
    territories = Locale.parse(code).territories
    named = [(country, territories.get(country, name)) for country, name in countries]
    return sorted(named, key=lambda pair: pair[1])


def market_name(market: Market, locale: str | None) -> str:
    """A market named after its country ("Greece") in the page's language ("Ελλάδα"), by CLDR;
    a name of the operator's own ("Maroussi store") as given."""
    code = supported(locale)
    if code is None or code.startswith("en_"):
        return market.name
    if market.name != Locale.parse("en").territories.get(market.code):
        return market.name
    return str(Locale.parse(code).territories.get(market.code, market.name))


@functools.cache
def countdown_days(locale: str | None) -> dict[str, str]:
    """A countdown a day or more away ("2 days 3 h") in ``locale``, by CLDR plural category
    (one, few, many, other): site.js picks the form with the browser's ``Intl.PluralRules``
    for the page's ``lang``, so that a Russian page says 2 дня and 5 дней."""
    catalog = translations(locale)
    rules = Locale.parse(supported(locale) or DEFAULT_LOCALE).plural_form
    forms: dict[str, str] = {}
    for days in range(200):  # every category a whole number of days falls in
        words = catalog.ngettext("%(days)s day %(hours)s h", "%(days)s days %(hours)s h", days)
        forms.setdefault(rules(days), words)
    # Never reached by a whole number in some languages (Russian's "other" is for fractions).
    forms.setdefault("other", forms.get("few") or forms.get("many") or forms[rules(2)])
    return forms


@functools.cache
def translations(locale: str | None) -> gettext.NullTranslations:
    """The catalog of ``locale``, compiled from its ``.po`` once per process; the templates'
    own English where there is none."""
    code = supported(locale)
    po = LOCALE_DIR / str(code) / "LC_MESSAGES" / f"{DOMAIN}.po"
    if code is None or not po.is_file():
        return NullTranslations()
    with po.open("rb") as source:
        catalog = read_po(source, locale=code, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)
