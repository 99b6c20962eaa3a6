"""The shopper's address book (``/account/addresses``): keep, change, forget and choose the
default among their shipping addresses; and, at checkout, ship to one of them in one click.

An order keeps its own copy of the address it ships to: changing or forgetting a saved address
never changes an order's.
"""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from flashsale.customers.address_book import AddressBook
from flashsale.customers.saved_addresses import SavedAddress
from flashsale.kernel import errors
from flashsale.orders import errors as order_errors
from flashsale.orders.domain.shipping import ShippingAddress
from flashsale.orders.service.shipping import Shipping
from flashsale.web import address_form
from flashsale.web.address_lines import address_lines
from flashsale.web.forms import read_form
from flashsale.web.i18n import N_, pick_locale
from flashsale.web.kit import PageKit
from flashsale.web.rendering import market_locale

PAGE = "/account/addresses"
# What the page says after each change (``?done=``).
DONE = {
    "added": N_("The address is saved."),
    "updated": N_("The address is changed."),
    "removed": N_("The address is removed."),
    "default": N_("That address is now your default."),
}


class AddressBookServices(Protocol):
    shipping: Shipping

    @property
    def address_book(self) -> AddressBook: ...


class AddressBookPages:
    def __init__(self, services: AddressBookServices, kit: PageKit) -> None:
        self._services = services
        self._shipping = services.shipping
        self._pages = kit.pages
        self._security = kit.security
        self._storefront = kit.storefront

    @property
    def _book(self) -> AddressBook:
        return self._services.address_book

    async def book(
        self,
        request: Request,
        message: str | None = None,
        status: int = 200,
        form: dict[str, str] | None = None,
    ) -> Response:
        customer_id = self._security.customer_or_login(request)
        if isinstance(customer_id, Response):
            return customer_id
        chrome = await self._storefront.chrome(request)
        form = form or {}
        return self._pages.render(
            request,
            "store/addresses.html",
            {
                **chrome,
                **self._selects(request, form, chrome),
                "addresses": listed(await self._book.addresses(customer_id), request, chrome),
                "form": form,
                "message": message,
                "saved": DONE.get(request.query_params.get("done", "")),
            },
            status,
        )

    async def edit_page(
        self,
        request: Request,
        message: str | None = None,
        status: int = 200,
        form: dict[str, str] | None = None,
    ) -> Response:
        customer_id = self._security.customer_or_login(request)
        if isinstance(customer_id, Response):
            return customer_id
        saved = await self._book.address(customer_id, request.path_params["address_id"])
        chrome = await self._storefront.chrome(request)
        form = form or saved.address.as_form()
        return self._pages.render(
            request,
            "store/address_edit.html",
            {
                **chrome,
                **self._selects(request, form, chrome),
                "address": saved,
                "form": form,
                "message": message,
            },
            status,
        )

    def _selects(
        self, request: Request, form: dict[str, str], chrome: dict[str, object]
    ) -> dict[str, object]:
        market = chrome.get("market")
        home = getattr(market, "code", "")
        return address_form.choices(form, request.query_params.get("country"), home)

    async def add(self, request: Request) -> Response:
        form = await read_form(request)
        self._security.check_csrf(request, form)
        customer_id = self._security.customer_or_login(request)
        if isinstance(customer_id, Response):
            return customer_id
        kept = {**address_form.kept(form), "default": form.get("default", "")}
        try:
            await self._book.add(customer_id, form, default=form.get("default") == "yes")
        except errors.InvalidInput as exc:
            return await self.book(request, exc.detail, 422, kept)
        except errors.Conflict:
            return await self.book(request, FULL, 409, kept)
        return RedirectResponse(f"{PAGE}?done=added", 303)

    async def update(self, request: Request) -> Response:
        form = await read_form(request)
        self._security.check_csrf(request, form)
        customer_id = self._security.customer_or_login(request)
        if isinstance(customer_id, Response):
            return customer_id
        try:
            await self._book.replace(customer_id, request.path_params["address_id"], form)
        except errors.InvalidInput as exc:
            return await self.edit_page(request, exc.detail, 422, address_form.kept(form))
        return RedirectResponse(f"{PAGE}?done=updated", 303)

    async def make_default(self, request: Request) -> Response:
        form = await read_form(request)
        self._security.check_csrf(request, form)
        customer_id = self._security.customer_or_login(request)
        if isinstance(customer_id, Response):
            return customer_id
        await self._book.make_default(customer_id, request.path_params["address_id"])
        return RedirectResponse(f"{PAGE}?done=default", 303)

    async def remove(self, request: Request) -> Response:
        form = await read_form(request)
        self._security.check_csrf(request, form)
        customer_id = self._security.customer_or_login(request)
        if isinstance(customer_id, Response):
            return customer_id
        await self._book.remove(customer_id, request.path_params["address_id"])
        return RedirectResponse(f"{PAGE}?done=removed", 303)

    async def ship_to_saved(self, request: Request) -> Response:
        """The checkout's one click: the order ships to a copy of a saved address."""
        form = await read_form(request)
        self._security.check_csrf(request, form)
        customer_id = self._security.customer_or_login(request)
        if isinstance(customer_id, Response):
            return customer_id
        order_id = request.path_params["order_id"]
        saved = await self._book.address(customer_id, form.get("address_id", ""))
        try:
            address = ShippingAddress.of(saved.address.as_form())
            await self._shipping.set_address(customer_id, order_id, address)
        except order_errors.OrderNotPayable:  # paid, expired or cancelled meanwhile
            return RedirectResponse(f"/orders/{order_id}", 303)
        return RedirectResponse(f"/checkout/{order_id}#payment-methods", 303)


