"""The help centre's English entries, edited from support article KB2431699.

The text lives in ``activation/help_content.py`` so it reads as prose; re-running
this migration's forward step updates the rows in place (keyed by slug and language).
"""

from django.db import migrations


def forward(apps, schema_editor):
    from activation import help_content

    HelpEntry = apps.get_model("activation", "HelpEntry")
    for row in help_content.rows():
        slug, language = row.pop("slug"), row.pop("language")
        HelpEntry.objects.update_or_create(slug=slug, language=language, defaults=row)


class Migration(migrations.Migration):
    dependencies = [("activation", "0002_roles")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
