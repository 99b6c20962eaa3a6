"""The SQL engine (SQLite embedded, PostgreSQL scale-out), the one metadata every domain's tables
are described on, the base every SQL repository shares, column types, the writer thread and the
one Alembic tree.
"""
