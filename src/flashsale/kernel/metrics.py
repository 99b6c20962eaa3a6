"""Prometheus metrics, one registry per app so that tests can build many apps side by side."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        # By sale too, for the sale's dashboard: the sales a process has served since it
        # started bound the series (refusals need a stored sale; an unknown id is a 404).
        self.purchases = Counter(
            "flashsale_purchases",
            "Purchase attempts by outcome (reserved or the refusal's problem type) and sale.",
            ["outcome", "sale"],
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
        self.record_refusals = Counter(
            "flashsale_record_refusals",
            "Purchases the gate let through and the record refused (the gate was wrong), by"
            " reason: the stock or the customer's limit used up in the record.",
            ["reason"],
            registry=self.registry,
        )
        self.gate_drift_healed = Counter(
            "flashsale_gate_drift_healed_units",
            "Units the reconciler put back into the gate (returned: stranded by a process that"
            " died, or lost with a gate) or took out of it (withdrawn: a gate that believed in"
            " units the record does not have).",
            ["direction"],
            registry=self.registry,
        )
        self.gate_drift = Gauge(
            "flashsale_gate_drift_units",
            "Units left in the record minus units left in the gate, summed over live sales, at"
            " the reconciler's last look (units in flight count too, for a moment).",
            registry=self.registry,
        )
        self.orders_expired = Counter(
            "flashsale_orders_expired",
            "Reservations whose payment window passed; their units went back on sale.",
            registry=self.registry,
        )

        # Purchase attempts that reached this process, answered or still waiting: how the
        # back office in the same process knows a sale is selling (webhooks' Pace). Counted on
        # arrival, not on answer: a batch of the back office's that holds the SQLite writer
        # delays the answers, and must not read that lull as the sale's end. A plain int: the
        # purchase path pays one addition for it.
        self.purchases_arrived = 0

    def render(self) -> bytes:
        return generate_latest(self.registry)
