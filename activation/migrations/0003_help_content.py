"""The help centre's English entries, edited from support article KB2431699.

The rows are frozen in ``0003_help_content.json`` beside this file (the text of
``activation/help_content.py`` when it was frozen), so what this migration writes never
changes. Later edits of the help content reach the database through
``python manage.py load_help_content``. The forward step updates rows in place (keyed by
slug and language).
"""

import json
from pathlib import Path

from django.db import migrations

ROWS = Path(__file__).with_suffix(".json")


def forward(apps, schema_editor):
    HelpEntry = apps.get_model("activation", "HelpEntry")
    for row in json.loads(ROWS.read_text(encoding="utf-8")):
        slug, language = row.pop("slug"), row.pop("language")
        HelpEntry.objects.update_or_create(slug=slug, language=language, defaults=row)


class Migration(migrations.Migration):
    dependencies = [("activation", "0002_roles")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
