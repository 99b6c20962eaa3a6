"""``AddressRepository`` in a Python process (the memory record's address book)."""

from __future__ import annotations

from dataclasses import replace

from flashsale.customers.saved_addresses import AddressFields, SavedAddress


class MemoryAddressRepository:
    def __init__(self) -> None:
        self._books: dict[str, list[SavedAddress]] = {}

    async def saved_addresses(self, customer_id: str) -> list[SavedAddress]:
        book = self._books.get(customer_id, [])
        return sorted(book, key=lambda saved: (not saved.is_default, saved.created_at, saved.id))

    async def add_saved_address(self, saved: SavedAddress, most: int) -> SavedAddress | None:
        book = self._books.setdefault(saved.customer_id, [])
        if len(book) >= most:
            return None
        if saved.is_default or not book:
            book[:] = [replace(other, is_default=False) for other in book]
            saved = replace(saved, is_default=True)
        book.append(saved)
        return saved

    async def replace_saved_address(
        self, customer_id: str, address_id: str, address: AddressFields
    ) -> SavedAddress | None:
        book = self._books.get(customer_id, [])
        for place, saved in enumerate(book):
            if saved.id == address_id:
                book[place] = replace(saved, address=address)
                return book[place]
        return None

    async def remove_saved_address(self, customer_id: str, address_id: str) -> bool:
        book = self._books.get(customer_id, [])
        kept = [saved for saved in book if saved.id != address_id]
        if len(kept) == len(book):
            return False
        if kept and not any(saved.is_default for saved in kept):
            oldest = min(kept, key=lambda saved: (saved.created_at, saved.id))
            kept = [replace(s, is_default=True) if s is oldest else s for s in kept]
        self._books[customer_id] = kept
        return True

    async def make_default_address(self, customer_id: str, address_id: str) -> bool:
        book = self._books.get(customer_id, [])
        if all(saved.id != address_id for saved in book):
            return False
        self._books[customer_id] = [replace(s, is_default=s.id == address_id) for s in book]
        return True
