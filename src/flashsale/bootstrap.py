"""The composition root: one Settings in, every part wired, nothing built at import time."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from flashsale.catalog.images import ProductImages
from flashsale.catalog.market import Market
from flashsale.catalog.service import Catalog
from flashsale.channels.adapters.recording_client import RecordingMarketplaceClient
from flashsale.channels.service.assembly import Channels, build_channels
from flashsale.channels.service.pool_commitments import PoolCommitments
from flashsale.config import Settings
from flashsale.customers.accounts import Accounts
from flashsale.customers.address_book import AddressBook
from flashsale.customers.address_ports import AddressRepository
from flashsale.customers.password_reset import PasswordResets
from flashsale.customers.saved_addresses import AddressFields
from flashsale.customers.security import PasswordHasher, SessionTokens
from flashsale.customers.session_registry import SessionRegistry
from flashsale.customers.sessions import CONSOLE_SESSION_TTL_SECONDS
from flashsale.customers.throttle import AuthLimits, AuthThrottle, per_minute
from flashsale.desk.service.desk import Desk
from flashsale.desk.service.fulfilment_returns import FulfilmentReturns
from flashsale.fulfilment.service.assembly import CancelCheck, Fulfilment, build_fulfilment
from flashsale.fulfilment.service.operations import Operations, build_operations
from flashsale.kernel.clock import Clock, SystemClock
from flashsale.kernel.keys import Keys
from flashsale.kernel.metrics import Metrics
from flashsale.kernel.pace import Pace
from flashsale.kernel.purchase_sampler import PurchaseSampler
from flashsale.notifications.service.mailer import Mailer
from flashsale.notifications.service.notifications import Notifications
from flashsale.notifications.service.rendering import MailRenderer
from flashsale.order_mail.service import OrderMail
from flashsale.orders.adapters.sandbox_payments import SandboxPaymentGateway
from flashsale.orders.domain.refunds import ApprovalLimits
from flashsale.orders.domain.shipping import ShippingAddress
from flashsale.orders.ports import PaymentGateway, UpiGateway
from flashsale.orders.service.cash_on_delivery import CashOnDelivery
from flashsale.orders.service.events import OrderEvents
from flashsale.orders.service.expiry import ExpirySweeper
from flashsale.orders.service.orders import Orders
from flashsale.orders.service.refunds import Refunds
from flashsale.orders.service.shipping import Shipping
from flashsale.platform.gc_tuning import tune_for_serving
from flashsale.platform.leadership import Leadership
from flashsale.platform.local_leadership import LocalLeadership
from flashsale.platform.media.port import MediaStore
from flashsale.record.memory_store import MemoryStore
from flashsale.record.store import Store
from flashsale.relay.domain.targets import NatsTarget, RelayTarget
from flashsale.relay.ports import Publisher
from flashsale.relay.service.relay import Relay, RelayTiming, RelayWatcher
from flashsale.reporting.service.reporting import Reporting, build_reporting
from flashsale.sales.adapters.local_gate import LocalStockGate
from flashsale.sales.ports import StockGate
from flashsale.sales.service.auditing import Auditing
from flashsale.sales.service.gate_reconciler import GateReconciler
from flashsale.sales.service.purchasing import Purchasing
from flashsale.sales.service.sale_directory import SaleDirectory
from flashsale.sales.service.sales import Sales
from flashsale.staff.model import STAFF_SESSION_TTL_SECONDS
from flashsale.staff.service import StaffDirectory
from flashsale.staff.tokens import StaffTokens
from flashsale.stores.service.assembly import Stores, build_stores
from flashsale.stores.service.fulfilment_options import StoreFulfilmentOptions
from flashsale.stores.service.pickup import ClickAndCollect
from flashsale.stores.service.pickup_mail import MailPickupNotices
from flashsale.stores.service.pickup_throttle import PickupThrottle
from flashsale.stores.service.pickups import StorePickups
from flashsale.waiting_room.adapters.memory_state import MemoryRoomState
from flashsale.waiting_room.ports import RoomState
from flashsale.waiting_room.service.room import WaitingRoom
from flashsale.webhooks.service.deliverer import DEFAULT_LEASE, Deliverer
from flashsale.webhooks.service.dispatcher import Dispatcher
from flashsale.webhooks.service.subscriptions import Subscriptions
from flashsale.webhooks.service.worker import WebhookWorker

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
    pickup_throttle: PickupThrottle  # wrong pickup codes per store, in the same buckets
    notifications: Notifications  # customers' mail, written to the outbox
    mailer: Mailer | None  # delivers the outbox over SMTP; None: mail is kept there only
    staff: StaffDirectory  # the shop's own people: roles, log-in, sessions
    webhooks: Subscriptions  # the operator's webhook subscriptions and their deliveries
    webhook_worker: WebhookWorker  # fans the event feed out to them and delivers it
    order_mail: OrderMail  # customers' confirmations and refund notices, from the feed
    password_resets: PasswordResets  # forgotten passwords: signed, single-use reset links
    payment_gateway: PaymentGateway  # cards: the orders' and the stores' tills alike
    product_images: ProductImages  # products' pictures: rows in the record, files in media
    # Whether a sale sells fast, which the back office yields to: judged on the purchases
    # reaching this process (a server), or those the feed shows (a worker, which sells none).
    pace: Pace
    # Off when separate `flashsale worker` processes expire orders for the whole fleet.
    sweeper_in_process: bool = True
    # A server of the point of sale alone (`flashsale serve --only pos`): the tills' API and
    # page, and no background work; the shop's other servers sell and run the back office.
    point_of_sale_only: bool = False
    # A worker's count of the feed's purchases (kernel/purchase_sampler.py); None in a server.
    purchase_sampler: PurchaseSampler | None = None
    _background: list[asyncio.Task[None]] = field(default_factory=list)
    _sampling: asyncio.Task[None] | None = None

    @property
    def admin_token(self) -> str:
        assert self.settings.admin_token is not None, "Settings.with_generated_secrets() first"
        return self.settings.admin_token.get_secret_value()

    async def start(self) -> None:
        """Rebuild every sale's gate from the record, learn the ended sessions, expire what is
        due, start the sweeper.

        Rebuilding first is what lets a process restarted mid-sale carry on without loss. A
        server of the point of sale alone sells no sale's units: it only learns the ended
        sessions (and keeps learning them).
        """
        if self.point_of_sale_only:
            await self.sessions.refresh()
            self._follow_sessions()
            return
        await self.directory.load_all()
        await self.sessions.refresh()
        if self.sweeper_in_process:
            await self.expiry.sweep()
            self.start_background()
            self.start_webhooks()
            await self.start_order_mail()
            self.start_reports()
            self.start_fulfilment()
            self.start_desk()
        self._follow_sessions()
        await self.room.load()
        # Every API process runs its room loop; in Redis one script decides each admission.
        self._background.append(asyncio.create_task(self.room.run_forever()))
        if self.mailer is not None:
            # Every process delivers: a claim in the outbox gives each mail to one mailer.
            self._background.append(asyncio.create_task(self.mailer.run_forever()))

    def _follow_sessions(self) -> None:
        poll = self.settings.session_revocation_poll_seconds
        self._background.append(asyncio.create_task(self.sessions.run_forever(poll)))

    def start_pacing(self) -> None:
        """Start counting the feed's purchases, in a process that sells nothing (a server's
        purchase path is left alone: it counts its own arrivals, and nothing else)."""
        if self.purchase_sampler is not None and self._sampling is None:
            self._sampling = asyncio.create_task(self.purchase_sampler.run_forever())

    def start_background(self) -> None:
        """Start this process's expiry sweeper and gate reconciler (the embedded default needs
        no worker)."""
        if not self._background:
            self._background.append(
                asyncio.create_task(self.expiry.run_forever(self.settings.expiry_sweep_seconds))
            )
            self.start_reconciling()

    def start_webhooks(self) -> None:
        """Start this process's webhook worker (``flashsale worker --webhooks`` where the
        servers leave it to workers): any number may run, each delivery is claimed once."""
        self._background.append(asyncio.create_task(self.webhook_worker.run_forever()))

    async def start_order_mail(self) -> None:
        """Start mailing customers from the feed (one process of the fleet leads). Its first
        cursor is stored before the loop starts, so an order placed once this returns is
        mailed, and none placed before order mail first ran on this record."""
        await self.order_mail.begin()
        poll = self.settings.order_mail_poll_seconds
        self._background.append(asyncio.create_task(self.order_mail.run_forever(poll)))

    @functools.cached_property
    def reporting(self) -> Reporting:
        """Sales reporting: facts projected from the feed, and the questions asked of them."""
        return build_reporting(
            self.order_events,
            self.store,
            self.sales,
            self.catalog,
            self.leadership,
            self.clock,
            reporting_currency=self.settings.reporting_currency,
            fx_max_age_days=self.settings.fx_max_age_days,
            # It yields to the sale's purchases, as order mail does.
            busy=self.pace.busy,
        )

    @functools.cached_property
    def fulfilment(self) -> Fulfilment:
        """Locations, stock, allotments and the allocators of paid orders."""
        return build_fulfilment(
            self.store,
            self.catalog,
            self.sales,
            self.directory,
            self.leadership,
            self.clock,
            # It yields to the sale's purchases, as order mail does.
            busy=self.pace.busy,
            # The partners' pools hold units at the DCs as allotments do.
            commitments=[PoolCommitments(self.store)],
            # Which stores ship home deliveries or take pickups sent from a DC.
            store_options=StoreFulfilmentOptions(self.store),
        )

    def start_fulfilment(self) -> None:
        """Start allocating paid orders from the feed (one allocator per market leads;
        ``flashsale worker --fulfilment`` where the servers leave it to workers)."""
        poll = self.settings.fulfilment_poll_seconds
        allocators = self.fulfilment.allocators
        allocators.cut_waves(self.fulfilment_ops.waves, self.settings.wave_every_minutes)
        self._background.append(asyncio.create_task(allocators.run_forever(poll)))
        deliveries = self.fulfilment_ops.shipping.run_forever(poll)
        self._background.append(asyncio.create_task(deliveries))
        # Uncollected click & collect orders, given up after their store's pickup_days.
        self._background.append(asyncio.create_task(self.pickups.run_forever(max(poll, 60.0))))
        # Cash on delivery collected as the deliveries reach the feed.
        self._background.append(asyncio.create_task(self.cash_on_delivery.run_forever(poll)))

    @functools.cached_property
    def cash_on_delivery(self) -> CashOnDelivery:
        """Cash on delivery: collected from the feed's deliveries, given up when refused."""
        # It yields to a flash sale, as order mail does (the worker's sampler or this process's).
        return CashOnDelivery(self.store, self.gate, self.clock, busy=self.pace.busy)

    @functools.cached_property
    def fulfilment_ops(self) -> Operations:
        """After allocation: waves, pick lists and packing slips, shipping, returns."""
        f = self.fulfilment
        ops = build_operations(
            self.store, f.orders, f.locations, self.shipping, self.refunds, self.clock
        )
        ops.waves.print_with(self.settings.pdf_fonts)
        return ops

    @functools.cached_property
    def address_book(self) -> AddressBook:
        """Customers' saved shipping addresses, each held to an order's address's rules."""
        return AddressBook(open_address_repository(self.store), saved_address_rules, self.clock)

    @functools.cached_property
    def stores(self) -> Stores:
        """Stores, their tills and the point of sale, on the same stock as the web."""
        return build_stores(self.store, self.catalog, self.staff, self.payment_gateway, self.clock)

    @functools.cached_property
    def pickup(self) -> ClickAndCollect:
        """Click & collect: which stores can hand over an order, and the customer's choice."""
        return ClickAndCollect(self.store, self.clock)

    @functools.cached_property
    def pickups(self) -> StorePickups:
        """Click & collect at the counter: ready with a code, collected, given up."""
        notices = MailPickupNotices(self.store, self.notifications, self.settings.public_url)
        return StorePickups(self.store, notices, self.refunds, self.pickup_throttle, self.clock)

    @functools.cached_property
    def channels(self) -> Channels:
        """Sales channels: prices, partner pools, order imports, feeds, reconciliation. The
        partners' APIs are not reachable from here: their client records what it is given."""
        return build_channels(
            self.store,
            self.catalog,
            self.fulfilment.locations,
            RecordingMarketplaceClient(),
            self.clock,
        )

    @functools.cached_property
    def desk(self) -> Desk:
        """The service desk: cases answered from the record or routed per market, agents'
        actions through the orders' services, replies through the notifier."""
        secret = self.settings.desk_inbound_secret
        return Desk(
            self.store,
            staff=self.staff,
            catalog=self.catalog,
            accounts=self.accounts,
            customers=self.store,
            orders=self.orders,
            refunds=self.refunds,
            order_events=self.order_events,
            notifier=self.notifications,
            clock=self.clock,
            leadership=self.leadership,
            public_url=self.settings.public_url,
            inbound_secret=None if secret is None else secret.get_secret_value(),
            returns=FulfilmentReturns(self.fulfilment_ops.returns),
        )

    def start_desk(self) -> None:
        """Start the desk's routers (one per market leads) and its SLA sweeper."""
        self._background.append(asyncio.create_task(self.desk.run_forever()))

    def start_reports(self) -> None:
        """Start projecting the feed into the sales facts (one process of the fleet leads;
        ``flashsale worker --reports`` where the servers leave it to workers)."""
        poll = self.settings.reports_poll_seconds
        self._background.append(asyncio.create_task(self.reporting.projector.run_forever(poll)))

    def start_reconciling(self) -> None:
        self._background.append(
            asyncio.create_task(self.reconciler.run_forever(self.settings.gate_reconcile_seconds))
        )

    async def stop(self) -> None:
        """Stop background work and let purchases and payments in flight reach the record."""
        sampling, self._sampling = self._sampling, None
        tasks = [*self._background, *([sampling] if sampling is not None else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._background.clear()
        await self.purchasing.drain()
        await self.orders.drain()
        if "desk" in self.__dict__:  # built: its case writes in flight reach the record
            await self.desk.drain()

    async def aclose(self) -> None:
        await self.stop()
        await self.webhook_worker.close()
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


def open_address_repository(store: Store) -> AddressRepository:
    """The address books in the record's database (its engine), or in this process."""
    from flashsale.record.sql_store import SqlStore

    if isinstance(store, SqlStore):
        from flashsale.customers.adapters.sql_addresses import SqlAddressRepository

        return SqlAddressRepository(store.engine)
    from flashsale.customers.adapters.memory_addresses import MemoryAddressRepository

    return MemoryAddressRepository()


def saved_address_rules(fields: Mapping[str, str]) -> AddressFields:
    """A saved address passes the checks an order's address passes (the orders' rule, which
    the customers' domain cannot import: the two are siblings)."""
    address = ShippingAddress.of(dict(fields))
    address.check_new()
    assert address.country is not None  # check_new refuses an address without its country
    return AddressFields(
        recipient=address.recipient,
        line1=address.line1,
        line2=address.line2,
        city=address.city,
        postal_code=address.postal_code,
        phone=address.phone,
        country=address.country,
        region=address.region,
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


def open_media(settings: Settings) -> MediaStore:
    """Where product images are kept: the bucket FLASHSALE_MEDIA_S3_BUCKET names, else a
    local folder (FLASHSALE_MEDIA_DIR; by default beside the SQLite file), else, for the
    memory:// record, memory."""
    if settings.media_s3_bucket is not None:
        # Imported here: boto3 is the s3 extra's, loaded only where a bucket is set.
        from flashsale.platform.media.s3 import S3MediaStore

        assert settings.media_s3_access_key_id and settings.media_s3_secret_access_key
        return S3MediaStore(
            settings.media_s3_bucket,
            endpoint_url=settings.media_s3_endpoint,
            region=settings.media_s3_region,
            access_key_id=settings.media_s3_access_key_id.get_secret_value(),
            secret_access_key=settings.media_s3_secret_access_key.get_secret_value(),
            prefix=settings.media_s3_prefix,
        )
    from flashsale.platform.media.local import LocalMediaStore

    if settings.media_dir is not None:
        return LocalMediaStore(Path(settings.media_dir))
    if settings.database_url == MEMORY_DATABASE_URL:
        from flashsale.platform.media.memory import MemoryMediaStore

        return MemoryMediaStore()
    from flashsale.platform.sql.engine import sqlite_file

    database = sqlite_file(settings.database_url)
    if database is not None:
        return LocalMediaStore(Path(database).parent / "media")
    return LocalMediaStore(Path("media"))


def open_mailer(settings: Settings, store: Store, clock: Clock) -> Mailer | None:
    """SMTP delivery of the outbox when FLASHSALE_SMTP_URL names a server, else None."""
    url = settings.smtp_url.get_secret_value().strip() if settings.smtp_url else ""
    if not url:
        return None
    from flashsale.notifications.adapters.smtp_endpoint import SmtpEndpoint
    from flashsale.notifications.adapters.smtp_sender import SmtpSender

    return Mailer(store, SmtpSender(SmtpEndpoint.parse(url), settings.mail_from), clock)


async def build_shop(
    settings: Settings,
    *,
    clock: Clock | None = None,
    store: Store | None = None,
    gate: StockGate | None = None,
    gateway: PaymentGateway | None = None,
    sells: bool = True,
) -> Shop:
    """Build the shop; tests pass their own clock, store, gate or gateway. ``sells``: False
    for a worker process, whose back office then yields to the purchases the feed shows (it
    starts counting them at ``Shop.start_pacing``)."""
    settings = settings.with_generated_secrets()
    assert settings.secret_key is not None
    clock = clock or SystemClock()
    store = store or await open_store(settings)
    store.keep_order_events(settings.order_events)
    gate = gate or await open_gate(settings)
    gateway = gateway or SandboxPaymentGateway()
    limits = ApprovalLimits.parse(settings.refund_approval_limit)
    refunds = Refunds(store, store, gate, clock, gateway, limits, CancelCheck(store))
    metrics = Metrics()
    sampler = None if sells else PurchaseSampler(store)
    pace = Pace(purchases_seen_by(metrics, sampler))
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
        store,
        clock,
        max(
            settings.session_ttl_seconds,
            CONSOLE_SESSION_TTL_SECONDS,
            STAFF_SESSION_TTL_SECONDS,
        ),
    )
    accounts = Accounts(store, catalog, clock, hasher, tokens, throttle, sessions)
    mailer = open_mailer(settings, store, clock)
    webhooks, webhook_worker = open_webhooks(settings, store, clock, leadership, pace)
    notifications = Notifications(store, MailRenderer.packaged(), clock, mailer)
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
        password_resets=PasswordResets(store, sessions, hasher, throttle, clock, keys.session),
        payment_gateway=gateway,
        product_images=ProductImages(
            store, catalog, open_media(settings), settings.media_max_bytes
        ),
        pace=pace,
        purchase_sampler=sampler,
        sessions=sessions,
        sales=Sales(store, gate, clock, directory, catalog, accounts),
        purchasing=Purchasing(store, gate, clock, directory, metrics, settings.commit_max_batch),
        orders=Orders(
            store,
            gate,
            clock,
            gateway,
            refunds,
            upi=gateway if isinstance(gateway, UpiGateway) else None,
            markets=SaleMarkets(directory, catalog),
        ),
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
        pickup_throttle=PickupThrottle(room_state.limiter, clock),
        notifications=notifications,
        mailer=mailer,
        staff=StaffDirectory(
            store,
            catalog,
            clock,
            hasher,
            StaffTokens(keys.staff),
            throttle,
            sessions,
            # Disabling someone reaches the other processes as soon as an ended session does.
            cache_seconds=settings.session_revocation_poll_seconds,
        ),
        webhooks=webhooks,
        webhook_worker=webhook_worker,
        order_mail=OrderMail(
            OrderEvents(store),
            store,
            notifications,
            accounts,
            catalog,
            leadership,
            clock,
            public_url=settings.public_url,
            busy=pace.busy,
        ),
    )


def purchases_seen_by(metrics: Metrics, sampler: PurchaseSampler | None) -> Callable[[], float]:
    """The count the back office's ``Pace`` reads: this process's arrivals where it sells,
    else the sampler's count of the feed's purchases (kernel/purchase_sampler.py)."""
    if sampler is None:
        return lambda: metrics.purchases_arrived
    return lambda: sampler.purchases


def open_webhooks(
    settings: Settings,
    store: Store,
    clock: Clock,
    leadership: Leadership,
    pace: Pace,
) -> tuple[Subscriptions, WebhookWorker]:
    """Webhooks: private addresses and plain http are for development only."""
    from flashsale.webhooks.adapters.host_resolver import SystemResolver
    from flashsale.webhooks.adapters.http_sender import AiohttpSender

    development = settings.environment == "development"
    timeout = settings.webhook_timeout_seconds
    sender = AiohttpSender(
        timeout_seconds=timeout,
        connections=settings.webhook_connections,
        public_only=not development,
    )
    lanes = 2  # one batch in flight while the other's outcomes are recorded and the next claimed
    deliverer = Deliverer(
        store,
        sender,
        clock,
        batch=settings.webhook_connections // lanes,
        lanes=lanes,
        # Each batch's requests run side by side: it ends within the timeout, well in its lease.
        lease=max(DEFAULT_LEASE, timedelta(seconds=4 * timeout)),
    )
    dispatcher = Dispatcher(OrderEvents(store), store, clock, leadership)
    worker = WebhookWorker(
        dispatcher,
        deliverer,
        sender,
        poll_seconds=settings.webhook_poll_seconds,
        # It yields to the sale's purchases, as order mail does.
        pace=pace,
    )
    return Subscriptions(store, clock, SystemResolver(), development=development), worker


def auth_limits(settings: Settings) -> AuthLimits:
    s = settings
    return AuthLimits(
        address_attempts=per_minute(s.auth_address_attempts, s.auth_address_attempts_per_minute),
        account_attempts=per_minute(s.auth_account_attempts, s.auth_account_attempts_per_minute),
        address_failures=per_minute(s.auth_address_failures, s.auth_address_failures_per_minute),
        account_failures=per_minute(s.auth_account_failures, s.auth_account_failures_per_minute),
    )


class SaleMarkets:
    """The orders' ``SaleMarkets``: a sale's market, from the sale directory's cache. Markets
    are kept once read: a payment asks only for its methods, which follow the market's country,
    and a sale's winners pay by the thousand within minutes."""

    def __init__(self, directory: SaleDirectory, catalog: Catalog) -> None:
        self._directory = directory
        self._catalog = catalog
        self._markets: dict[str, Market] = {}

    async def market_of_sale(self, sale_id: str) -> Market:
        sale = await self._directory.get(sale_id)
        market = self._markets.get(sale.market_code)
        if market is None:
            market = await self._catalog.market(sale.market_code)
            self._markets[market.code] = market
        return market


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
    long_running: bool = False,
) -> AsyncIterator[Shop]:
    """The shop on a prepared database, closed on the way out.

    A store handed in is the caller's to prepare: only the database the settings name is.
    ``long_running``: a worker that reads the feed by the hundred thousand events, which the
    collector's defaults slow by a fifth (platform/gc_tuning.py; as a server tunes it). It sells
    nothing, so its back office yields to the purchases the feed shows, counted from the start.
    """
    if store is None:
        await prepare_database(settings)
    shop = await build_shop(
        settings, clock=clock, store=store, gate=gate, gateway=gateway, sells=not long_running
    )
    if long_running:
        tune_for_serving()
        shop.start_pacing()
    try:
        yield shop
    finally:
        await shop.aclose()


