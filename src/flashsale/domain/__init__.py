"""The pure core: entities, invariants, errors. No I/O, no clocks, no asyncio."""
