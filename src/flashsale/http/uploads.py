"""Reading a file upload (multipart/form-data), as the API and the console's form send it.

The body is read whole under a bound first (413 past it, before anything is parsed), then
handed to Starlette's multipart parser (python-multipart): one file and a few short fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from python_multipart.exceptions import MultipartParseError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.types import Message

from flashsale.http.requests import EdgeError

# Room for the fields and the parts' headers beside the file itself.
FORM_OVERHEAD_BYTES = 64 * 1024
MAX_FIELD_BYTES = 4 * 1024


@dataclass(frozen=True, slots=True)
class Upload:
    data: bytes
    filename: str
    fields: dict[str, str]


async def read_upload(request: Request, max_file_bytes: int, file_field: str = "file") -> Upload:
    """The form's one file (in ``file_field``) and its text fields; EdgeError 415 for a body
    that is not multipart/form-data, 413 past ``max_file_bytes`` (and the form's overhead),
    422 for a malformed form, or one without the file or with more than one."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "multipart/form-data":
        raise EdgeError(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            f"send the image as multipart/form-data, in a field named {file_field!r}",
        )
    limit = max_file_bytes + FORM_OVERHEAD_BYTES
    body = await _bounded_body(request, limit, max_file_bytes)

    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(request.scope, replay).form(
            max_files=1, max_fields=10, max_part_size=MAX_FIELD_BYTES
        )
    except (MultiPartException, MultipartParseError, HTTPException) as exc:
        detail = getattr(exc, "message", None) or getattr(exc, "detail", None) or str(exc)
        raise EdgeError(422, "validation-error", "Invalid input", f"the form: {detail}") from exc
    try:
        files = [v for v in form.getlist(file_field) if isinstance(v, UploadFile)]
        if len(files) != 1:
            raise EdgeError(
                422, "validation-error", "Invalid input", f"send one file in {file_field!r}"
            )
        fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        data = await files[0].read()
        return Upload(data, files[0].filename or "", fields)
    finally:
        await form.close()


async def _bounded_body(request: Request, limit: int, max_file_bytes: int) -> bytes:
    too_large = EdgeError(
        413,
        "payload-too-large",
        "Payload too large",
        f"an image is at most {max_file_bytes // (1024 * 1024)} MB ({max_file_bytes:,} bytes)",
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            raise EdgeError(
                408, "request-timeout", "Request timeout", "the upload did not arrive in full"
            )
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
