"""The account pages' URLs, all under ``/account/`` (allauth's own are under ``/accounts/``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.account, name="account"),
    # Personal data (no object in the URL: always the signed-in account's own).
    path("data/", views.account_data, name="account_data"),
    path("delete/", views.account_delete, name="account_delete"),
]
