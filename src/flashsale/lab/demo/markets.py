"""The markets of the story: China, India, the Maroussi store in Greece, Indonesia, Russia, and
the US, where the band sells for $18."""

from __future__ import annotations

from flashsale.catalog.market import Market

CHINA = Market(code="CN", name="China", currency="CNY", locale="zh_CN")
INDIA = Market(code="IN", name="India", currency="INR", locale="en_IN")
GREECE = Market(code="GR", name="Greece", currency="EUR", locale="el_GR")
INDONESIA = Market(code="ID", name="Indonesia", currency="IDR", locale="id_ID")
RUSSIA = Market(code="RU", name="Russia", currency="RUB", locale="ru_RU")
UNITED_STATES = Market(code="US", name="United States", currency="USD", locale="en_US")

DEMO_MARKETS = (CHINA, INDIA, GREECE, INDONESIA, RUSSIA, UNITED_STATES)
