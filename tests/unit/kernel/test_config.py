"""Settings: one object, read once; production refuses to run without strong secrets."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from pydantic import ValidationError

from flashsale.config import DEFAULT_DATABASE_URL, Settings

STRONG_TOKEN = "t0k3n-0f-the-adm1n-c0ns0"  # 24 characters, 14 different
STRONG_KEY = "k3y-that-signs-every-session-0k!"  # 32 characters


def test_production_refuses_to_start_without_an_admin_token_and_a_secret_key() -> None:
    with pytest.raises(ValidationError, match="FLASHSALE_ADMIN_TOKEN, FLASHSALE_SECRET_KEY"):
        Settings(environment="production", _env_file=None)
    with pytest.raises(ValidationError, match="FLASHSALE_SECRET_KEY"):
        Settings(environment="production", admin_token=STRONG_TOKEN)
    ready = Settings(
        environment="production",
        admin_token=STRONG_TOKEN,
        secret_key=STRONG_KEY,
        payments="sandbox",
        public_url="https://shop.mi.example",
    )
    assert ready.with_generated_secrets() is ready


def test_production_refuses_mail_links_to_a_development_address() -> None:
    with pytest.raises(ValidationError, match="FLASHSALE_PUBLIC_URL"):
        Settings(
            environment="production",
            admin_token=STRONG_TOKEN,
            secret_key=STRONG_KEY,
            payments="sandbox",
        )


def test_production_refuses_the_sandbox_gateway_unless_told_it_is_meant() -> None:
    # Its public test cards would pay real orders.
    with pytest.raises(ValidationError, match="FLASHSALE_PAYMENTS=sandbox"):
        Settings(environment="production", admin_token=STRONG_TOKEN, secret_key=STRONG_KEY)
    assert Settings().payments is None  # development takes the sandbox unasked
    with pytest.raises(ValidationError):
        Settings(payments="stripe")


@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_a_blank_secret_is_missing_and_production_refuses_it(blank: str) -> None:
    with pytest.raises(ValidationError, match="without FLASHSALE_ADMIN_TOKEN"):
        Settings(environment="production", admin_token=blank, secret_key=STRONG_KEY)
    with pytest.raises(ValidationError, match="without FLASHSALE_SECRET_KEY"):
        Settings(environment="production", admin_token=STRONG_TOKEN, secret_key=blank)
    development = Settings(admin_token=blank, secret_key=blank)
    assert development.admin_token is None and development.secret_key is None


def test_an_empty_variable_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    # What a deployment template renders for a secret it could not find.
    monkeypatch.setenv("FLASHSALE_ENVIRONMENT", "production")
    monkeypatch.setenv("FLASHSALE_ADMIN_TOKEN", "")
    monkeypatch.setenv("FLASHSALE_SECRET_KEY", STRONG_KEY)
    with pytest.raises(ValidationError, match="without FLASHSALE_ADMIN_TOKEN"):
        Settings()


def test_production_refuses_short_secrets_naming_the_variable_and_the_minimum() -> None:
    with pytest.raises(ValidationError, match=r"FLASHSALE_SECRET_KEY is too short.* 32 "):
        Settings(environment="production", admin_token=STRONG_TOKEN, secret_key="s-12345")
    with pytest.raises(ValidationError, match=r"FLASHSALE_SECRET_KEY is too short.* 32 "):
        Settings(environment="production", admin_token=STRONG_TOKEN, secret_key=STRONG_KEY[:31])
    with pytest.raises(ValidationError, match=r"FLASHSALE_ADMIN_TOKEN is too short.* 24 "):
        Settings(environment="production", admin_token=STRONG_TOKEN[:23], secret_key=STRONG_KEY)
    # Whitespace around a secret is not entropy.
    with pytest.raises(ValidationError, match="FLASHSALE_SECRET_KEY is too short"):
        Settings(
            environment="production", admin_token=STRONG_TOKEN, secret_key=" " * 8 + STRONG_KEY[:24]
        )


def test_development_replaces_a_very_short_secret_with_a_generated_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="flashsale.config"):
        settings = Settings(admin_token="admin", secret_key="s-12345")
    assert settings.admin_token is None and settings.secret_key is None
    ready = settings.with_generated_secrets()
    assert ready.secret_key is not None and ready.admin_token is not None
    assert len(ready.secret_key.get_secret_value()) >= 32
    assert len(ready.admin_token.get_secret_value()) >= 24
    warned = [record.getMessage() for record in caplog.records]
    assert any("FLASHSALE_SECRET_KEY" in m and "generated" in m for m in warned), warned
    assert any("FLASHSALE_ADMIN_TOKEN" in m and "generated" in m for m in warned), warned
    assert not any("s-12345" in m for m in warned)


def test_development_uses_a_short_secret_as_given_but_warns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="flashsale.config"):
        settings = Settings(admin_token="dev-admin-token", secret_key="dev-secret-key")
    assert settings.secret_key is not None and settings.admin_token is not None
    assert settings.secret_key.get_secret_value() == "dev-secret-key"
    warned = [record.getMessage() for record in caplog.records]
    assert any("FLASHSALE_SECRET_KEY" in m and "32" in m for m in warned), warned
    assert any("FLASHSALE_ADMIN_TOKEN" in m and "24" in m for m in warned), warned
    assert not any("dev-secret-key" in m for m in warned)


def test_strong_secrets_pass_without_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="flashsale.config"):
        Settings(admin_token=STRONG_TOKEN, secret_key=STRONG_KEY)
    assert caplog.records == []


def test_development_makes_secrets_for_the_run() -> None:
    settings = Settings().with_generated_secrets()
    assert settings.admin_token is not None
    assert settings.secret_key is not None
    assert len(settings.admin_token.get_secret_value()) >= 24
    assert Settings().with_generated_secrets().admin_token != settings.admin_token


def test_settings_come_from_flashsale_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASHSALE_DATABASE_URL", "postgresql+asyncpg://db/shop")
    monkeypatch.setenv("FLASHSALE_PORT", "9100")
    settings = Settings()
    assert settings.database_url == "postgresql+asyncpg://db/shop"
    assert settings.port == 9100
    monkeypatch.delenv("FLASHSALE_DATABASE_URL")
    assert Settings().database_url == DEFAULT_DATABASE_URL


def test_unknown_settings_and_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError):
        Settings(port=70000)
    with pytest.raises(ValidationError):
        Settings(nonsense=True)  # type: ignore[call-arg]


def test_the_app_server_limits_default_to_what_a_shop_runs_with() -> None:
    settings = Settings()
    assert settings.http_max_header_bytes == 16 * 1024
    assert settings.http_header_timeout_seconds == 10.0
    assert settings.http_body_timeout_seconds == 10.0
    assert settings.http_max_connections == 10_000


def test_the_app_server_limits_come_from_flashsale_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FLASHSALE_HTTP_MAX_HEADER_BYTES", "32768")
    monkeypatch.setenv("FLASHSALE_HTTP_HEADER_TIMEOUT_SECONDS", "2.5")
    monkeypatch.setenv("FLASHSALE_HTTP_BODY_TIMEOUT_SECONDS", "30")
    monkeypatch.setenv("FLASHSALE_HTTP_MAX_CONNECTIONS", "50000")
    settings = Settings()
    assert settings.http_max_header_bytes == 32768
    assert settings.http_header_timeout_seconds == 2.5
    assert settings.http_body_timeout_seconds == 30.0
    assert settings.http_max_connections == 50_000


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("http_max_header_bytes", 512),  # not even a request line with a few headers
        ("http_max_header_bytes", 2 * 1024 * 1024),  # a limit that no longer limits
        ("http_header_timeout_seconds", 0),  # every request would be refused
        ("http_header_timeout_seconds", 3600),  # a slowloris' dream
        ("http_body_timeout_seconds", -1),
        ("http_body_timeout_seconds", 301),
        ("http_max_connections", 0),
        ("http_max_connections", 2_000_000),
    ],
)
def test_app_server_limits_out_of_range_are_refused(field: str, value: float) -> None:
    given: dict[str, Any] = {field: value}
    with pytest.raises(ValidationError, match=field):
        Settings(**given)


@pytest.mark.parametrize("weak", ["k" * 40, "ab" * 20, "1234" * 10, "Aa1!Aa1!" * 5])
def test_production_refuses_long_secrets_of_few_characters(weak: str) -> None:
    with pytest.raises(ValidationError, match="FLASHSALE_SECRET_KEY repeats too few characters"):
        Settings(environment="production", admin_token=STRONG_TOKEN, secret_key=weak)
    with pytest.raises(ValidationError, match="FLASHSALE_ADMIN_TOKEN repeats too few characters"):
        Settings(environment="production", admin_token=weak, secret_key=STRONG_KEY)


def test_generated_secrets_pass() -> None:
    import secrets

    for _ in range(200):
        Settings(
            environment="production",
            admin_token=secrets.token_hex(12),
            secret_key=secrets.token_hex(16),
            payments="sandbox",
            public_url="https://shop.mi.example",
        )
