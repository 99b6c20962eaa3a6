"""The memory record of the warehouse's work after allocation, as one mixin for
``record/memory_store.py``."""

from __future__ import annotations

from flashsale.fulfilment.adapters.memory_returns import MemoryReturnRepository
from flashsale.fulfilment.adapters.memory_shipments import MemoryShipmentRepository
from flashsale.fulfilment.adapters.memory_waves import MemoryWaveRepository


class MemoryFulfilmentOperations(
    MemoryWaveRepository, MemoryShipmentRepository, MemoryReturnRepository
):
    pass
