"""Which locale a mail is written and formatted in.

A mail is written in the best locale its template has, and its amounts and times formatted in
the customer's own locale when that speaks the same language: an Indian customer (en_IN) reads
the English templates with amounts as India writes them (₹1,23,456.00). A Greek one, for whom
no Greek template exists yet, reads English formatted as English, not English prose around
Greek dates.
"""

from __future__ import annotations

import functools
import re

from babel import Locale, UnknownLocaleError

from flashsale.kernel.errors import InvalidInput

FALLBACK_LOCALE = "en"
# A CLDR locale identifier's shape: en, en_IN, zh_Hans_CN (en-IN is read as en_IN).
_LOCALE = re.compile(r"[A-Za-z]{2,3}(_[A-Za-z0-9]{2,8}){0,3}")


def normalized(locale: str) -> str:
    """``en-IN`` -> ``en_IN``; InvalidInput when it is no locale identifier at all."""
    name = locale.replace("-", "_")
    if not _LOCALE.fullmatch(name):
        raise InvalidInput(f"{locale[:40]!r} is not a locale such as en_IN")
    return name


def template_locales(locale: str) -> list[str]:
    """Where to look for a template, best first: the locale, its language, then English."""
    name = normalized(locale)
    chain = [name, _language(name), FALLBACK_LOCALE]
    return list(dict.fromkeys(chain))


@functools.lru_cache(maxsize=64)
def babel_locale(locale: str) -> Locale:
    """Babel's locale for formatting; one Babel lacks formats as English, as the pages do."""
    try:
        return Locale.parse(normalized(locale))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(FALLBACK_LOCALE)


def formatting_locale(asked: str, written_in: str) -> str:
    """The locale a mail written in ``written_in`` formats its data in, for a customer of
    ``asked``."""
    same_language = _language(asked) == _language(written_in)
    return normalized(asked) if same_language else written_in


def _language(locale: str) -> str:
    return normalized(locale).split("_", 1)[0].lower()
