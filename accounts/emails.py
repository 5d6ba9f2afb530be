"""Account e-mail: the confirmation that an account and its personal data were deleted.

Sent by a ``django.tasks`` task through ``activation/emails.py`` like the request mail. The
address is a task argument because, once the account is erased, it exists nowhere
else; with the database task backend the finished job row still holds it, so
``purge_expired`` deletes finished jobs of this task.
"""

from django.conf import settings
from django.tasks import task
from django.urls import reverse

from activation import emails


@task()
def send_account_deleted(email: str, language: str = ""):
    emails.send(
        email,
        "account_deleted",
        {"link": settings.SITE_URL + reverse("account_signup")},
        language or None,
    )
