"""Stock in places: locations (distribution centres, later stores), the append-only ledger of
what moved at each, the levels it adds up to, and the sales' allotments committed there."""