FULL = N_("Your address book is full: remove an address before you save another.")


def listed(
    found: list[SavedAddress], request: Request, chrome: dict[str, object]
) -> list[tuple[SavedAddress, list[str]]]:
    """Each saved address with its lines as its country writes them, in the page's language."""
    locale = pick_locale(request, market_locale(chrome))
    return [(saved, address_lines(saved.address, locale)) for saved in found]


def routes(services: AddressBookServices, kit: PageKit) -> list[BaseRoute]:
    pages = AddressBookPages(services, kit)
    return [
        kit.get(PAGE, pages.book),
        kit.post(PAGE, pages.add),
        kit.get(f"{PAGE}/{{address_id}}", pages.edit_page),
        kit.post(f"{PAGE}/{{address_id}}", pages.update),
        kit.post(f"{PAGE}/{{address_id}}/default", pages.make_default),
        kit.post(f"{PAGE}/{{address_id}}/delete", pages.remove),
        kit.post("/checkout/{order_id}/saved-address", pages.ship_to_saved),
    ]


async def checkout_choices(
    book: AddressBook,
    customer_id: str,
    given: ShippingAddress | None,
    request: Request,
    chrome: dict[str, object],
) -> tuple[list[tuple[SavedAddress, list[str], bool]], dict[str, str] | None]:
    """The checkout's saved addresses (each with its lines, and whether the order ships there),
    and the form to start from when the order has no address yet: the default's."""
    found = await book.addresses(customer_id)
    chosen = None if given is None else address_form.filled_from(given)
    shown = [
        (saved, lines, saved.address.as_form() == chosen)
        for saved, lines in listed(found, request, chrome)
    ]
    start = found[0].address.as_form() if given is None and found and found[0].is_default else None
    return shown, start


async def keep_address(book: AddressBook, customer_id: str, form: dict[str, str]) -> str | None:
    """Save the checkout's address to the book when asked ("save_address"); the refusal to
    show when the book is full, else None."""
    if form.get("save_address") != "yes":
        return None
    try:
        await book.add(customer_id, form)
    except errors.Conflict:
        return FULL
    return None


def shown_lines(
    address: ShippingAddress | None, request: Request, context: dict[str, object]
) -> list[str]:
    """An order's address as its country writes it, in the page's language (none: no lines)."""
    if address is None:
        return []
    return address_lines(address, pick_locale(request, market_locale(context)))
