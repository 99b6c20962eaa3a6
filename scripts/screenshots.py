"""Regenerate docs/screenshots/*.png: the main pages, in Debian's Chromium, on a real server.

    python scripts/screenshots.py            # needs /usr/bin/chromium and `pip install playwright`

It seeds a throwaway SQLite shop (the demo's markets and catalogue), runs a short flash sale in
which a fan buys in the browser while a few others buy over the API, and photographs each page.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from playwright.async_api import Page, ViewportSize, async_playwright, expect

from flashsale.lab.devtools.server_process import running_server

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
ADMIN_TOKEN = "screenshots-admin-token-0123456789"
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 860}
PASSWORD = "mi-fan-2015"
BAND = "MIBAND2-BLK"


def environment(database: Path) -> dict[str, str]:
    return {
        "FLASHSALE_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "FLASHSALE_ADMIN_TOKEN": ADMIN_TOKEN,
        "FLASHSALE_SECRET_KEY": "screenshots-secret-key-0123456789abcdef",
        "FLASHSALE_PASSWORD_TIME_COST": "1",
        "FLASHSALE_PASSWORD_MEMORY_COST_KIB": "8",
    }


async def api(http: aiohttp.ClientSession, method: str, url: str, **kw: Any) -> Any:
    async with http.request(method, url, **kw) as answer:
        body = await answer.json(content_type=None)
        if answer.status >= 300:
            raise RuntimeError(f"{method} {url}: {answer.status} {body}")
        return body


async def api_fans(
    http: aiohttp.ClientSession, url: str, sale_id: str, count: int
) -> list[dict[str, str]]:
    fans = []
    for n in range(count):
        body = {"email": f"api-fan{n}@example.com", "password": PASSWORD, "market": "IN"}
        await api(http, "POST", f"{url}/api/v1/customers", json=body)
        login = {"email": body["email"], "password": PASSWORD}
        token = (await api(http, "POST", f"{url}/api/v1/sessions", json=login))["token"]
        headers = {"Authorization": f"Bearer {token}"}
        await api(http, "POST", f"{url}/api/v1/sales/{sale_id}/registrations", headers=headers)
        fans.append(headers)
    return fans


async def shoot(page: Page, name: str, *, full_page: bool = True) -> None:
    await page.screenshot(path=str(OUT / f"{name}.png"), full_page=full_page)
    print(f"wrote docs/screenshots/{name}.png")


async def run(url: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    async with aiohttp.ClientSession() as http, async_playwright() as playwright:
        now = datetime.now(UTC)
        opens = now + timedelta(seconds=12)
        sale = await api(
            http,
            "POST",
            f"{url}/api/v1/admin/sales",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            json={
                "sku": BAND,
                "market": "IN",
                "stock": 10,
                "per_customer_limit": 1,
                "registration_opens_at": (now - timedelta(hours=2)).isoformat(),
                "registration_closes_at": opens.isoformat(),
                "opens_at": opens.isoformat(),
                "closes_at": (opens + timedelta(hours=1)).isoformat(),
                "payment_window_seconds": 900,
            },
        )
        sale_id = sale["id"]
        crowd = await api_fans(http, url, sale_id, 6)

        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        phone = await (await browser.new_context(viewport=PHONE, device_scale_factor=2)).new_page()
        await phone.goto(f"{url}/shop/IN")
        await shoot(phone, "storefront-catalogue-in")
        await phone.goto(f"{url}/shop/CN")
        await shoot(phone, "storefront-catalogue-cn")

        await phone.goto(f"{url}/signup?next=/sales/{sale_id}")
        await phone.get_by_label("Email").fill("asha@example.com")
        await phone.get_by_label("Password").fill(PASSWORD)
        await phone.get_by_label("Where you live").select_option("IN")
        await phone.get_by_role("button", name="Create my account").click()
        await phone.get_by_role("button", name="Register for this sale").click()
        await expect(phone.get_by_text("You are registered")).to_be_visible()
        await shoot(phone, "sale-before-opening")

        buy = phone.get_by_role("button", name="Buy now")
        await expect(buy).to_be_enabled(timeout=20_000)
        for headers in crowd[:4]:
            await api(http, "POST", f"{url}/api/v1/sales/{sale_id}/purchases", headers=headers)
        await buy.click()
        await phone.wait_for_url("**/checkout/**")
        await phone.get_by_label("Full name").fill("Asha Rao")
        await phone.get_by_label("Address", exact=True).fill("12 MG Road")
        await phone.get_by_label("City", exact=True).fill("Bengaluru")
        await phone.get_by_label("Postal code").fill("560001")
        await phone.get_by_label("Region").select_option("IN-KA")
        await phone.get_by_label("Phone").fill("+91 80 1234 5678")
        await phone.get_by_label("Card number").fill("4242 4242 4242 4242")
        await shoot(phone, "checkout")
        await phone.get_by_role("button", name="Pay ₹999").click()
        await phone.wait_for_url("**/orders/**")
        await shoot(phone, "order-paid")

        for headers in crowd[4:]:
            await api(http, "POST", f"{url}/api/v1/sales/{sale_id}/purchases", headers=headers)
        desk = await (await browser.new_context(viewport=DESKTOP)).new_page()
        await desk.goto(f"{url}/console/login")
        await desk.get_by_label("Admin token").fill(ADMIN_TOKEN)
        await desk.get_by_role("button", name="Log in").click()
        await desk.goto(f"{url}/console/sales/{sale_id}")
        await expect(desk.locator('[data-stat="orders"]')).to_have_text("7", timeout=5_000)
        await asyncio.sleep(1.5)  # a tick or two more on the chart
        await shoot(desk, "console-dashboard")
        await desk.goto(f"{url}/console/orders?sale={sale_id}")
        await shoot(desk, "console-orders")
        await desk.goto(f"{url}/console/products")
        await shoot(desk, "console-products")
        await browser.close()


def main() -> None:
    if not os.access(CHROMIUM, os.X_OK):
        sys.exit(f"{CHROMIUM} is missing: apt-get install chromium")
    with tempfile.TemporaryDirectory() as scratch:
        env = environment(Path(scratch) / "shop.db")
        seed = [sys.executable, "-m", "flashsale", "db", "seed"]
        subprocess.run(seed, env={**os.environ, **env}, check=True, capture_output=True)
        with running_server(env, log_path=Path(scratch) / "server.log") as server:
            asyncio.run(run(server.url))


if __name__ == "__main__":
    main()
