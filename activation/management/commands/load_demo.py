"""Load the demo data `make run` shows (development only)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from activation.demo import load_demo


class Command(BaseCommand):
    help = "Create demo devices, support contacts and demo sign-ins (idempotent, DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Demo sign-ins have public passwords: load_demo runs only with DJANGO_DEBUG on."
            )
        load_demo(self.stdout)
