"""An index type that only PostgreSQL has, declared so that SQLite runs without it.

The desk searches requests by the caller's e-mail with a partial match
(``activation/admin/common.py``), which Django compiles to ``UPPER(field::text) LIKE``;
on PostgreSQL a GIN trigram index (``pg_trgm``) on ``UPPER(field)`` serves it. SQLite
has neither GIN nor operator classes, and the SQLite databases (``make run``, the
default test run) are small enough to go without: there the index is no statement at
all, so migrations and SQLite's table rebuilds pass over it.
"""

from django.contrib.postgres.indexes import GinIndex


class PostgresGinIndex(GinIndex):
    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return f"-- {self.name}: PostgreSQL only"
        return super().create_sql(model, schema_editor, using=using, **kwargs)

    def remove_sql(self, model, schema_editor, **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return f"-- {self.name}: PostgreSQL only"
        return super().remove_sql(model, schema_editor, **kwargs)
