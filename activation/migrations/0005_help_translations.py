"""The help centre in German, Spanish, French, Italian, Japanese and Brazilian Portuguese.

The languages join settings.LANGUAGES (the choices below). Like 0003, the rows are
frozen in ``0005_help_translations.json`` beside this file (the text of
``activation/help_content_i18n/`` when it was frozen); later edits reach the database
through ``python manage.py load_help_content``. The forward step updates rows in place,
keyed by slug and language.
"""

import json
from pathlib import Path

from django.db import migrations, models

ROWS = Path(__file__).with_suffix(".json")


def _rows():
    return json.loads(ROWS.read_text(encoding="utf-8"))


def forward(apps, schema_editor):
    HelpEntry = apps.get_model("activation", "HelpEntry")
    for row in _rows():
        slug, language = row.pop("slug"), row.pop("language")
        HelpEntry.objects.update_or_create(slug=slug, language=language, defaults=row)


def backward(apps, schema_editor):
    HelpEntry = apps.get_model("activation", "HelpEntry")
    HelpEntry.objects.filter(language__in={row["language"] for row in _rows()}).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('activation', '0004_audit_actions'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='cannedreply',
            options={'ordering': ['title'], 'verbose_name': 'canned reply', 'verbose_name_plural': 'canned replies'},
        ),
        migrations.AlterModelOptions(
            name='helpentry',
            options={'ordering': ['section', 'position', 'title'], 'verbose_name': 'help entry', 'verbose_name_plural': 'help entries'},
        ),
        migrations.AlterField(
            model_name='helpentry',
            name='language',
            field=models.CharField(choices=[('en', 'English'), ('de', 'Deutsch'), ('es', 'Español'), ('fr', 'Français'), ('it', 'Italiano'), ('ja', '日本語'), ('pt-br', 'Português (Brasil)')], default='en', max_length=10),
        ),
        migrations.RunPython(forward, backward),
    ]
