"""Responses that show a code: never cached, never kept, never referred.

Every page that shows an activation code (the customer's "Show my code", the agent's
one-time "issued code" page, the staff reveal) or a request code (the phone simulator:
it gets a new code at once) goes through ``secret_response``, as docs/security.md
promises: the browser keeps no copy and no Referer leaves the page, not even to this
site's own pages (the site-wide policy is ``same-origin``).
"""

from functools import wraps

from django.utils.cache import add_never_cache_headers


def secret_response(response):
    add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
    response["Referrer-Policy"] = "no-referrer"
    return response


def code_page(view):
    """``secret_response`` for everything a view answers (its redirects too)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        return secret_response(view(request, *args, **kwargs))

    return wrapper
