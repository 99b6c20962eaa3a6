"""The mail server named by FLASHSALE_SMTP_URL.

``smtp://[user:password@]host[:port][?starttls=1|0][&timeout=SECONDS]``: port 25 unless given;
without ``starttls`` the connection is upgraded to TLS when the server offers it, ``starttls=1``
refuses a server that does not, ``starttls=0`` never asks. ``smtps://…`` speaks TLS from the
first byte (port 465 unless given). The user and password are percent-decoded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from flashsale.kernel.errors import InvalidInput

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
DEFAULT_TIMEOUT_SECONDS = 30.0
_SWITCH = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


@dataclass(frozen=True, slots=True)
class SmtpEndpoint:
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    use_tls: bool = False
    start_tls: bool | None = None  # None: when the server offers it
    timeout: float = DEFAULT_TIMEOUT_SECONDS

    @classmethod
    def parse(cls, url: str) -> SmtpEndpoint:
        """InvalidInput naming what is wrong, never echoing the password."""
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError as exc:
            raise InvalidInput(f"FLASHSALE_SMTP_URL: {exc}") from None
        if parts.scheme not in DEFAULT_PORTS:
            raise InvalidInput("FLASHSALE_SMTP_URL: the scheme is smtp:// or smtps://")
        if not parts.hostname:
            raise InvalidInput("FLASHSALE_SMTP_URL: no host")
        options = parse_qs(parts.query, keep_blank_values=True)
        unknown = sorted(options.keys() - {"starttls", "timeout"})
        if unknown:
            raise InvalidInput(f"FLASHSALE_SMTP_URL: unknown option {', '.join(unknown)}")
        start_tls = None
        if "starttls" in options:
            start_tls = _SWITCH.get(options["starttls"][-1].lower())
            if start_tls is None:
                raise InvalidInput("FLASHSALE_SMTP_URL: starttls is 1 or 0")
        timeout = DEFAULT_TIMEOUT_SECONDS
        if "timeout" in options:
            try:
                timeout = float(options["timeout"][-1])
            except ValueError:
                timeout = 0.0
            if not 0 < timeout <= 600:
                raise InvalidInput("FLASHSALE_SMTP_URL: timeout is seconds, up to 600")
        use_tls = parts.scheme == "smtps"
        if use_tls and start_tls:
            raise InvalidInput("FLASHSALE_SMTP_URL: smtps:// is TLS already; drop starttls")
        return cls(
            host=parts.hostname,
            port=port or DEFAULT_PORTS[parts.scheme],
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
            use_tls=use_tls,
            start_tls=False if use_tls else start_tls,
            timeout=timeout,
        )
