"""Reporting's services, built together from what they read (the composition root calls this)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flashsale.kernel.clock import Clock
from flashsale.orders.service.events import OrderEvents
from flashsale.platform.leadership import Leadership
from flashsale.reporting.ports import MarketLister, ReportingRepository, SaleLister
from flashsale.reporting.service.projector import Projector
from flashsale.reporting.service.rates import ExchangeRates
from flashsale.reporting.service.rebuild import Rebuild
from flashsale.reporting.service.reports import Reports
from flashsale.reporting.service.targets import Targets


@dataclass(frozen=True, slots=True)
class Reporting:
    projector: Projector  # the feed into the facts
    reports: Reports  # the questions
    exchange_rates: ExchangeRates
    targets: Targets
    rebuild: Rebuild  # `flashsale report rebuild`


def build_reporting(
    events: OrderEvents,
    repository: ReportingRepository,
    sales: SaleLister,
    markets: MarketLister,
    leadership: Leadership,
    clock: Clock,
    *,
    reporting_currency: str,
    fx_max_age_days: int,
    busy: Callable[[], bool] = lambda: False,
) -> Reporting:
    rates = ExchangeRates(repository, clock, max_age_days=fx_max_age_days)
    reports = Reports(
        repository, rates, sales, markets, clock, reporting_currency=reporting_currency
    )
    return Reporting(
        projector=Projector(events, repository, sales, markets, leadership, busy=busy),
        reports=reports,
        exchange_rates=rates,
        targets=Targets(repository, reports, clock),
        rebuild=Rebuild(events, repository, sales, markets, leadership),
    )
