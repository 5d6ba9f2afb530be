from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from . import signals  # noqa: F401  (connects the allauth signal handlers)
        from .i18n import connect

        connect()  # the account's language: kept on sign-up, applied on sign-in
