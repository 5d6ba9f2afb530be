"""The two staff roles and their permissions.

Created by migration 0002_roles (with the historical app registry); ``ensure_roles()``
with no argument repairs them on a live database, e.g. after adding a permission.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

AGENT_PERMISSIONS = {
    "activation": [
        "view_device",
        "change_device",
        "view_activationcode",
        "issue_code",
        "view_ticket",
        "add_ticket",
        "change_ticket",
        "view_ticketmessage",
        "add_ticketmessage",
        "view_activationattempt",
        "view_auditevent",
        "view_helpentry",
        "add_helpentry",
        "change_helpentry",
        "view_supportcontact",
        "add_supportcontact",
        "change_supportcontact",
        "view_cannedreply",
        "add_cannedreply",
        "change_cannedreply",
        "view_helpfeedback",
    ],
    "accounts": ["view_user"],
}
MANAGER_EXTRA = {
    # Erasing a caller's personal data (activation.privacy); hard deletes stay off.
    "accounts": ["delete_user"],
    "activation": [
        "add_device",
        "import_devices",
        "export_reports",
        "view_dashboard",
        "override_code_limit",
        "delete_helpentry",
        "delete_supportcontact",
        "delete_cannedreply",
    ],
}


def ensure_roles(apps=global_apps):
    for app_config in apps.get_app_configs():
        if apps is global_apps:
            create_permissions(app_config, verbosity=0)
            continue
        # Historical app configs have no models module; create_permissions skips those.
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
