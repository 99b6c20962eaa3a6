"""The composition root: one Settings in, every part wired, nothing built at import time."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from flashsale.catalog.service import Catalog
from flashsale.config import Settings
from flashsale.customers.accounts import Accounts
from flashsale.customers.security import PasswordHasher, SessionTokens
from flashsale.customers.session_registry import SessionRegistry
from flashsale.customers.sessions import CONSOLE_SESSION_TTL_SECONDS
from flashsale.customers.throttle import AuthLimits, AuthThrottle, per_minute
from flashsale.kernel.clock import Clock, SystemClock
from flashsale.kernel.keys import Keys
from flashsale.kernel.metrics import Metrics
from flashsale.orders.adapters.sandbox_payments import SandboxPaymentGateway
from flashsale.orders.domain.refunds import ApprovalLimits
from flashsale.orders.ports import PaymentGateway
from flashsale.orders.service.events import OrderEvents
from flashsale.orders.service.expiry import ExpirySweeper
from flashsale.orders.service.orders import Orders
from flashsale.orders.service.refunds import Refunds
from flashsale.orders.service.shipping import Shipping
from flashsale.platform.leadership import Leadership
from flashsale.platform.local_leadership import LocalLeadership
from flashsale.record.memory_store import MemoryStore
from flashsale.record.store import Store
from flashsale.sales.adapters.local_gate import LocalStockGate
from flashsale.sales.ports import StockGate
from flashsale.sales.service.auditing import Auditing
from flashsale.sales.service.gate_reconciler import GateReconciler
from flashsale.sales.service.purchasing import Purchasing
from flashsale.sales.service.sale_directory import SaleDirectory
from flashsale.sales.service.sales import Sales
from flashsale.waiting_room.adapters.memory_state import MemoryRoomState
from flashsale.waiting_room.ports import RoomState
from flashsale.waiting_room.service.room import WaitingRoom

MEMORY_DATABASE_URL = "memory://"


@dataclass
class Shop:
    """Everything an entry point needs, built from one Settings."""

    settings: Settings
    keys: Keys  # one key per purpose, derived from the secret key
    store: Store
    gate: StockGate
    clock: Clock
    metrics: Metrics
    hasher: PasswordHasher
    directory: SaleDirectory
    catalog: Catalog
    accounts: Accounts
    sessions: SessionRegistry  # which sessions ended early, polled from the record
    sales: Sales
    purchasing: Purchasing
    orders: Orders
    shipping: Shipping
    order_events: OrderEvents  # the feed every back-office domain reads
    refunds: Refunds
    expiry: ExpirySweeper
    reconciler: GateReconciler
    leadership: Leadership
    auditing: Auditing
    room: WaitingRoom  # the waiting room in front of the sales that have one
    throttle: AuthThrottle  # log-in and sign-up attempts, in the room state's token buckets
    # Off when separate `flashsale worker` processes expire orders for the whole fleet.
    sweeper_in_process: bool = True
    _background: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def admin_token(self) -> str:
        assert self.settings.admin_token is not None, "Settings.with_generated_secrets() first"
        return self.settings.admin_token.get_secret_value()

    async def start(self) -> None:
        """Rebuild every sale's gate from the record, learn the ended sessions, expire what is
        due, start the sweeper.

        Rebuilding first is what lets a process restarted mid-sale carry on without loss.
        """
        await self.directory.load_all()
        await self.sessions.refresh()
        if self.sweeper_in_process:
            await self.expiry.sweep()
            self.start_background()
        poll = self.settings.session_revocation_poll_seconds
        self._background.append(asyncio.create_task(self.sessions.run_forever(poll)))
        await self.room.load()
        # Every API process runs its room loop; in Redis one script decides each admission.
        self._background.append(asyncio.create_task(self.room.run_forever()))

    def start_background(self) -> None:
        """Start this process's expiry sweeper and gate reconciler (the embedded default needs
        no worker)."""
        if not self._background:
            self._background.append(
                asyncio.create_task(self.expiry.run_forever(self.settings.expiry_sweep_seconds))
            )
            self.start_reconciling()

    def start_reconciling(self) -> None:
        self._background.append(
            asyncio.create_task(self.reconciler.run_forever(self.settings.gate_reconcile_seconds))
        )

    async def stop(self) -> None:
        """Stop background work and let purchases and payments in flight reach the record."""
        for task in self._background:
            task.cancel()
        for task in self._background:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._background.clear()
        await self.purchasing.drain()
        await self.orders.drain()

    async def aclose(self) -> None:
        await self.stop()
        await self.leadership.close()
        await self.room.close()
        await self.gate.close()
        await self.store.close()


async def open_store(settings: Settings) -> Store:
    if settings.database_url == MEMORY_DATABASE_URL:
        return MemoryStore()
    from flashsale.record.sql_store import SqlStore

    return await SqlStore.open(
        settings.database_url, sqlite_synchronous=settings.sqlite_synchronous
    )


async def open_gate(settings: Settings) -> StockGate:
    if settings.redis_url is None:
        return LocalStockGate()
    # Imported here: the embedded default neither needs redis nor pays for importing it.
    from flashsale.sales.adapters.redis_gate import RedisStockGate

    return await RedisStockGate.connect(
        settings.redis_url,
        buckets=settings.gate_stock_buckets,
        sold_out_flag=settings.gate_sold_out_flag,
    )


def open_leadership(store: Store) -> Leadership:
    """An advisory lock where the record is PostgreSQL (a fleet); else this process leads."""
    from flashsale.record.sql_store import SqlStore

    if isinstance(store, SqlStore) and store.engine.dialect.name == "postgresql":
        from flashsale.platform.sql.leadership import AdvisoryLockLeadership

        return AdvisoryLockLeadership(store.engine)
    return LocalLeadership()


async def open_room_state(settings: Settings) -> RoomState:
    """The waiting room's live state and rate limits: in-process, or shared in Redis."""
    if settings.redis_url is None:
        return MemoryRoomState()
    from flashsale.waiting_room.adapters.redis_state import RedisRoomState

    return await RedisRoomState.connect(settings.redis_url)


