"""A customer's orders over JSON: seeing them, where they ship, paying (once), cancelling."""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response

from flashsale.fulfilment.service.assembly import Fulfilment
from flashsale.fulfilment.service.operations import Operations
from flashsale.http.callers import Callers, CallerServices
from flashsale.http.endpoints import V1, Endpoint
from flashsale.http.requests import read_json
from flashsale.http.responses import json_response
from flashsale.http.schemas.addresses import ShippingAddressIn, ShippingAddressOut
from flashsale.http.schemas.fulfilment import OrderFulfilmentOut, ShipmentOut
from flashsale.http.schemas.orders import OrderListOut, OrderOut, PaymentIn, PaymentOptionsOut
from flashsale.http.schemas.pickup import DeliveryChoiceOut, DeliveryIn, PickupOut
from flashsale.kernel.errors import NotFound
from flashsale.orders.domain.delivery import Delivery
from flashsale.orders.domain.shipping import ShippingAddress
from flashsale.orders.service.orders import Orders
from flashsale.orders.service.shipping import Shipping
from flashsale.stores.service.pickup import ClickAndCollect
from flashsale.stores.service.pickups import StorePickups


class OrderServices(CallerServices, Protocol):
    orders: Orders
    shipping: Shipping

    @property
    def fulfilment(self) -> Fulfilment:
        """Where a paid order is on its way: composed here, not in orders."""
        ...

    @property
    def fulfilment_ops(self) -> Operations:
        """Its parcels: shipped, delivered."""
        ...

    @property
    def pickup(self) -> ClickAndCollect:
        """Click & collect: the stores' check of a pickup, then the orders' choice."""
        ...

    @property
    def pickups(self) -> StorePickups:
        """Click & collect at the counter: the code, once the order is set aside."""
        ...


class OrdersApi:
    def __init__(self, services: OrderServices) -> None:
        self._orders = services.orders
        self._shipping = services.shipping
        self._services = services
        self._callers = Callers(services)

    async def my_orders(self, request: Request) -> Response:
        orders = await self._orders.of_customer(self._callers.customer(request))
        return json_response(OrderListOut(orders=[OrderOut.of(o) for o in orders]))

    async def order(self, request: Request) -> Response:
        order = await self._orders.get(
            self._callers.customer(request), request.path_params["order_id"]
        )
        summary = await self._services.fulfilment.orders.summary(order.id)
        shipped = await self._services.fulfilment_ops.shipping.of_order(order.id)
        fulfilment = OrderFulfilmentOut(
            status=summary.status, shipments=[ShipmentOut.of(x) for x in shipped]
        )
        return json_response(OrderOut.of(order).model_copy(update={"fulfilment": fulfilment}))

    async def set_address(self, request: Request) -> Response:
        customer_id = self._callers.customer(request)
        body = await read_json(request, ShippingAddressIn)
        address = ShippingAddress.of(body.fields())
        await self._shipping.set_address(customer_id, request.path_params["order_id"], address)
        return json_response(ShippingAddressOut.of(address))

    async def set_delivery(self, request: Request) -> Response:
        customer_id = self._callers.customer(request)
        body = await read_json(request, DeliveryIn)
        order_id = request.path_params["order_id"]
        delivery = Delivery.of(body.method, body.store)
        chosen = await self._services.pickup.choose(customer_id, order_id, delivery)
        return json_response(DeliveryChoiceOut.of(order_id, chosen))

    async def pickup_code(self, request: Request) -> Response:
        order = await self._orders.get(
            self._callers.customer(request), request.path_params["order_id"]
        )
        found = await self._services.pickups.of_order(order.id)
        if found is None:
            raise NotFound(f"order {order.id} is not set aside for pickup (yet)")
        return json_response(PickupOut.of(found))

    async def pay(self, request: Request) -> Response:
        customer_id = self._callers.customer(request)
        body = await read_json(request, PaymentIn)
        order = await self._orders.pay(customer_id, request.path_params["order_id"], body.choice())
        return json_response(OrderOut.of(order))

    async def payment_options(self, request: Request) -> Response:
        customer_id = self._callers.customer(request)
        order, methods, usable = await self._orders.payment_options(
            customer_id, request.path_params["order_id"]
        )
        payment = await self._orders.payment_of(order.id)
        return json_response(PaymentOptionsOut.of(order, methods, usable, payment))

    async def cancel(self, request: Request) -> Response:
        customer_id = self._callers.customer(request)
        order = await self._orders.cancel(customer_id, request.path_params["order_id"])
        return json_response(OrderOut.of(order))


def endpoints(services: OrderServices) -> list[Endpoint]:
    api = OrdersApi(services)
    return [
        Endpoint(
            "GET",
            f"{V1}/orders",
            api.my_orders,
            "My orders",
            "orders",
            response=OrderListOut,
            auth="customer",
            problems=(401,),
        ),
        Endpoint(
            "GET",
            f"{V1}/orders/{{order_id}}",
            api.order,
            "One of my orders",
            "orders",
            response=OrderOut,
            auth="customer",
            problems=(401, 404),
        ),
        Endpoint(
            "PUT",
            f"{V1}/orders/{{order_id}}/shipping-address",
            api.set_address,
            "Where a reserved order ships, replacing the address given before",
            "orders",
            body=ShippingAddressIn,
            response=ShippingAddressOut,
            auth="customer",
            problems=(401, 404, 409, 422),
        ),
        Endpoint(
            "PUT",
            f"{V1}/orders/{{order_id}}/delivery",
            api.set_delivery,
            "Ship a reserved order, or pick it up at a store that holds the whole order",
            "orders",
            body=DeliveryIn,
            response=DeliveryChoiceOut,
            auth="customer",
            problems=(401, 404, 409, 422),
        ),
        Endpoint(
            "GET",
            f"{V1}/orders/{{order_id}}/pickup",
            api.pickup_code,
            "My click & collect order's pickup code, once the store has set it aside",
            "orders",
            response=PickupOut,
            auth="customer",
            problems=(401, 404),
        ),
        Endpoint(
            "POST",
            f"{V1}/orders/{{order_id}}/payments",
            api.pay,
            "Pay a reserved order by card, UPI or cash on delivery, as its market offers"
            " (paying twice charges once)",
            "orders",
            body=PaymentIn,
            response=OrderOut,
            auth="customer",
            problems=(401, 402, 404, 409, 410, 422, 503),
        ),
        Endpoint(
            "GET",
            f"{V1}/orders/{{order_id}}/payment-options",
            api.payment_options,
            "How my order can be paid (its market's methods) and, once paid, how it was",
            "orders",
            response=PaymentOptionsOut,
            auth="customer",
            problems=(401, 404),
        ),
        Endpoint(
            "POST",
            f"{V1}/orders/{{order_id}}/cancel",
            api.cancel,
            "Cancel a reserved order; its units go back on sale",
            "orders",
            response=OrderOut,
            auth="customer",
            problems=(401, 404, 409),
        ),
    ]
