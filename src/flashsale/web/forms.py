"""Reading an HTML form (application/x-www-form-urlencoded) without another dependency."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request

from flashsale.kernel.errors import InvalidInput

MAX_FORM_BYTES = 64 * 1024


async def read_form(request: Request) -> dict[str, str]:
    """The form's fields; the last value wins when a name repeats."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("", "application/x-www-form-urlencoded"):
        raise InvalidInput("forms are sent as application/x-www-form-urlencoded")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise InvalidInput("the form is too large")
    try:
        text = body.decode()
    except UnicodeDecodeError as exc:
        raise InvalidInput("the form is not UTF-8") from exc
    try:
        return dict(parse_qsl(text, keep_blank_values=True, max_num_fields=100))
    except ValueError as exc:
        raise InvalidInput("the form has too many fields") from exc
