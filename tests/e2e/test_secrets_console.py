"""The console's log-in never opens to an empty admin token, however the shop was configured."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from flashsale.asgi import create_app
from flashsale.bootstrap import Shop, build_shop
from tests.conftest import fast_settings
from tests.e2e.test_web_pages import form_post


async def serve(shop: Shop) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(shop)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
            yield client
    await shop.aclose()


@pytest.fixture
async def configured_empty() -> AsyncIterator[httpx.AsyncClient]:
    """FLASHSALE_ADMIN_TOKEN= (empty), as a template renders a secret it could not find."""
    async for client in serve(await build_shop(fast_settings(admin_token=""))):
        yield client


@pytest.fixture
async def empty_anyway() -> AsyncIterator[httpx.AsyncClient]:
    """A shop whose admin token is empty past the settings' checks: the console's own guard."""
    shop = await build_shop(fast_settings())
    shop.settings = shop.settings.model_copy(update={"admin_token": SecretStr("")})
    async for client in serve(shop):
        yield client


async def refused(client: httpx.AsyncClient, token: str) -> None:
    answer = await form_post(client, "/console/login", "/console/login", {"token": token})
    assert answer.status_code == 401, answer.text
    assert "fs_console" not in client.cookies
    assert (await client.get("/console/sales")).status_code == 303


async def test_an_empty_admin_token_setting_does_not_open_the_console(
    configured_empty: httpx.AsyncClient,
) -> None:
    await refused(configured_empty, "")
    await refused(configured_empty, "test-admin-token-of-the-suite")


async def test_the_console_refuses_an_empty_token_even_against_an_empty_setting(
    empty_anyway: httpx.AsyncClient,
) -> None:
    await refused(empty_anyway, "")
