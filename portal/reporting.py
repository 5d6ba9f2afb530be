"""Error reports never show an activation code, a password or a key.

Django's ``SafeExceptionReporterFilter`` hides settings whose names look secret, but
hides a view's local variables and POST fields only where the view is decorated
(``sensitive_variables``, ``sensitive_post_parameters``), and with DEBUG on it hides
nothing of the request at all. A code passes through many plain variables on its way
(``plaintext``, ``canonical``, ``shown``, a parsed JSON body...), so this filter, used for
the DEBUG error page and for error reports mailed to ADMINS alike, also hides:

- variables and POST fields whose names say they hold a code or a secret;
- any variable, POST field or request header whose text holds something shaped like an
  activation code (``activation.codes.CODE_LIKE_RE``: 20 code symbols or more, with or
  without dashes, in any case), whatever its name.

Logs are redacted separately (``portal.logging``).
"""

import re
from pprint import pformat

from django.views.debug import SafeExceptionReporterFilter

from activation.codes import CODE_LIKE_RE

# Local variable and POST field names that hold a code or a secret in this project.
SENSITIVE_NAME_RE = re.compile(
    r"(?i)(?:plain(?:text)?|plain_?code|canonical|typed(?:_code)?|shown|raw|"
    r"(?:\w+_)?code|codes|secret\w*|\w*password\w*|\w*passwd\w*|\w*token\w*|"
    r"(?:\w+_)?keys?|authorization|cookie)"
)


def holds_code(value) -> bool:
    """Whether ``value``'s text (as an error page would print it) holds a code."""
    if isinstance(value, bytes | bytearray | memoryview):
        text = bytes(value).decode("latin-1")
    elif isinstance(value, str):
        text = value
    else:
        try:
            text = pformat(value)
        except Exception:  # the reporter prints its own error text for such a value
            return False
    return bool(CODE_LIKE_RE.search(text))


class CodeSafeExceptionReporterFilter(SafeExceptionReporterFilter):
    # Django's list, plus where connection URLs with passwords may sit.
    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|LOCATION|REDIS|DATABASE_URL",
        flags=re.IGNORECASE,
    )

    def is_active(self, request):
        # Also with DEBUG on: a development page is still a screen someone can see.
        return True

    def _hide(self, name, value) -> bool:
        return bool(SENSITIVE_NAME_RE.fullmatch(str(name))) or holds_code(value)

    def get_traceback_frame_variables(self, request, tb_frame):
        return [
            (name, self.cleansed_substitute if self._hide(name, value) else value)
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]

    def get_post_parameters(self, request):
        if request is None:
            return {}
        parameters = super().get_post_parameters(request)
        if not any(self._hide(name, parameters.getlist(name)) for name in parameters):
            return parameters
        cleansed = parameters.copy()
        for name in parameters:
            if self._hide(name, parameters.getlist(name)):
                cleansed[name] = self.cleansed_substitute
        return cleansed

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        return {
            name: self.cleansed_substitute if holds_code(value) else value
            for name, value in meta.items()
        }
