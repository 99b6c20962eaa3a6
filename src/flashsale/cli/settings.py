"""Settings for one command: the FLASHSALE_* environment, overridden by the options given."""

from __future__ import annotations

import typer
from pydantic import ValidationError

from flashsale.cli.runtime import fail
from flashsale.config import Settings


def _explain(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or 'settings'}: {error['msg']}"
        for error in exc.errors()
    )


def build_settings(**options: object) -> Settings:
    """Options left unset (None) fall back to the environment, then to the defaults."""
    given = {name: value for name, value in options.items() if value is not None}
    try:
        return Settings(**given)  # type: ignore[arg-type]
    except ValidationError as exc:
        fail(f"invalid settings: {_explain(exc)}", code=2)


def refined(settings: Settings, **options: object) -> Settings:
    """The command's own options on top of the settings the callback built."""
    given = {name: value for name, value in options.items() if value is not None}
    if not given:
        return settings
    try:
        return Settings(**(settings.model_dump() | given))
    except ValidationError as exc:
        fail(f"invalid settings: {_explain(exc)}", code=2)


def settings_of(ctx: typer.Context) -> Settings:
    settings = ctx.find_object(Settings)
    assert settings is not None, "the flashsale callback builds the settings"
    return settings
