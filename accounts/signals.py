"""A caller who phoned support before having an account sees their request once they
sign up: on e-mail verification, phone requests recorded under that e-mail (and the
phone, if nobody owns it yet) become theirs.
"""

from allauth.account.signals import email_confirmed
from django.db import transaction
from django.dispatch import receiver


@receiver(email_confirmed)
def attach_phone_requests(sender, request=None, email_address=None, **kwargs):
    from activation.models import Device, Ticket

    if email_address is None or not email_address.email:
        return
    user = email_address.user
    with transaction.atomic():
        tickets = Ticket.objects.select_for_update().filter(
            customer__isnull=True, caller_email__iexact=email_address.email
        )
        device_ids = list(tickets.values_list("device_id", flat=True))
        if not device_ids:
            return
        tickets.update(customer=user)
        Device.objects.filter(pk__in=device_ids, owner__isnull=True).update(owner=user)
