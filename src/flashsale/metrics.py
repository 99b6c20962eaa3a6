"""Prometheus metrics, one registry per app so that tests can build many apps side by side."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.purchases = Counter(
            "flashsale_purchases",
            "Purchase attempts by outcome (reserved or the refusal's problem type).",
            ["outcome"],
            registry=self.registry,
        )
        self.gate_seconds = Histogram(
            "flashsale_gate_seconds",
            "Time a purchase spends in the stock gate.",
            buckets=(0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25),
            registry=self.registry,
        )
        self.commit_batch_size = Histogram(
            "flashsale_commit_batch_size",
            "Orders stored per group commit.",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024),
            registry=self.registry,
        )
        self.commit_seconds = Histogram(
            "flashsale_commit_seconds",
            "Time of one group commit.",
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.0),
            registry=self.registry,
        )
        self.orders_expired = Counter(
            "flashsale_orders_expired",
            "Reservations whose payment window passed; their units went back on sale.",
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
