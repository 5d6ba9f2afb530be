"""Indexes for searching customers by e-mail in the desk (PostgreSQL only).

The desk searches ``=customer__email`` / ``=owner__email`` and then ``customer__email``,
which Django compiles to ``UPPER(email::text) = UPPER(...)`` and ``UPPER(email::text)
LIKE UPPER('%...%')``: a B-tree and a trigram index on that expression serve them.
SQLite databases skip them. On a large live table, create them first with ``CREATE INDEX
CONCURRENTLY`` and the same names.
"""

from django.db import migrations

INDEXES = [
    ("user_email_upper_idx", "accounts_user (UPPER(email::text))"),
    ("user_email_upper_trgm_idx", "accounts_user USING gin (UPPER(email::text) gin_trgm_ops)"),
]


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, target in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, _ in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_alter_user_language"),
    ]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
