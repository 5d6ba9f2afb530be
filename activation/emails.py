"""Customer e-mail: one function per message, rendered from templates/emails/.

Mail is sent by a ``django.tasks`` task. With the database backend the job row is
written in the caller's transaction, so a rolled-back change sends nothing. No message
ever carries an activation code: templates get references, states and links only.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

EVENTS = {"opened", "code_issued", "rejected", "resolved", "reopened", "reply", "code_suspended"}


def notify(ticket, event: str):
    """Queue the customer's e-mail about ``event`` on ``ticket``."""
    assert event in EVENTS, event
    if ticket.contact_email:
        send_ticket_email.enqueue(ticket.pk, event)


def notify_code_suspended(device):
    """Tell the owner that their code was used on other phones and is suspended."""
    if device.owner_id and device.owner.email:
        send_device_email.enqueue(device.pk, "code_suspended")


def _send(to, template, context, language):
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {"site_url": settings.SITE_URL, **context}
        subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    message.send()


@task()
def send_ticket_email(ticket_pk: int, event: str):
    from .models import Ticket

    ticket = Ticket.objects.select_related("customer", "device").filter(pk=ticket_pk).first()
    if ticket is None or not ticket.contact_email:
        return
    if ticket.customer_id:
        link = settings.SITE_URL + reverse("ticket_detail", args=[ticket.reference])
        language = ticket.customer.language
    else:
        link = settings.SITE_URL + reverse("account_signup")
        language = None
    last_reply = ticket.messages.filter(kind="public").order_by("-created_at").first()
    _send(
        ticket.contact_email,
        "ticket_update",
        {
            "ticket": ticket,
            "event": event,
            "link": link,
            "has_account": bool(ticket.customer_id),
            "reply": last_reply if event == "reply" else None,
        },
        language,
    )


@task()
def send_device_email(device_pk: int, event: str):
    from .models import Device

    device = Device.objects.select_related("owner").filter(pk=device_pk).first()
    if device is None or device.owner is None:
        return
    _send(
        device.owner.email,
        "code_suspended",
        {
            "device": device,
            "link": settings.SITE_URL + reverse("device_detail", args=[device.public_id]),
        },
        device.owner.language,
    )
