from django.contrib import admin
from django.urls import include, path

from activation import simulator

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("activation.api_urls")),
    path("simulator/", simulator.simulator, name="simulator"),
    path("reports/", include("activation.report_urls")),
    path("", include("activation.urls")),
]
