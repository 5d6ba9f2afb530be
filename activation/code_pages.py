"""Responses that show an activation code: never cached, never kept, never referred.

Every page that shows an activation code (the customer's "Show my code", the agent's
one-time "issued code" page, the staff reveal) goes through ``secret_response``, as
docs/security.md promises: the browser keeps no copy and no Referer leaves the page, not
even to this site's own pages (the site-wide policy is ``same-origin``).

Such a page has no POST form: under ``no-referrer`` browsers send ``Origin: null`` with
a form post, which Django's CSRF check refuses. Its templates offer links instead (sign
out, "Did the code work?"). The phone simulator shows no activation code (a typed one
is never echoed back) and posts its own form, so it keeps the site-wide policy.

The code itself reaches such a page's template as a ``ShownCode``, whose ``repr`` is
masked.
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


class ShownCode(str):
    """A code on its way into the one page that shows it.

    It is the code's text (the page prints it, code compares with it); only its
    ``repr`` is masked to the last symbols. Django's template engine logs the whole
    context's ``repr`` at DEBUG when a template looks up a missing variable
    (``django.template``), and error reports print contexts too: wrapped, the code stays
    out of those records even before the log handler's redaction sees them.
    """

    __slots__ = ()

    def __repr__(self):
        return f"<code …{self[-5:]}>"