async def build_shop(
    settings: Settings,
    *,
    clock: Clock | None = None,
    store: Store | None = None,
    gate: StockGate | None = None,
    gateway: PaymentGateway | None = None,
) -> Shop:
    """Build the shop; tests pass their own clock, store, gate or gateway."""
    settings = settings.with_generated_secrets()
    assert settings.secret_key is not None
    clock = clock or SystemClock()
    store = store or await open_store(settings)
    store.keep_order_events(settings.order_events)
    gate = gate or await open_gate(settings)
    gateway = gateway or SandboxPaymentGateway()
    limits = ApprovalLimits.parse(settings.refund_approval_limit)
    refunds = Refunds(store, store, gate, clock, gateway, limits)
    metrics = Metrics()
    hasher = PasswordHasher(
        settings.password_time_cost,
        settings.password_memory_cost_kib,
        concurrency=settings.password_hash_concurrency,
        queue=settings.password_hash_queue,
    )
    keys = Keys.derive(settings.secret_key.get_secret_value())
    tokens = SessionTokens(keys.session, settings.session_ttl_seconds)
    directory = SaleDirectory(store, gate, clock)
    room_state = await open_room_state(settings)
    leadership = open_leadership(store)
    catalog = Catalog(store)
    # The room state's limiter: in process, or in Redis where every API process shares it.
    throttle = AuthThrottle(room_state.limiter, clock, auth_limits(settings))
    sessions = SessionRegistry(
        store, clock, max(settings.session_ttl_seconds, CONSOLE_SESSION_TTL_SECONDS)
    )
    accounts = Accounts(store, catalog, clock, hasher, tokens, throttle, sessions)
    return Shop(
        settings=settings,
        keys=keys,
        store=store,
        gate=gate,
        clock=clock,
        metrics=metrics,
        hasher=hasher,
        directory=directory,
        catalog=catalog,
        accounts=accounts,
        sessions=sessions,
        sales=Sales(store, gate, clock, directory, catalog, accounts),
        purchasing=Purchasing(store, gate, clock, directory, metrics, settings.commit_max_batch),
        orders=Orders(store, gate, clock, gateway, refunds),
        refunds=refunds,
        shipping=Shipping(store, clock),
        order_events=OrderEvents(store),
        expiry=ExpirySweeper(store, gate, clock, metrics),
        reconciler=GateReconciler(
            store,
            gate,
            clock,
            metrics,
            leadership,
            settle_seconds=settings.gate_drift_settle_seconds,
        ),
        leadership=leadership,
        auditing=Auditing(store, gate, directory),
        room=WaitingRoom(
            store,
            store,
            gate,
            clock,
            directory,
            room_state,
            keys.admission,
            proof_of_work_key=keys.proof_of_work,
        ),
        throttle=throttle,
    )


def auth_limits(settings: Settings) -> AuthLimits:
    s = settings
    return AuthLimits(
        address_attempts=per_minute(s.auth_address_attempts, s.auth_address_attempts_per_minute),
        account_attempts=per_minute(s.auth_account_attempts, s.auth_account_attempts_per_minute),
        address_failures=per_minute(s.auth_address_failures, s.auth_address_failures_per_minute),
        account_failures=per_minute(s.auth_account_failures, s.auth_account_failures_per_minute),
    )


class DatabaseNotReady(RuntimeError):
    """The record's schema is not the one this code was written for."""


async def prepare_database(settings: Settings) -> None:
    """The embedded SQLite database creates and upgrades itself; a server's is upgraded by hand,
    and a process refuses to start on one that was not (rather than fail on its first query)."""
    if settings.database_url.startswith("memory:"):
        return
    from flashsale.platform.sql.migrate import (
        UnknownRevision,
        current_revisions,
        head_revisions,
        pending_revisions,
        upgrade_database,
    )

    if settings.is_sqlite:
        await upgrade_database(settings.database_url)
        return
    where = settings.database_url.split("@")[-1]
    try:
        pending = await pending_revisions(settings.database_url)
    except UnknownRevision as exc:
        raise DatabaseNotReady(f"the database {where}: {exc}, migrated by newer code") from exc
    if pending:
        at = await current_revisions(settings.database_url)
        state = (
            "was never migrated"
            if not at
            else f"is at revision {_listed(at)}, this code needs {_listed(head_revisions())}"
        )
        raise DatabaseNotReady(
            f"the database {where} {state}:"
            " run `flashsale db upgrade` (once, from one machine) and start again"
        )


async def upgrade_database(settings: Settings) -> None:
    """``flashsale db upgrade``: every branch of the record's schema to its newest revision."""
    from flashsale.platform.sql import migrate

    await migrate.upgrade_database(settings.database_url)


def _listed(revisions: frozenset[str]) -> str:
    return ", ".join(sorted(revisions))


@contextlib.asynccontextmanager
async def running_shop(
    settings: Settings,
    *,
    clock: Clock | None = None,
    store: Store | None = None,
    gate: StockGate | None = None,
    gateway: PaymentGateway | None = None,
) -> AsyncIterator[Shop]:
    """The shop on a prepared database, closed on the way out.

    A store handed in is the caller's to prepare: only the database the settings name is.
    """
    if store is None:
        await prepare_database(settings)
    shop = await build_shop(settings, clock=clock, store=store, gate=gate, gateway=gateway)
    try:
        yield shop
    finally:
        await shop.aclose()
