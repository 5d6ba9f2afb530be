"""Bring the help centre's rows up to date with ``activation/help_content.py`` and
``activation/help_content_i18n/``.

Migrations 0003 and 0005 load the content frozen beside them; run this after deploying a
release that edits the help text (``make run`` runs it on every start). Rows are updated
in place, keyed by slug and language: feedback on an entry stays attached to it, and an
agent's edit of an entry's text in the admin is replaced by the file's.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from activation import help_content, help_content_i18n
from activation.models import HelpEntry


class Command(BaseCommand):
    help = "Load the help centre's current text (every language) into the database."

    def handle(self, *args, **options):
        created = updated = 0
        with transaction.atomic():
            for row in [*help_content.rows(), *help_content_i18n.rows()]:
                slug, language = row.pop("slug"), row.pop("language")
                _, new = HelpEntry.objects.update_or_create(
                    slug=slug, language=language, defaults=row
                )
                created += new
                updated += not new
        self.stdout.write(f"Help content: {created} entries created, {updated} updated.")
