"""The two staff roles, with their permissions.

Permissions are normally created after all migrations run; this migration creates
them first so the groups can be filled on a fresh database.
"""

from django.db import migrations

from activation.roles import ensure_roles



def forward(apps, schema_editor):
    ensure_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("activation", "0001_initial"),
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
