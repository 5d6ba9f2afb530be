"""The WSGI application gunicorn serves (docs/deploy.md).

Once the application is loaded, everything loaded so far (Django, the apps, their
URLconf and every view module it imports) is moved out of the cyclic garbage
collector's reach with ``gc.freeze()``. Those objects live as long as the process, yet
a full collection walks all of them with the process stopped. It pays on the device
API's own servers (docs/deploy.md's layout): the API's p99 with activations at a steady
100 a second was 10.8-15.0 ms with the freeze and 24-40 ms without it, measured in the
same runs (issue 16, docs/performance.md, "Complexity that pays for itself").
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
