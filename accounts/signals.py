"""A caller who phoned support before having an account sees their request once they
sign up: on e-mail verification, phone requests recorded under that e-mail (and the
phone, if nobody owns it yet) become theirs.
"""

from allauth.account.signals import email_confirmed
from django.dispatch import receiver

from activation.models import Ticket


@receiver(email_confirmed)
def attach_phone_requests(sender, request=None, email_address=None, **kwargs):
    if email_address is None or not email_address.email:
        return
    Ticket.objects.attach_phone_requests(email_address.user, email_address.email)
