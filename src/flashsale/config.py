"""Settings: read once at start-up from FLASHSALE_* variables and CLI options of the same names.

Nothing in the package reads the environment anywhere else; the composition root receives a
``Settings`` and passes what each part needs.
"""

from __future__ import annotations

import logging
import secrets
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from flashsale.kernel.errors import InvalidInput
from flashsale.kernel.money import parse_amounts_per_currency

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./flashsale.db"

# The shortest secrets production accepts. The secret key signs every session: a short one is
# recovered offline from a single token, and with it any customer's session can be forged.
SECRET_MINIMUMS = {"admin_token": 24, "secret_key": 32}
# Development takes a shorter secret with a warning (a team's fixed key survives restarts and is
# shared by its processes), but one below this is brute-forced in seconds: it is replaced.
DEVELOPMENT_SECRET_FLOOR = 12
# Length is entropy only where the characters vary: "kkkk…" or "abab…" is long and guessed at
# once. Any generated secret (token_urlsafe, token_hex, a password manager's) has many more.
SECRET_MIN_DISTINCT = 8
# An S3 secret key: AWS's are 40 characters; an S3-compatible server's own must be no weaker
# than the shop's secret key.
MEDIA_SECRET_MINIMUM = 32

log = logging.getLogger(__name__)


def _variable(field: str) -> str:
    return f"FLASHSALE_{field.upper()}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FLASHSALE_", frozen=True, extra="forbid")

    environment: Literal["development", "production"] = "development"
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = Field(
        default=None,
        description=(
            "The shared stock gate; unset: in-process. One server: redis://host:port/db."
            " A Redis Cluster: redis+cluster://[user:password@]host:port,host:port,... naming"
            " any of its nodes (the client finds the rest)."
        ),
    )
    gate_stock_buckets: int = Field(
        default=1,
        ge=1,
        le=1024,
        description=(
            "Split each sale's stock in Redis over this many buckets (cluster slots) to relieve"
            " the hot key; 1 keeps one slot per sale. Every process sharing the gate must use"
            " the same number; change it only with the gate rebuilt (flashsale gate rebuild)."
        ),
    )
    gate_sold_out_flag: bool = Field(
        default=False,
        description=(
            "Keep a sold-out flag per process, fed by Redis pub/sub: once every bucket of a sale"
            " is dry, purchases in its open window are refused as sold out without a round trip"
            " (also those that would otherwise be told not registered or limit reached)."
        ),
    )
    forwarded_allow_ips: str = Field(
        default="",
        description=(
            "Proxies whose X-Forwarded-For (and -Proto) is believed, as uvicorn reads them:"
            " comma-separated addresses or networks of the load balancers, or * where nothing"
            " but the proxies can reach the servers. Unset: none, and a client's address is its"
            " peer's, so that nobody escapes the per-address rate limits and registration cap"
            " by forging the header (behind a load balancer that would put every buyer on one"
            " address: set it there)."
        ),
    )
    payments: Literal["sandbox"] | None = Field(
        default=None,
        description=(
            "The payment gateway. The only one built in is the sandbox, whose public test"
            " cards (4242…) succeed: development uses it unasked, production only when this"
            " says sandbox (a rehearsal on production settings), since there they would pay"
            " real orders."
        ),
    )
    admin_token: SecretStr | None = None
    secret_key: SecretStr | None = None
    smtp_url: SecretStr | None = Field(
        default=None,
        description=(
            "The mail server customers' mail is delivered through:"
            " smtp://user:password@host:587?starttls=1, or smtps://… for TLS from the start."
            " Unset or blank: every mail is kept in the outbox only (flashsale mail list,"
            " the console's Mail page)."
        ),
    )
    mail_from: str = Field(
        default="flashsale <shop@flashsale.invalid>",
        description="The From of customers' mail; its domain also names the Message-IDs.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    # What the app server itself refuses from slow and huge clients (http/server_limits.py);
    # the load balancer in front enforces its own (docs/deploy.md).
    http_max_header_bytes: int = Field(
        default=16 * 1024,
        ge=1024,
        le=1024 * 1024,
        description=(
            "The request line and headers, all told: past this the request is answered 431 and"
            " the connection closed, before the server buffers any more of it."
        ),
    )
    http_header_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description=(
            "The whole header block must arrive within this long of its first byte (of the"
            " connection's opening, for its first request); else 408 and the connection closed."
        ),
    )
    http_body_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description=(
            "The whole request body must arrive within this long of the end of its headers;"
            " else 408 and the connection closed."
        ),
    )
    http_max_connections: int = Field(
        default=10_000,
        ge=1,
        le=1_000_000,
        description=(
            "Connections (or requests in flight) one server process holds at most; past that"
            " a request is answered 503 and its connection closed. Counts the kept-alive"
            " buyers waiting for an opening and the waiting room's event streams."
        ),
    )

    session_ttl_seconds: float = Field(default=7 * 24 * 3600, gt=0, le=365 * 24 * 3600)
    # How soon the other API processes refuse a session ended in one of them.
    session_revocation_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    # argon2id cost: the defaults are argon2-cffi's (RFC 9106 low-memory); tests lower them.
    password_time_cost: int = Field(default=3, ge=1)
    password_memory_cost_kib: int = Field(default=65536, ge=8)
    password_hash_concurrency: int = Field(
        default=8,
        ge=1,
        le=1024,
        description=(
            "Password hashes (argon2, in threads) running at once; each holds"
            " FLASHSALE_PASSWORD_MEMORY_COST_KIB of memory while it runs."
        ),
    )
    password_hash_queue: int = Field(
        default=64,
        ge=0,
        le=100_000,
        description=(
            "Hashes that may wait for a running one to finish; past that a log-in or sign-up"
            " is answered 503 (busy, Retry-After: 1) at once instead of queueing."
        ),
    )
    # Log-in and sign-up attempts (API, storefront and console), as token buckets: a burst,
    # refilled at so many a minute. Every attempt draws from its client address's and its
    # account's (email's) attempt buckets; a failed one also from the stricter failure buckets.
    auth_address_attempts: int = Field(
        default=20,
        ge=1,
        le=1_000_000,
        description="Log-in and sign-up attempts one client address may make at once.",
    )
    auth_address_attempts_per_minute: float = Field(
        default=60.0,
        gt=0,
        le=1_000_000,
        description="How fast an address's attempts come back, a minute.",
    )
    auth_account_attempts: int = Field(
        default=10,
        ge=1,
        le=1_000_000,
        description="Attempts at one account (its email) at once, from any address.",
    )
    auth_account_attempts_per_minute: float = Field(
        default=6.0,
        gt=0,
        le=1_000_000,
        description="How fast an account's attempts come back, a minute.",
    )
    auth_address_failures: int = Field(
        default=10,
        ge=1,
        le=1_000_000,
        description=(
            "Failed attempts (a wrong password or admin token, an email taken at sign-up)"
            " one client address may make at once; then it waits for the refill."
        ),
    )
    auth_address_failures_per_minute: float = Field(
        default=2.0,
        gt=0,
        le=1_000_000,
        description="How fast an address's failed attempts come back, a minute.",
    )
    auth_account_failures: int = Field(
        default=5,
        ge=1,
        le=1_000_000,
        description="Failed attempts at one account at once, from any address.",
    )
    auth_account_failures_per_minute: float = Field(
        default=0.2,
        gt=0,
        le=1_000_000,
        description="How fast an account's failed attempts come back, a minute (0.2: one in 5).",
    )

    commit_max_batch: int = Field(default=512, ge=1, le=10_000)
    # Per currency, the largest refund one person gives alone ("CNY:2000,INR:20000"); above it a
    # second staff member approves. Unset: no limit.
    refund_approval_limit: str | None = None
    # The order event feed, written with every order change. Off only to measure what it costs
    # the purchase path (benchmarks/purchase_path.py --events both); production refuses off.
    order_events: bool = True
    expiry_sweep_seconds: float = Field(default=1.0, gt=0)
    gate_reconcile_seconds: float = Field(
        default=1.0,
        gt=0,
        description=(
            "How often the expiry sweeper (in the server, or `flashsale worker`) compares the"
            " stock gate with the record."
        ),
    )
    gate_drift_settle_seconds: float = Field(
        default=2.0,
        ge=0,
        le=3600,
        description=(
            "Drift between gate and record is healed once every look over this long saw it:"
            " long enough for purchases in flight to reach the record (they take a commit)."
        ),
    )
    sqlite_synchronous: Literal["FULL", "NORMAL"] = "FULL"
    # The webhooks' delivery worker (in the server, or `flashsale worker --webhooks`).
    webhook_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description=(
            "How often the webhook worker reads the order event feed and looks for deliveries"
            " due (a retry, or one another process fanned out)."
        ),
    )
    webhook_timeout_seconds: float = Field(
        default=15.0,
        gt=0,
        le=120,
        description="A webhook receiver must answer within this long, or the attempt failed.",
    )
    webhook_connections: int = Field(
        default=256,
        ge=2,
        le=10_000,
        description="Webhook deliveries one process has in flight at most (its connections).",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        pattern=r"^https?://[^\s/]+(/\S*)?$",
        description=(
            "Where customers reach the shop: the links in their mail (an order's page is"
            " <public_url>/orders/<id>)."
        ),
    )
    order_mail_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description=(
            "How often order mail (in the server, or `flashsale worker`) reads the order event"
            " feed for reservations and refunds to mail."
        ),
    )
    # The mail gateway signs each customer's mail it POSTs to the service desk with this
    # Standard Webhooks secret (whsec_…); unset, inbound mail is refused.
    desk_inbound_secret: SecretStr | None = None
    reporting_currency: str = Field(
        default="USD",
        pattern=r"^[A-Z]{3}$",
        description=(
            "The currency sales reports convert revenue to (ISO 4217), at each day's own rate;"
            " a report may ask for another."
        ),
    )
    fx_max_age_days: int = Field(
        default=4,
        ge=0,
        le=31,
        description=(
            "A day without an exchange rate (a weekend, a holiday) uses the latest earlier one"
            " at most this many days old; beyond it the report says incomplete."
        ),
    )
    reports_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description=(
            "How often the reporting projector (in the server, or `flashsale worker --reports`)"
            " reads the order event feed into the daily sales facts."
        ),
    )
    fulfilment_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description=(
            "How often the allocator (in the server, or `flashsale worker --fulfilment`) reads"
            " the order event feed for paid and cancelled orders once it has caught up."
        ),
    )
    wave_every_minutes: int = Field(
        default=30,
        ge=0,
        le=24 * 60,
        description=(
            "How often the allocator's leader cuts a wave at each active DC of its market where"
            " allocated orders wait, each taking that interval's share of the DC's hourly"
            " capacity; 0 cuts waves only when asked (API, CLI, console)."
        ),
    )
    pdf_fonts: str = Field(
        default="",
        description=(
            "The TrueType fonts (.ttf, .otf, .ttc paths, separated by `:`) pick lists and"
            " packing slips print with: the first for text, the others for the scripts it lacks"
            " (CJK, Devanagari...). Empty: the usual system fonts (DejaVu, Noto, Droid Sans"
            " Fallback) where installed, else the Latin-1 core fonts."
        ),
    )

    media_dir: str | None = Field(
        default=None,
        description=(
            "The folder product images are kept in when no bucket is set. Unset: `media`"
            " beside the SQLite database file, or ./media with a database server (every"
            " process of a fleet must then share it: use a bucket instead); in memory with"
            " the memory:// record."
        ),
    )
    media_max_bytes: int = Field(
        default=5 * 1024 * 1024,
        ge=1024,
        le=5 * 1024 * 1024,
        description="The largest product image an operator may upload (at most 5 MB).",
    )
    media_s3_bucket: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
        description=(
            "Keep product images in this S3-compatible bucket (the `s3` extra: pip install"
            " 'flashsale[s3]'), served through the shop at /media/...; unset: a local folder"
            " (FLASHSALE_MEDIA_DIR)."
        ),
    )
    media_s3_endpoint: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s/]+/?$",
        description=(
            "The S3 API's address for a server other than AWS (MinIO, Ceph, R2…):"
            " https://host:port. Unset: AWS S3 in FLASHSALE_MEDIA_S3_REGION."
        ),
    )
    media_s3_region: str = Field(default="us-east-1", pattern=r"^[a-z0-9-]{2,32}$")
    media_s3_prefix: str = Field(
        default="",
        pattern=r"^[A-Za-z0-9_./-]{0,100}$",
        description="A folder of the bucket the shop keeps its files under.",
    )
    media_s3_access_key_id: SecretStr | None = None
    media_s3_secret_access_key: SecretStr | None = None

    @field_validator("admin_token", "secret_key")
    @classmethod
    def _strong_enough(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        """Blank is missing (a deployment template leaves a missing secret empty); short is
        refused in production, and in development replaced or used with a warning."""
        if value is None:
            return None
        assert info.field_name is not None
        length = len(value.get_secret_value().strip())
        if length == 0:
            return None
        minimum = SECRET_MINIMUMS[info.field_name]
        name = _variable(info.field_name)
        distinct = len(set(value.get_secret_value().strip()))
        if length >= minimum and distinct < SECRET_MIN_DISTINCT:
            if info.data.get("environment") != "development":
                raise ValueError(
                    f"{name} repeats too few characters ({distinct} different): production"
                    f" needs at least {SECRET_MIN_DISTINCT} (for example: python -c 'import"
                    " secrets; print(secrets.token_urlsafe(32))')"
                )
            log.warning(
                "%s has only %d different characters: used in development, refused in production",
                name,
                distinct,
            )
            return value
        if length >= minimum:
            return value
        if info.data.get("environment") != "development":
            raise ValueError(
                f"{name} is too short: production needs at least {minimum} characters"
                f" (for example: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        if length < DEVELOPMENT_SECRET_FLOOR:
            log.warning(
                "%s has %d characters, fewer than %d: ignored, a random one is generated for"
                " this run (production refuses fewer than %d)",
                name,
                length,
                DEVELOPMENT_SECRET_FLOOR,
                minimum,
            )
            return None
        log.warning(
            "%s has %d characters: used as given in development, but production refuses"
            " fewer than %d",
            name,
            length,
            minimum,
        )
        return value

    @field_validator("refund_approval_limit")
    @classmethod
    def _approval_limits_parse(cls, value: str | None) -> str | None:
        try:
            parse_amounts_per_currency(value)
        except InvalidInput as exc:
            raise ValueError(exc.detail) from exc
        return value

    @model_validator(mode="after")
    def _media_bucket_complete(self) -> Settings:
        """A bucket needs both keys; keys or an endpoint without a bucket are a mistake. In
        production the secret must be a real one (a default such as minioadmin is refused)."""
        keys = [self.media_s3_access_key_id, self.media_s3_secret_access_key]
        given = [k is not None and k.get_secret_value().strip() != "" for k in keys]
        if self.media_s3_bucket is None:
            if any(given) or self.media_s3_endpoint is not None:
                raise ValueError(
                    "FLASHSALE_MEDIA_S3_ENDPOINT and the S3 keys need FLASHSALE_MEDIA_S3_BUCKET"
                )
            return self
        if not all(given):
            raise ValueError(
                "FLASHSALE_MEDIA_S3_BUCKET needs FLASHSALE_MEDIA_S3_ACCESS_KEY_ID and"
                " FLASHSALE_MEDIA_S3_SECRET_ACCESS_KEY"
            )
        if self.environment == "production":
            assert self.media_s3_secret_access_key is not None
            secret = self.media_s3_secret_access_key.get_secret_value().strip()
            if len(secret) < MEDIA_SECRET_MINIMUM or len(set(secret)) < SECRET_MIN_DISTINCT:
                raise ValueError(
                    "FLASHSALE_MEDIA_S3_SECRET_ACCESS_KEY is too weak: production needs at"
                    f" least {MEDIA_SECRET_MINIMUM} characters, {SECRET_MIN_DISTINCT} of them"
                    " different (a server's default, such as minioadmin, is refused)"
                )
            if self.media_s3_endpoint is not None and not self.media_s3_endpoint.startswith(
                "https://"
            ):
                raise ValueError(
                    "production needs an https:// FLASHSALE_MEDIA_S3_ENDPOINT: over plain HTTP"
                    " the images and the signed requests cross the network in the clear"
                )
        return self

    @model_validator(mode="after")
    def _production_needs_secrets(self) -> Settings:
        if self.environment == "production":
            missing = [name for name in SECRET_MINIMUMS if getattr(self, name) is None]
            if missing:
                names = ", ".join(_variable(n) for n in missing)
                raise ValueError(f"production refuses to start without {names}")
            if self.payments != "sandbox":
                raise ValueError(
                    "production refuses the sandbox payment gateway, whose test cards would pay"
                    " real orders, unless FLASHSALE_PAYMENTS=sandbox says it is meant (no live"
                    " gateway is built in yet)"
                )
            if not self.order_events:
                raise ValueError(
                    "production refuses FLASHSALE_ORDER_EVENTS=false: fulfilment, webhooks and"
                    " reports read the order event feed; it is off only to measure its cost"
                )
            if not self.public_url.startswith("https://"):
                raise ValueError(
                    "production needs FLASHSALE_PUBLIC_URL, the https address customers reach"
                    " the shop at: the links in their mail point there"
                )
        return self

    def with_generated_secrets(self) -> Settings:
        """Development convenience: fill unset secrets with random ones for this run."""
        updates: dict[str, SecretStr] = {}
        if self.admin_token is None:
            updates["admin_token"] = SecretStr(secrets.token_urlsafe(24))
        if self.secret_key is None:
            updates["secret_key"] = SecretStr(secrets.token_urlsafe(32))
        return self.model_copy(update=updates) if updates else self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
