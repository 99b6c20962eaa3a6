"""The SQL engine (SQLite embedded, PostgreSQL scale-out), column types, the writer thread and the
one Alembic tree.
"""
