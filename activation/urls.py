from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("help/", views.help_index, name="help_index"),
    path("help/<slug:slug>/", views.help_entry, name="help_entry"),
    path("help/<slug:slug>/feedback/", views.help_feedback, name="help_feedback"),
    path("devices/", views.device_list, name="device_list"),
    path("devices/new/", views.device_add, name="device_add"),
    # E-mails link to device_detail and ticket_detail: keep these names.
    path("devices/<uuid:public_id>/", views.device_detail, name="device_detail"),
    path("devices/<uuid:public_id>/request/", views.request_code, name="request_code"),
    path("devices/<uuid:public_id>/reveal/", views.reveal_code, name="reveal_code"),
    path("requests/", views.ticket_list, name="ticket_list"),
    path("requests/<str:reference>/", views.ticket_detail, name="ticket_detail"),
    path("requests/<str:reference>/reply/", views.ticket_reply, name="ticket_reply"),
    path("requests/<str:reference>/outcome/", views.ticket_outcome, name="ticket_outcome"),
]
