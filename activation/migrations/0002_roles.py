"""The two staff roles, with their permissions.

Permissions are normally created after all migrations run; this migration creates
them first so the groups can be filled on a fresh database.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

AGENT_PERMISSIONS = {
    "activation": [
        "view_device", "change_device",
        "view_activationcode", "issue_code",
        "view_ticket", "add_ticket", "change_ticket",
        "view_ticketmessage", "add_ticketmessage",
        "view_activationattempt", "view_auditevent",
        "view_helpentry", "add_helpentry", "change_helpentry",
        "view_supportcontact", "add_supportcontact", "change_supportcontact",
        "view_cannedreply", "add_cannedreply", "change_cannedreply",
        "view_helpfeedback",
    ],
    "accounts": ["view_user"],
}
MANAGER_EXTRA = {
    "activation": [
        "add_device", "import_devices", "export_reports", "view_dashboard",
        "override_code_limit", "delete_helpentry", "delete_supportcontact",
        "delete_cannedreply",
    ],
}


def forward(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def permissions(spec):
        for app_label, codenames in spec.items():
            yield from Permission.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )

    agents, _ = Group.objects.get_or_create(name="Support agents")
    agents.permissions.add(*permissions(AGENT_PERMISSIONS))
    managers, _ = Group.objects.get_or_create(name="Support managers")
    managers.permissions.add(*permissions(AGENT_PERMISSIONS), *permissions(MANAGER_EXTRA))


class Migration(migrations.Migration):
    dependencies = [
        ("activation", "0001_initial"),
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
