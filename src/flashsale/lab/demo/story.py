"""The record days the demo re-enacts, as the sources tell them."""

from __future__ import annotations

RECORDS = (
    "10,000 Mi Bands sold out in 22 seconds in India (May 2015), at Rs 999",
    "Mi Fan Festival 2015: 2.11 million phones in 24 hours, 14.6 million fans, 2.08 billion yuan",
    "500,000 orders shipped within 12 hours from 12 distribution centres",
    "The target for 2018: ship 100 million phones",
)
