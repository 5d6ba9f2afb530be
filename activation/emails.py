"""Customer e-mail, knowing no models: ``send`` takes an address, a template name under
templates/emails/ (``<name>_subject.txt``, ``<name>.txt``, ``<name>.html``), a context
and a language.

Mail is sent from ``django.tasks`` tasks that call ``send``: ``tickets.send_ticket_email``
and ``devices.send_device_email`` in ``activation/models/`` (queued by
``ticket.notify(event)`` and ``device.notify_code_suspended()``) and
``accounts.emails.send_account_deleted``. With the database backend the job row is
written in the caller's transaction, so a rolled-back change sends nothing. No message
ever carries an activation code: templates get references, states and links only.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def send(to: str, template: str, context: dict, language: str | None = None):
    """Render ``emails/<template>_subject.txt``, ``.txt`` and ``.html`` in ``language`` (the
    site's default if None) and send them to ``to``. Call it from a task."""
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {"site_url": settings.SITE_URL, **context}
        subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    message.send()
