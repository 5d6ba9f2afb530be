"""The agents' help desk in the Django admin.

One module per concern: the request queue and the work on one request (``tickets``),
codes (``codes``), phones and their activation attempts (``devices``), help content,
support contacts and canned replies (``content``), and the audit log (``audit``).
Secret columns (digests, ciphertexts) are never shown; a code appears in plaintext only
in the one response that issues or reveals it.
"""

from . import audit, codes, content, devices, tickets  # noqa: F401  (registers the admins)
