"""Indexes for the desk's lists and searches at millions of rows (PostgreSQL only).

The admin lists page by ``created_at`` and search each field on its own
(``activation/admin/common.py``: ``LargeTableAdmin``); Django compiles ``=field`` to
``UPPER(field::text) = UPPER(...)`` and a partial search to ``UPPER(field::text) LIKE``,
which only an index on that same expression (or a trigram index) can serve. The indexes
are not in the models' ``Meta.indexes`` because expression and trigram indexes are
PostgreSQL's own; SQLite databases (``make run``, the default test run) skip them.

On a large live table, create them first with ``CREATE INDEX CONCURRENTLY`` and the same
names: ``IF NOT EXISTS`` then skips them here.

Since 0012 the models declare them (``Meta.indexes``; the trigram one as
``PostgresGinIndex``, no statement on SQLite), so Django's model state knows them; 0012
creates on SQLite the ones that do not need PostgreSQL.
"""

from django.db import migrations

INDEXES = [
    ("ticket_created_idx", "activation_ticket (created_at)"),
    # The queue (open requests, oldest first): the open ones are the newest, so walking
    # the whole table's created_at index from the oldest would read all of history.
    (
        "ticket_open_created_idx",
        "activation_ticket (created_at) "
        "WHERE status IN ('new', 'in_progress', 'waiting', 'code_issued')",
    ),
    ("ticket_reference_upper_idx", "activation_ticket (UPPER(reference::text))"),
    ("ticket_caller_email_upper_idx", "activation_ticket (UPPER(caller_email::text))"),
    (
        "ticket_caller_email_trgm_idx",
        "activation_ticket USING gin (UPPER(caller_email::text) gin_trgm_ops)",
    ),
    ("device_created_idx", "activation_device (created_at)"),
    ("device_serial_upper_idx", "activation_device (UPPER(serial::text))"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, target in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("activation", "0007_account_deleted_and_erasure_role"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
