"""Print a fresh value for DJANGO_SECRET_KEY.

Runs on a bare host, before any setting is valid (manage.py runs it without loading the
settings), like generate_activation_key.
"""

import secrets

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print a new random value for DJANGO_SECRET_KEY."
    # No settings are loaded when manage.py runs this: there is nothing to check.
    requires_system_checks = []

    def handle(self, *args, **options):
        # URL-safe: the value goes into environment files and shells unquoted.
        self.stdout.write(secrets.token_urlsafe(50))
