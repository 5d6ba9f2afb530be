"""Customer-facing pages."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .models import SupportContact


@require_GET
def home(request):
    contacts = SupportContact.objects.all()[:5]
    return render(request, "activation/home.html", {"contacts": contacts})


@require_GET
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
