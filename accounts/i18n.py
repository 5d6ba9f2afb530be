"""The customer's language, kept on the account (``User.language``).

- Switching language with the switcher (``set_language``) saves it on a signed-in
  account, so e-mails (activation/emails.py) follow the same choice.
- Signing in switches the browser to the account's language (the language cookie is
  what ``LocaleMiddleware`` reads).
- Signing up keeps the language the visitor was reading the portal in.

The handlers are connected in ``AccountsConfig.ready()``.
"""

from allauth.account.signals import user_logged_in, user_signed_up
from django.conf import settings
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language


def _supported(language: str | None) -> str | None:
    return language if language in dict(settings.LANGUAGES) else None


def _set_cookie(response, language: str):
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@require_POST
def set_language(request):
    """Django's ``set_language`` (cookie + redirect), and the choice saved on the account."""
    response = django_set_language(request)
    cookie = response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
    # Django accepts any language it ships; the account keeps only the portal's own.
    language = _supported(cookie.value) if cookie else None
    user = request.user
    if language and user.is_authenticated and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return response


def activate_account_language(sender, request=None, response=None, user=None, **kwargs):
    """On sign-in, read the portal in the account's language from now on."""
    language = _supported(getattr(user, "language", None))
    if not language:
        return
    translation.activate(language)
    if request is not None:
        request.LANGUAGE_CODE = language
    if response is not None:
        _set_cookie(response, language)


def keep_signup_language(sender, request=None, user=None, **kwargs):
    """A new account starts in the language its owner signed up in."""
    language = _supported(translation.get_language())
    if user is not None and language and user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def connect():
    user_signed_up.connect(keep_signup_language, dispatch_uid="accounts.i18n.signup")
    user_logged_in.connect(activate_account_language, dispatch_uid="accounts.i18n.login")
