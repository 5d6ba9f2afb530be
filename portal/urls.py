from django.contrib import admin
from django.urls import include, path

from accounts import i18n
from activation import simulator
from activation import views as activation_views

from . import metrics

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    # Django's set_language, which also saves the choice on a signed-in account.
    path("i18n/setlang/", i18n.set_language, name="set_language"),
    path("api/v1/", include("activation.api_urls")),
    path("simulator/", simulator.simulator, name="simulator"),
    path("reports/", include("activation.report_urls")),
    path("metrics", metrics.metrics_view, name="metrics"),
    # Personal data (no object in the URL: always the signed-in account's own).
    path("account/data/", activation_views.account_data, name="account_data"),
    path("account/delete/", activation_views.account_delete, name="account_delete"),
    path("", include("activation.urls")),
]
