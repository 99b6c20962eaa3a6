"""Tools for running flashsale under test, benchmark and rehearsal; not used by the shop itself."""
