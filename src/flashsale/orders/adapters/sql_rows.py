"""Orders, payments and shipping addresses to table rows and back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping

from flashsale.catalog.market import PaymentMethod
from flashsale.kernel.money import Money
from flashsale.orders.domain.order import Order, OrderStatus, Payment, PaymentStatus
from flashsale.orders.domain.shipping import ShippingAddress


def order_row(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "sale_id": order.sale_id,
        "customer_id": order.customer_id,
        "sku": order.sku,
        "quantity": order.quantity,
        "amount": order.amount.amount,
        "currency": order.amount.currency,
        "status": order.status.value,
        "created_at": order.created_at,
        "expires_at": order.expires_at,
        "paid_at": order.paid_at,
        "closed_at": order.closed_at,
        "idempotency_key": order.idempotency_key,
    }


def order_of(row: RowMapping) -> Order:
    return Order(
        id=row["id"],
        sale_id=row["sale_id"],
        customer_id=row["customer_id"],
        sku=row["sku"],
        quantity=row["quantity"],
        amount=Money(row["amount"], row["currency"]),
        status=OrderStatus(row["status"]),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        paid_at=row["paid_at"],
        closed_at=row["closed_at"],
        idempotency_key=row["idempotency_key"],
    )


def payment_row(payment: Payment) -> dict[str, Any]:
    return {
        "id": payment.id,
        "order_id": payment.order_id,
        "amount": payment.amount.amount,
        "currency": payment.amount.currency,
        "status": payment.status.value,
        "gateway_reference": payment.gateway_reference,
        "created_at": payment.created_at,
        "method": payment.method.value,
    }


def payment_of(row: RowMapping) -> Payment:
    return Payment(
        id=row["id"],
        order_id=row["order_id"],
        amount=Money(row["amount"], row["currency"]),
        status=PaymentStatus(row["status"]),
        gateway_reference=row["gateway_reference"],
        created_at=row["created_at"],
        method=PaymentMethod(row["method"]),
    )


def address_values(address: ShippingAddress) -> dict[str, Any]:
    """An address's columns, without the order it belongs to."""
    return {
        "recipient": address.recipient,
        "line1": address.line1,
        "line2": address.line2,
        "city": address.city,
        "postal_code": address.postal_code,
        "phone": address.phone,
        "country": address.country,
        "region": address.region,
    }


def address_of(row: RowMapping) -> ShippingAddress:
    return ShippingAddress(
        recipient=row["recipient"],
        line1=row["line1"],
        line2=row["line2"],
        city=row["city"],
        postal_code=row["postal_code"],
        phone=row["phone"],
        country=row["country"],  # NULL on an address stored before countries were asked
        region=row["region"],
    )
