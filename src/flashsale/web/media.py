"""The shop's stored files at their stable addresses, /media/<key>: products' pictures.

A key names one upload for good (a new picture gets a new key), so browsers and any CDN in
front may keep a file for a year without asking again. The type is the one the upload was
checked to be, never guessed from the name, and never sniffed by the browser (nosniff, from
the security headers).
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from flashsale.catalog.images import ProductImages
from flashsale.platform.media.port import MEDIA_PATH
from flashsale.web.kit import PageKit

CACHE_FOREVER = "public, max-age=31536000, immutable"


class MediaServices(Protocol):
    product_images: ProductImages


class MediaFiles:
    def __init__(self, services: MediaServices) -> None:
        self._images = services.product_images

    async def media_file(self, request: Request) -> Response:
        found = await self._images.file(request.path_params["key"])
        if found is None:
            return Response(
                "No such file.", 404, media_type="text/plain", headers={"Cache-Control": "no-store"}
            )
        etag = f'"{hashlib.sha256(found.data).hexdigest()[:32]}"'
        headers = {"Cache-Control": CACHE_FOREVER, "ETag": etag}
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        return Response(found.data, media_type=found.content_type, headers=headers)


def routes(services: MediaServices, kit: PageKit) -> list[BaseRoute]:
    files = MediaFiles(services)
    return [Route(f"{MEDIA_PATH}/{{key:path}}", files.media_file, methods=["GET"])]
