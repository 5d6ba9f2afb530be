"""The help centre in German, Spanish, French, Italian, Japanese and Brazilian Portuguese.

The languages join settings.LANGUAGES (the choices below); the text lives in
``activation/help_content_i18n/``. Like 0003, re-running the forward step updates the
rows in place, keyed by slug and language.
"""

from django.db import migrations, models


def forward(apps, schema_editor):
    from activation import help_content_i18n

    HelpEntry = apps.get_model("activation", "HelpEntry")
    for row in help_content_i18n.rows():
        slug, language = row.pop("slug"), row.pop("language")
        HelpEntry.objects.update_or_create(slug=slug, language=language, defaults=row)


def backward(apps, schema_editor):
    from activation import help_content_i18n

    HelpEntry = apps.get_model("activation", "HelpEntry")
    HelpEntry.objects.filter(language__in=list(help_content_i18n.MODULES)).delete()


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