@contextlib.asynccontextmanager
async def relaying(
    shop: Shop,
    target: RelayTarget,
    name: str,
    *,
    batch: int,
    timing: RelayTiming | None = None,
    watcher: RelayWatcher | None = None,
    publisher: Publisher | None = None,
) -> AsyncIterator[Relay]:
    """The relay of the shop's order event feed to a broker; its publisher (tests pass their
    own) and its leadership are closed on the way out."""
    publisher = publisher or open_publisher(target)
    leadership = open_relay_leadership(shop)
    try:
        yield Relay(
            name,
            shop.order_events,
            shop.store,
            publisher,
            leadership,
            shop.clock,
            batch=batch,
            timing=timing,
            watcher=watcher,
        )
    finally:
        await publisher.close()
        if leadership is not shop.leadership:
            await leadership.close()


def open_publisher(target: RelayTarget) -> Publisher:
    # Imported here: a process that relays nothing never imports a broker's client.
    if isinstance(target, NatsTarget):
        from flashsale.relay.adapters.nats_publisher import NatsPublisher

        return NatsPublisher(target)
    from flashsale.relay.adapters.amqp_publisher import AmqpPublisher

    return AmqpPublisher(target)


def open_relay_leadership(shop: Shop) -> Leadership:
    """One relay per name publishes: the shop's leadership where it spans processes (an advisory
    lock on PostgreSQL); beside a SQLite file, where every process believes it leads, a lock
    file."""
    from flashsale.platform.sql.engine import sqlite_file
    from flashsale.record.sql_store import SqlStore

    store = shop.store
    if isinstance(store, SqlStore) and (database := sqlite_file(store.engine.url)) is not None:
        from flashsale.platform.file_leadership import FileLockLeadership

        return FileLockLeadership(database)
    return shop.leadership
