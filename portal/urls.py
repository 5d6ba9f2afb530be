from django.contrib import admin
from django.urls import include, path

from accounts import i18n
from activation import simulator

from . import metrics, views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    # Django's set_language, which also saves the choice on a signed-in account.
    path("i18n/setlang/", i18n.set_language, name="set_language"),
    path("api/v1/", include("activation.api_urls")),
    path("simulator/", simulator.simulator, name="simulator"),
    path("reports/", include("activation.report_urls")),
    path("metrics", metrics.metrics_view, name="metrics"),
    # Operators' probes: alive (always 200) and ready for traffic (503 naming what fails).
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("account/", include("accounts.urls")),
    path("", include("activation.urls")),
]
