from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Placeholders until the customer pages land (issue 3); e-mails link to them.
    path("requests/<str:reference>/", views.home, name="ticket_detail"),
    path("devices/<uuid:public_id>/", views.home, name="device_detail"),
]
