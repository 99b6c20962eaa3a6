"""Domain objects to table rows and back; the only place that knows both shapes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import RowMapping

from flashsale.catalog.market import Market
from flashsale.customers.model import Customer
from flashsale.kernel.money import Money
from flashsale.orders.domain.order import Order, OrderStatus, Payment, PaymentStatus
from flashsale.sales.domain.sale import FlashSale


def market_row(market: Market) -> dict[str, Any]:
    return {
        "code": market.code,
        "name": market.name,
        "currency": market.currency,
        "locale": market.locale,
    }


def market_of(row: RowMapping) -> Market:
    return Market(
        code=row["code"], name=row["name"], currency=row["currency"], locale=row["locale"]
    )


def customer_row(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "email": customer.email,
        "password_hash": customer.password_hash,
        "market_code": customer.market_code,
        "created_at": customer.created_at,
    }


def customer_of(row: RowMapping) -> Customer:
    return Customer(
        id=row["id"],
        email=row["email"],
        password_hash=row["password_hash"],
        market_code=row["market_code"],
        created_at=row["created_at"],
    )


def sale_row(sale: FlashSale) -> dict[str, Any]:
    return {
        "id": sale.id,
        "sku": sale.sku,
        "market_code": sale.market_code,
        "price_amount": sale.price.amount,
        "price_currency": sale.price.currency,
        "stock_total": sale.stock_total,
        "per_customer_limit": sale.per_customer_limit,
        "registration_opens_at": sale.registration_opens_at,
        "registration_closes_at": sale.registration_closes_at,
        "opens_at": sale.opens_at,
        "closes_at": sale.closes_at,
        "payment_window_seconds": sale.payment_window.total_seconds(),
    }


def sale_of(row: RowMapping) -> FlashSale:
    return FlashSale(
        id=row["id"],
        sku=row["sku"],
        market_code=row["market_code"],
        price=Money(row["price_amount"], row["price_currency"]),
        stock_total=row["stock_total"],
        per_customer_limit=row["per_customer_limit"],
        registration_opens_at=row["registration_opens_at"],
        registration_closes_at=row["registration_closes_at"],
        opens_at=row["opens_at"],
        closes_at=row["closes_at"],
        payment_window=timedelta(seconds=row["payment_window_seconds"]),
    )


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
    }


def payment_of(row: RowMapping) -> Payment:
    return Payment(
        id=row["id"],
        order_id=row["order_id"],
        amount=Money(row["amount"], row["currency"]),
        status=PaymentStatus(row["status"]),
        gateway_reference=row["gateway_reference"],
        created_at=row["created_at"],
    )
