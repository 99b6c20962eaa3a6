"""The markets of the story: China, India, the Maroussi store in Greece, Indonesia, Russia, and
the US, where the band sells for $18."""

from __future__ import annotations

from flashsale.catalog.market import Market

CHINA = Market("CN", "China", "CNY", "zh_CN", "Asia/Shanghai")
INDIA = Market("IN", "India", "INR", "en_IN", "Asia/Kolkata")
GREECE = Market("GR", "Greece", "EUR", "el_GR", "Europe/Athens")
# Indonesia spans three zones; its shop keeps the capital's.
INDONESIA = Market("ID", "Indonesia", "IDR", "id_ID", "Asia/Jakarta")
RUSSIA = Market("RU", "Russia", "RUB", "ru_RU", "Europe/Moscow")
UNITED_STATES = Market("US", "United States", "USD", "en_US", "America/New_York")

DEMO_MARKETS = (CHINA, INDIA, GREECE, INDONESIA, RUSSIA, UNITED_STATES)
