"""Use cases of stock: locations, moves, allotments, the audit."""
