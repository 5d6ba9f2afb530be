"""The WSGI application gunicorn serves (docs/deploy.md).

Once the application is loaded, everything loaded so far (Django, the apps, their
URLconf and every view module it imports) is moved out of the cyclic garbage
collector's reach with ``gc.freeze()``. Those objects live as long as the process, yet
each full collection walked all of them with every thread of the process stopped:
under a sign-in flood such pauses took 80-110 ms and were the device API's worst
latencies (docs/performance.md, "The device API under a sign-in flood"). Frozen, a full
collection only walks what requests made since.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 (the access imports every view module now)
gc.collect()  # free start-up garbage first: what is frozen is never freed
gc.freeze()
