"""Re-protect every activation code under the current (first) key.

Safe to interrupt and run again: each batch commits on its own and every row keeps
the id of the key that protects it, so a second run carries on where the first one
stopped and no code is ever unreadable.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count

from accounts.adapter import reencrypt_authenticators
from activation import codes
from activation.models import ActivationCode, AuditEvent


class Command(BaseCommand):
    help = "Re-encrypt and re-digest every activation code under the first ACTIVATION_KEYS key."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        current = codes.keyring().current.id
        configured = {key.id for key in codes.keyring()}
        # Grouped and counted in the database: a million codes under a missing key are
        # one line for the operator.
        missing = (
            ActivationCode.objects.exclude(key_version__in=configured)
            .values("key_version")
            .annotate(count=Count("pk"))
            .order_by("key_version")
        )
        if missing:
            lines = "".join(
                f"\n  {row['key_version']}: {row['count']} code{'' if row['count'] == 1 else 's'}"
                for row in missing
            )
            raise CommandError(
                f"Codes are protected by keys that are not configured:{lines}\n"
                "Put those keys back in ACTIVATION_KEYS (after the current one) and run again."
            )
        rotated = 0
        last_pk = 0
        while True:
            with transaction.atomic():
                batch = list(
                    ActivationCode.objects.select_for_update()
                    .select_related("device")
                    .filter(pk__gt=last_pk)
                    .exclude(key_version=current)
                    .order_by("pk")[:batch_size]
                )
                if not batch:
                    break
                for code in batch:
                    code.set_secret(code.plaintext())
                ActivationCode.objects.bulk_update(
                    batch, ["digest", "ciphertext", "key_version", "hint"]
                )
            rotated += len(batch)
            last_pk = batch[-1].pk
            self.stdout.write(f"  {rotated} codes re-protected…")
        # Staff TOTP secrets are encrypted with the same keys (accounts/adapter.py).
        authenticators = reencrypt_authenticators(batch_size)
        AuditEvent.record(
            AuditEvent.Action.KEYS_ROTATED,
            data={"key": current, "codes": rotated, "authenticators": authenticators},
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{rotated} codes and {authenticators} MFA secrets moved to key {current}. "
                "Everything now uses it; older keys can be removed from ACTIVATION_KEYS."
            )
        )
