"""URLs of the device API, mounted at ``/api/v1/``."""

from django.urls import path

from . import api

urlpatterns = [
    path("activations", api.activations, name="api_activations"),
    path("deferrals", api.deferrals, name="api_deferrals"),
    path("keys", api.keys, name="api_keys"),
    path("openapi.json", api.openapi_document, name="api_openapi"),
]
