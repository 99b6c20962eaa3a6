"""The storefront's routes: home, catalogue, product and sale pages, and a sale's live feed."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from flashsale.web.i18n import pick_locale, translations
from flashsale.web.kit import PageKit
from flashsale.web.live import Snapshots, event_stream
from flashsale.web.storefront import SALE_STATE_LABELS, StorefrontServices


def routes(services: StorefrontServices, kit: PageKit) -> list[BaseRoute]:
    store = kit.storefront
    sales = services.sales
    snapshots = Snapshots(period=0.5)

    async def sale_feed(request: Request) -> Response:
        sale_id = request.path_params["sale_id"]
        await sales.view(sale_id)  # a 404 now, not inside the stream

        async def snapshot() -> dict[str, Any]:
            view = await sales.view(sale_id)
            return {
                "state": view.state.value,
                "state_label": SALE_STATE_LABELS[view.state],
                "stock_left": view.stock_left,
                "stock_total": view.sale.stock_total,
                "server_time": view.server_time.isoformat(),
            }

        # One snapshot for every viewer; each stream says its label in its page's language,
        # which the page names (?lang=): a stream costs no look-up of the sale's market.
        say = translations(pick_locale(request)).gettext

        async def said() -> dict[str, Any]:
            shared = await snapshots.get(sale_id, snapshot)
            return {**shared, "state_label": say(shared["state_label"])}

        return event_stream(said)

    return [
        kit.get("/", store.home),
        kit.get("/shop/{market}", store.catalogue),
        kit.get("/shop/{market}/products/{product_id}", store.product),
        kit.get("/sales/{sale_id}", store.sale),
        kit.get("/sales/{sale_id}/live", sale_feed),
        kit.post("/sales/{sale_id}/register", store.register),
        kit.post("/sales/{sale_id}/buy", store.buy),
    ]
