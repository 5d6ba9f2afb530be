"""Print a fresh key entry usable as (or prepended to) ACTIVATION_KEYS.

Runs on a bare host, before any setting is valid: manage.py runs it without loading the
settings, which refuse to load without ACTIVATION_KEYS.
"""

from django.core.management.base import BaseCommand, CommandError

from activation.keyring import KeyConfigError, generate_key_entry


class Command(BaseCommand):
    help = (
        "Print a new id:key entry for ACTIVATION_KEYS. To rotate, put it first in the "
        "list, restart, then run rotate_activation_keys."
    )
    # No settings are loaded when manage.py runs this: there is nothing to check.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--id", dest="key_id", help="Key id (default: k<date>-<random>).")

    def handle(self, *args, key_id=None, **options):
        try:
            self.stdout.write(generate_key_entry(key_id))
        except KeyConfigError as error:
            raise CommandError(str(error)) from None
