"""The portal's URLs plus ``/bench/plain``: a plain Django JSON view, the baseline."""

import json

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from portal.urls import urlpatterns as portal_urlpatterns


@csrf_exempt
def plain(request):
    data = json.loads(request.body)
    return JsonResponse({"status": "ok", "imei": data["imei"]})


urlpatterns = [path("bench/plain", plain), *portal_urlpatterns]
