"""The record of truth: one database behind every domain's repository (memory, SQLite,
PostgreSQL)."""
