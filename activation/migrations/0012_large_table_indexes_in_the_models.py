"""The seven indexes of 0008 declared on the models (``Ticket.Meta.indexes``,
``Device.Meta.indexes``), so that Django's model state knows them.

0008 created them in raw SQL on PostgreSQL only (``CREATE INDEX IF NOT EXISTS``, so an
operator may build them beforehand with ``CREATE INDEX CONCURRENTLY``). Here the state
gains them and the database gets whichever of them it lacks, by name: nothing on a
PostgreSQL database that ran 0008 (same names, same definitions), all but the trigram
index on SQLite (``PostgresGinIndex`` is no statement there: no GIN, no operator
classes). Backwards drops them again, so the database keeps matching the state both
ways.

``pg_trgm`` is 0008's (``CREATE EXTENSION IF NOT EXISTS``), not a ``TrigramExtension``
operation here: going back, that would drop the extension, which the accounts' e-mail
search index (accounts 0003) needs too.
"""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.db import migrations, models

import activation.models.indexes

INDEXES = [
    ("device", models.Index(fields=["created_at"], name="device_created_idx")),
    (
        "device",
        models.Index(
            django.db.models.functions.text.Upper("serial"), name="device_serial_upper_idx"
        ),
    ),
    ("ticket", models.Index(fields=["created_at"], name="ticket_created_idx")),
    (
        "ticket",
        models.Index(
            condition=models.Q(("status__in", ["new", "in_progress", "waiting", "code_issued"])),
            fields=["created_at"],
            name="ticket_open_created_idx",
        ),
    ),
    (
        "ticket",
        models.Index(
            django.db.models.functions.text.Upper("reference"), name="ticket_reference_upper_idx"
        ),
    ),
    (
        "ticket",
        models.Index(
            django.db.models.functions.text.Upper("caller_email"),
            name="ticket_caller_email_upper_idx",
        ),
    ),
    (
        "ticket",
        activation.models.indexes.PostgresGinIndex(
            django.contrib.postgres.indexes.OpClass(
                django.db.models.functions.text.Upper("caller_email"), name="gin_trgm_ops"
            ),
            name="ticket_caller_email_trgm_idx",
        ),
    ),
]


def _existing(schema_editor, model):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, model._meta.db_table))


def create_missing(apps, schema_editor):
    for model_name, index in INDEXES:
        model = apps.get_model("activation", model_name)
        if index.name not in _existing(schema_editor, model):
            schema_editor.add_index(model, index)


def drop(apps, schema_editor):
    for model_name, index in INDEXES:
        model = apps.get_model("activation", model_name)
        if index.name in _existing(schema_editor, model):
            schema_editor.remove_index(model, index)


class Migration(migrations.Migration):
    dependencies = [
        ("activation", "0011_lock_is_an_agents"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(model_name=model_name, index=index)
                for model_name, index in INDEXES
            ],
            database_operations=[migrations.RunPython(create_missing, drop, elidable=False)],
        ),
    ]
