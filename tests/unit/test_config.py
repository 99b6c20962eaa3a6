"""Settings: one object, read once; production refuses to run without its secrets."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from flashsale.config import DEFAULT_DATABASE_URL, Settings


def test_production_refuses_to_start_without_an_admin_token_and_a_secret_key() -> None:
    with pytest.raises(ValidationError, match="FLASHSALE_ADMIN_TOKEN, FLASHSALE_SECRET_KEY"):
        Settings(environment="production", _env_file=None)
    with pytest.raises(ValidationError, match="FLASHSALE_SECRET_KEY"):
        Settings(environment="production", admin_token="t")
    ready = Settings(environment="production", admin_token="t", secret_key="k")
    assert ready.with_generated_secrets() is ready


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
