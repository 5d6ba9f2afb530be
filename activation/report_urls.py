"""The managers' dashboard; included at /reports/ by portal/urls.py."""

from django.urls import path

from . import reports

urlpatterns = [
    path("", reports.dashboard, name="reports_dashboard"),
    path("data/<slug:slug>.csv", reports.chart_csv, name="reports_chart_csv"),
]
