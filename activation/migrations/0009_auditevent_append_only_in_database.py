"""The audit log is append-only in the database too (PostgreSQL only).

A trigger refuses UPDATE, DELETE and TRUNCATE on ``activation_auditevent``, whoever
sends them (the ORM, raw SQL, a console), with two exceptions:

- an UPDATE that only sets ``ip`` to NULL: account erasure (``activation/privacy.py``)
  removes that personal datum and nothing else;
- DELETE or TRUNCATE in a transaction that has set ``portal.audit_purge`` to ``on``
  (``SET LOCAL``): the retention purge, ``AuditEvent.objects.purge()``, which records
  what it removed as a new event.

What an event names (actor, code, phone, request) is PROTECTed: deleting it would
rewrite the event (its link set to NULL), so such deletes are refused in Python with
Django's "protected related objects" message.

The trigger stops the application's own mistakes and a single injected statement. A role
that owns the table can drop the trigger: docs/deploy.md describes running the app as a
role without UPDATE, DELETE and TRUNCATE on the table. SQLite (``make run``, the default
test run) has the model's guard only.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

GUARD = """
CREATE OR REPLACE FUNCTION activation_auditevent_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.ip IS NULL AND to_jsonb(NEW) - 'ip' = to_jsonb(OLD) - 'ip' THEN
            RETURN NEW;
        END IF;
    ELSIF current_setting('portal.audit_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'Audit events are append-only: % on activation_auditevent is refused '
        '(only "manage.py purge_expired" deletes events past their retention period).', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER activation_auditevent_append_only
    BEFORE UPDATE OR DELETE ON activation_auditevent
    FOR EACH ROW EXECUTE FUNCTION activation_auditevent_guard();
CREATE TRIGGER activation_auditevent_no_truncate
    BEFORE TRUNCATE ON activation_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION activation_auditevent_guard();
"""

UNGUARD = """
DROP TRIGGER IF EXISTS activation_auditevent_no_truncate ON activation_auditevent;
DROP TRIGGER IF EXISTS activation_auditevent_append_only ON activation_auditevent;
DROP FUNCTION IF EXISTS activation_auditevent_guard();
"""


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD, params=None)


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNGUARD, params=None)



class Migration(migrations.Migration):

    dependencies = [
        ('activation', '0008_large_table_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('code_issued', 'Code issued'), ('code_revealed', 'Code revealed'), ('code_superseded', 'Code superseded'), ('code_suspended', 'Code suspended'), ('code_revoked', 'Code revoked'), ('code_reinstated', 'Code reinstated'), ('limit_overridden', 'Code limit overridden'), ('device_registered', 'Device registered'), ('ticket_opened', 'Request opened'), ('ticket_status', 'Request status changed'), ('ticket_verified', 'Request verification updated'), ('keys_rotated', 'Keys rotated'), ('account_deleted', 'Account deleted'), ('device_locked', 'Device locked after failed guesses'), ('device_unlocked', 'Device unlocked'), ('exported', 'Report exported'), ('imported', 'Devices imported'), ('audit_purged', 'Audit events past retention deleted')], max_length=20),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='actor',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='code',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='activation.activationcode'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='device',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='activation.device'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='ticket',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='activation.ticket'),
        ),
        migrations.RunPython(guard, unguard, elidable=False),
    ]
