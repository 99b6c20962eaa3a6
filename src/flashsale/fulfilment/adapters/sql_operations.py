"""The SQL record of the warehouse's work after allocation, as one mixin for
``record/sql_store.py``."""

from __future__ import annotations

from flashsale.fulfilment.adapters.sql_returns import SqlReturnRepository
from flashsale.fulfilment.adapters.sql_shipments import SqlShipmentRepository
from flashsale.fulfilment.adapters.sql_waves import SqlWaveRepository


class SqlFulfilmentOperations(SqlWaveRepository, SqlShipmentRepository, SqlReturnRepository):
    pass
