"""The order book's SQL specialisations (SQLite and PostgreSQL) and the sandbox payment gateway."""
