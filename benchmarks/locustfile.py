"""The flows of ``flashsale simulate`` for Locust users: register, wait for the opening, buy, pay.

Locust is not a dependency of flashsale: ``pip install locust``. Against a server on this
machine (``flashsale serve`` or ``flashsale demo --no-simulate``), with its admin token:

    FLASHSALE_ADMIN_TOKEN=... locust -f benchmarks/locustfile.py \\
        --host http://127.0.0.1:8000 --headless -u 500 -r 500 -t 60s

The first user to start creates a sale of the Mi Band in India (``LOCUST_STOCK`` units, default
100, opening ``LOCUST_OPENS_IN`` seconds later, default 20) unless ``LOCUST_SALE_ID`` names one.
Each user signs up, logs in and registers, waits for the opening by the server's clock, buys
one unit (the same Idempotency-Key on every retry, Retry-After honoured) and pays for it, or
walks away with ``LOCUST_ABANDON_SHARE`` (default 0.1). Check the sale afterwards with
``flashsale sale audit SALE_ID``: Locust measures, it does not verify.
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from locust import HttpUser, between, task
from locust.exception import StopUser

API = "/api/v1"
SKU = "MIBAND2-LOCUST"
CARD_OK = "4242424242424242"
_sale_lock = threading.Lock()
_sale: dict[str, Any] = {}


def _admin_headers() -> dict[str, str]:
    token = os.environ.get("FLASHSALE_ADMIN_TOKEN")
    if not token:
        raise RuntimeError("set FLASHSALE_ADMIN_TOKEN to the server's admin token")
    return {"Authorization": f"Bearer {token}"}


def _create_sale(host: str) -> str:
    """The Mi Band sale in India, as ``flashsale simulate`` stages it over the admin API."""
    headers = _admin_headers()
    market: dict[str, Any] = {"code": "IN", "name": "India", "currency": "INR", "locale": "en_IN"}
    requests.post(f"{host}{API}/admin/markets", json=market, headers=headers, timeout=10)
    product: dict[str, Any] = {
        "name": "Mi Band 2 (Locust)",
        "variants": [{"sku": SKU, "attributes": {"colour": "black"}, "prices": {"IN": "999"}}],
    }
    answer = requests.post(f"{host}{API}/admin/products", json=product, headers=headers, timeout=10)
    if answer.status_code not in (201, 409):  # 409: created by an earlier run
        raise RuntimeError(f"creating the product: {answer.status_code} {answer.text}")
    now = datetime.now(UTC)
    opens_at = now + timedelta(seconds=float(os.environ.get("LOCUST_OPENS_IN", "20")))
    sale: dict[str, Any] = {
        "sku": SKU,
        "market": "IN",
        "stock": int(os.environ.get("LOCUST_STOCK", "100")),
        "per_customer_limit": 1,
        "registration_opens_at": now.isoformat(),
        "registration_closes_at": opens_at.isoformat(),
        "opens_at": opens_at.isoformat(),
        "closes_at": (opens_at + timedelta(hours=1)).isoformat(),
        "payment_window_seconds": 60,
    }
    answer = requests.post(f"{host}{API}/admin/sales", json=sale, headers=headers, timeout=10)
    if answer.status_code != 201:
        raise RuntimeError(f"creating the sale: {answer.status_code} {answer.text}")
    return str(answer.json()["id"])


def sale_id(host: str) -> str:
    """The first fan to start creates the sale; the others wait for it and share it."""
    with _sale_lock:
        if "id" not in _sale:
            _sale["id"] = os.environ.get("LOCUST_SALE_ID") or _create_sale(host)
            print(f"locust: sale {_sale['id']}")  # for `flashsale sale audit` afterwards
        return str(_sale["id"])


class Fan(HttpUser):
    """One fan: signs up before the sale, buys once at the opening, pays or walks away."""

    wait_time = between(0.05, 0.2)  # the think time between a fan's steps

    def on_start(self) -> None:
        self.sale_id = sale_id(str(self.host).rstrip("/"))
        email = f"locust-{uuid.uuid4().hex}@fans.example.com"
        password = "mi-fan-festival-2015"
        self.client.post(
            f"{API}/customers",
            json={"email": email, "password": password, "market": "IN"},
            name="sign up",
        )
        session = self.client.post(
            f"{API}/sessions", json={"email": email, "password": password}, name="log in"
        )
        self.client.headers["Authorization"] = f"Bearer {session.json()['token']}"
        self.client.post(f"{API}/sales/{self.sale_id}/registrations", name="register")

    def _wait_for_opening(self) -> None:
        """By the server's clock: its ``server_time`` against its ``opens_at``."""
        sale = self.client.get(f"{API}/sales/{self.sale_id}", name="sale").json()
        until = datetime.fromisoformat(sale["opens_at"]) - datetime.fromisoformat(
            sale["server_time"]
        )
        time.sleep(max(0.0, until.total_seconds()))

    @task
    def buy_and_pay(self) -> None:
        self._wait_for_opening()
        key = uuid.uuid4().hex  # one key for every retry: the server answers it once
        for _ in range(6):
            with self.client.post(
                f"{API}/sales/{self.sale_id}/purchases",
                json={"quantity": 1},
                headers={"Idempotency-Key": key},
                name="purchase",
                catch_response=True,
            ) as answer:
                if answer.status_code in (409, 410, 425):  # refusals are answers, not errors
                    answer.success()
                if answer.status_code not in (0, 425, 429, 503):
                    break
                time.sleep(float(answer.headers.get("Retry-After", "0.25")))
        if answer.status_code == 201:
            abandon = float(os.environ.get("LOCUST_ABANDON_SHARE", "0.1"))
            if random.random() >= abandon:
                order_id = answer.json()["order_id"]
                self.client.post(
                    f"{API}/orders/{order_id}/payments", json={"card": CARD_OK}, name="payment"
                )
        raise StopUser()  # one sale, one try: the fan is done
