"""Demo data for `make run`: a manufacturing batch, support contacts and three sign-ins.

Only for development: ``load_demo`` refuses to run with DEBUG off, so these
well-known passwords (and the staff's well-known second factor) never reach a real
deployment.
"""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.utils import encrypt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from .models import ActivationCode, Device, OSVersion, SupportContact, luhn_check_digit

DEMO_USERS = [
    # (e-mail, password, group, is_staff, first name)
    ("customer@example.com", "demo-customer-pass", None, False, "Casey"),
    ("agent@example.com", "demo-agent-pass", "Support agents", True, "Alex"),
    ("manager@example.com", "demo-manager-pass", "Support managers", True, "Morgan"),
]

# Staff must use two-factor authentication to open the admin. The demo agent and manager
# share this TOTP secret (add it to any authenticator app) and these recovery codes
# (each works once; `load_demo` restores them all).
DEMO_TOTP_SECRET = "RS6JJUZILND3I2V3S4GQB6PY3YGPOQDT"  # noqa: S105 (demo only, see above)
DEMO_RECOVERY_CODES = [
    "04962409",
    "20341137",
    "29983766",
    "47531805",
    "62952174",
    "54907378",
    "40205991",
    "23273803",
    "30176107",
    "31135627",
]

SUPPORT_CONTACTS = [
    ("US", "United States", "(800) MICROSOFT (642-7676)", "Every day, 24 hours", 1),
    ("CA", "Canada", "1-877-568-2495", "Every day, 24 hours", 2),
    ("GB", "United Kingdom", "0344 800 2400", "Mon–Fri 8:00–20:00", 3),
    ("DE", "Germany", "0800 284 8283", "Mon–Fri 8:00–20:00", 4),
    ("FR", "France", "09 70 01 90 90", "Mon–Fri 8:00–20:00", 5),
    ("ES", "Spain", "900 150 887", "Mon–Fri 9:00–19:00", 6),
    ("BR", "Brazil", "0800 888 4081", "Mon–Fri 8:00–20:00", 7),
    ("IT", "Italy", "02 3859 1444", "Mon–Fri 9:00–18:00", 8),
    ("JP", "Japan", "0120-54-2244", "Mon–Fri 9:00–18:00", 9),
]

MODELS = [
    ("Lumia 920", OSVersion.WP80),
    ("Lumia 1020", OSVersion.WP81),
    ("Lumia 520", OSVersion.WP81),
    ("Lumia 800", OSVersion.WP78),
    ("HTC HD7", OSVersion.WP75),
]
BATCH = "DEMO-2026-01"
BATCH_SIZE = 40


def imei_with_check_digit(body: str) -> str:
    """Append the Luhn check digit to 14 digits."""
    return body + luhn_check_digit(body)


def demo_imei(index: int) -> str:
    return imei_with_check_digit(f"3520450{index:07d}")


def enrol_demo_mfa(user):
    """Give ``user`` the demo TOTP secret and recovery codes (stored encrypted)."""
    Authenticator.objects.update_or_create(
        user=user,
        type=Authenticator.Type.TOTP,
        defaults={"data": {"secret": encrypt(DEMO_TOTP_SECRET)}},
    )
    Authenticator.objects.update_or_create(
        user=user,
        type=Authenticator.Type.RECOVERY_CODES,
        defaults={
            "data": {
                "seed": encrypt(RecoveryCodes.generate_seed()),
                "used_mask": 0,
                # allauth's format for codes made elsewhere: these fixed ones are used
                # instead of codes derived from the seed.
                "migrated_codes": [encrypt(code) for code in DEMO_RECOVERY_CODES],
            }
        },
    )


@transaction.atomic
def load_demo(stdout=None):
    User = get_user_model()
    users = {}
    for email, password, group, is_staff, first_name in DEMO_USERS:
        user, created = User.objects.get_or_create(
            email=email, defaults={"is_staff": is_staff, "first_name": first_name}
        )
        if created:
            user.set_password(password)
            user.save()
        if group:
            user.groups.add(Group.objects.get(name=group))
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        if is_staff:
            enrol_demo_mfa(user)
        users[email] = user

    for code, country, phone, hours, position in SUPPORT_CONTACTS:
        SupportContact.objects.update_or_create(
            country_code=code,
            defaults={"country": country, "phone": phone, "hours": hours, "position": position},
        )

    created_devices = 0
    for index in range(1, BATCH_SIZE + 1):
        model_name, os_version = MODELS[index % len(MODELS)]
        device, created = Device.objects.get_or_create(
            imei=demo_imei(index),
            defaults={
                "serial": f"SN{index:08d}",
                "model_name": model_name,
                "os_version": os_version,
                "batch": BATCH,
            },
        )
        if created:
            ActivationCode.objects.issue(device, kind=ActivationCode.Kind.FACTORY)
            created_devices += 1

    customer = users["customer@example.com"]
    for index in (1, 2):
        device = Device.objects.get(imei=demo_imei(index))
        device.transfer_to(customer, reason="Demo data", unowned_only=True)
    if stdout:
        stdout.write(f"Demo data ready ({created_devices} new devices in batch {BATCH}).")
    return users
