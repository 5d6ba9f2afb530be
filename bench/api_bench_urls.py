"""The portal's URLs plus the benchmark's anchors (bench/api_activation.py).

``/bench/plain`` is the goal's baseline: a plain Django JSON view. The two ``floor``
views are not the portal; they show the best any design of the activation could do
on the same server and run, with the least I/O an activation needs:

- ``/bench/floor-read``: the per-IP counter (one Redis round trip) and one indexed
  read of the code by digest, then a signed answer. Nothing is recorded: the floor of
  a design that writes attempts and counts behind the response.
- ``/bench/floor-write``: the same, with the read replaced by one autocommit statement
  that counts the use and writes the attempt row. No phone lock and no guess window:
  the floor of any design that records each success durably in the request.
"""

import json

from django.db import connection
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from activation import codes, ratelimit, signing
from activation.http import client_ip
from portal.urls import urlpatterns as portal_urlpatterns

READ = """
SELECT c.id, c.use_count + 1 FROM activation_activationcode c
JOIN activation_device d ON d.id = c.device_id
WHERE d.imei = %(imei)s AND c.status = 'active' AND c.digest = ANY(%(digests)s)
"""
WRITE = """
WITH used AS (
  UPDATE activation_activationcode SET use_count = use_count + 1, last_used_at = %(now)s
  WHERE device_id = (SELECT id FROM activation_device WHERE imei = %(imei)s)
    AND status = 'active' AND digest = ANY(%(digests)s)
  RETURNING id, device_id, use_count
), attempt AS (
  INSERT INTO activation_activationattempt
    (device_id, imei, code_id, ip, result, reason, created_at)
  SELECT device_id, %(imei)s, id, %(ip)s, 'reactivated', '', %(now)s FROM used
)
SELECT id, use_count FROM used
"""


@csrf_exempt
def plain(request):
    data = json.loads(request.body)
    return JsonResponse({"status": "ok", "imei": data["imei"]})


def _floor(sql):
    @csrf_exempt
    def view(request):
        ip = client_ip(request)
        ratelimit.hit("ip", ip, limit=10**9, window=60)
        data = json.loads(request.body)
        now = timezone.now()
        params = {
            "imei": data["imei"],
            "digests": list(codes.candidate_digests(codes.normalise(data["code"]))),
            "now": now,
            "ip": ip,
        }
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        response = JsonResponse(
            {"status": "activated", "reactivation": row[1] > 1, "activated_at": now.isoformat()}
        )
        response[signing.HEADER] = signing.sign(response.content)
        return response

    return view


urlpatterns = [
    path("bench/plain", plain),
    path("bench/floor-read", _floor(READ)),
    path("bench/floor-write", _floor(WRITE)),
    *portal_urlpatterns,
]
