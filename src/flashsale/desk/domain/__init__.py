"""The desk's pure model: cases and their life, business calendars and SLA clocks, routing,
macros and the answers the record gives by itself. No I/O, no clock reads."""
