"""What the browser tests share: signing a browser in, the accessibility check, IMEIs."""

import json
import os
import time
from urllib.parse import urlsplit

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client

from activation.models import luhn_check_digit

# axe-core goes in through page.evaluate (DevTools), not a <script> tag, so the page's
# strict Content-Security-Policy stays as it is: no bypass_csp.
_axe = Axe()
BLOCKING = {"serious", "critical"}


def axe_violations(page, impacts=BLOCKING):
    """axe-core's violations on the page as it is now, at the given impacts.

    With AXE_REPORT=<file>, every finding at any impact is also appended to that file
    (one JSON object per line), for a fuller review than the test's pass/fail.
    """
    results = _axe.run(page, options={"resultTypes": ["violations"]})
    violations = results.response["violations"]
    if report := os.environ.get("AXE_REPORT"):
        with open(report, "a", encoding="utf-8") as file:
            for v in violations:
                targets = [" ".join(node["target"]) for node in v["nodes"]]
                line = {"url": page.url, "id": v["id"], "impact": v["impact"], "targets": targets}
                file.write(json.dumps(line) + "\n")
    return [v for v in violations if v["impact"] in impacts]


def describe(violations) -> str:
    lines = []
    for v in violations:
        targets = ", ".join(" ".join(node["target"]) for node in v["nodes"][:3])
        more = f" (+{len(v['nodes']) - 3} more)" if len(v["nodes"]) > 3 else ""
        lines.append(f"{v['impact']}: {v['id']} ({v['help']}) at {targets}{more}")
    return "\n".join(lines)


def assert_accessible(page):
    """No serious or critical axe-core findings on the page."""
    found = axe_violations(page)
    assert not found, f"axe-core on {page.url}:\n{describe(found)}"


def sign_in(context, base_url, user):
    """Give a browser context a signed-in session for ``user`` (no sign-in form)."""
    client = Client()
    client.force_login(user)
    morsel = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": morsel.value,
                # Not "url": Chromium refuses a __Host- cookie given that way.
                "domain": urlsplit(base_url).hostname,
                "path": "/",
                "secure": settings.SESSION_COOKIE_SECURE,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )


def luhn_complete(body: str) -> str:
    """``body`` (14 digits) with its Luhn check digit: a valid IMEI."""
    return body + luhn_check_digit(body)


def totp_now(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def flash(page):
    """The page's messages ("Your phone is in your list."), announced as a status."""
    return page.get_by_role("status").filter(has=page.get_by_role("list"))


def assert_pages_accessible(page, addresses: dict):
    """Open each page (name: address) and check it; one report lists every finding."""
    found = []
    for name, address in addresses.items():
        response = page.goto(address)
        assert response.status == 200, f"{name} ({address}) answered {response.status}"
        if violations := axe_violations(page):
            found.append(f"{name} ({address}):\n{describe(violations)}")
    assert not found, "axe-core, serious or critical:\n" + "\n".join(found)
