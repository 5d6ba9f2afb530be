"""Proof of possession: the short request code a phone shows when activation fails.

Interface used by the customer's request form (activation/views.py). The derivation
and checks are implemented with the API (issue 5); until then no request code is
accepted and every request goes to the agents' queue.
"""


def instant_issue(ticket, typed_request_code, customer):
    """Issue a code at once if ``typed_request_code`` proves the customer holds the phone.

    Returns ``(code, plaintext)`` when a code was issued, None when the request stays
    in the queue (wrong request code, unverified e-mail, misuse, or the 30-day limit).
    """
    return None
