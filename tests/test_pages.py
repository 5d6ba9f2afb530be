"""The portal serves its pages and the admin."""

import html
import re
from urllib.robotparser import RobotFileParser

import pytest
from django.urls import reverse

from activation.demo import enrol_demo_mfa
from activation.models import SupportContact
from tests.conftest import url_patterns


def test_home_page_explains_and_leads_to_a_request(client, db):
    SupportContact.objects.create(country_code="DE", country="Germany", phone="0800 284 8283")
    response = client.get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "ACTIVATE WINDOWS PHONE" in body
    assert "(800) MICROSOFT (642-7676)" in body
    assert "Germany: 0800 284 8283" in body
    assert '<html lang="en">' in body
    assert 'id="main"' in body


def test_pages_carry_a_content_security_policy(client, db):
    response = client.get(reverse("home"))
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


def test_admin_asks_anonymous_visitors_to_sign_in(client, db):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/login/" in response.headers["Location"]


def test_staff_reach_the_admin(client, agent):
    from activation.demo import enrol_demo_mfa

    enrol_demo_mfa(agent)  # staff open the admin only with two-factor authentication
    client.force_login(agent)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "Tickets" in response.content.decode()


@pytest.mark.parametrize("url", ["/", "/healthz"])
def test_state_free_pages_refuse_post(client, db, url):
    assert client.post(url).status_code == 405


def test_healthz(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok"


# Site basics: HEAD, robots.txt, favicon, descriptions and titles -----------------------------

ALL_PAGES = list(url_patterns())


@pytest.fixture
def visitors(customer, django_user_model):
    """Anonymous, a customer, and a superuser with a second factor (every staff page)."""
    root = django_user_model.objects.create_superuser(
        email="root@example.com", password="a-long-root-password-42"
    )
    enrol_demo_mfa(root)
    return [None, customer, root]


def as_each(client, visitors):
    for visitor in visitors:
        client.logout()
        if visitor is not None:
            client.force_login(visitor)
        yield visitor


@pytest.mark.parametrize(
    "url", [url for url, _, _ in ALL_PAGES], ids=[name or url for url, name, _ in ALL_PAGES]
)
def test_every_page_that_answers_get_answers_head(client, visitors, url):
    for visitor in as_each(client, visitors):
        get, head = client.get(url), client.head(url)
        if get.status_code != 405:
            # Not always the same status: Django's admin login redirects signed-in staff
            # on GET only, and shows HEAD its form.
            assert head.status_code not in {405, 500}, f"HEAD {url} as {visitor}"
            assert get.status_code != 200 or head.status_code == 200, f"HEAD {url}"
            assert head.content == b""


def test_robots_txt_keeps_crawlers_out_of_every_private_page(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    robots = RobotFileParser()
    robots.parse(b"".join(response.streaming_content).decode().splitlines())

    private = ["/simulator/", "/api/v1/keys", "/metrics"]
    for url, _, _ in ALL_PAGES:
        answer = client.get(url)
        if answer.status_code == 302 and "/login/" in answer.headers["Location"]:
            private.append(url)  # a stranger is asked to sign in (portal or admin)
    assert "/devices/" in private and "/admin/" in private and "/reports/" in private
    for url in private:
        assert not robots.can_fetch("*", url), url
    for url in ["/", "/help/", reverse("help_entry", args=["activation-failed"])]:
        assert robots.can_fetch("*", url), url


def test_a_small_favicon_is_served_from_the_site(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body[:4] == b"\x00\x00\x01\x00" and len(body) < 2048  # an icon file, small
    assert client.head("/favicon.ico").status_code == 200
    assert 'rel="icon" href="/favicon.ico"' in client.get("/").content.decode()


def html_pages(client, visitors):
    """``(name, body)`` of every page of the URLconf that answers GET with HTML."""
    for visitor in as_each(client, visitors):
        for url, name, _ in ALL_PAGES:
            response = client.get(url)
            if response.status_code == 200 and "html" in response.headers["Content-Type"]:
                yield visitor, name or url, response.content.decode()


def head_text(pattern, body):
    found = re.search(pattern, body, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", found[1])) if found else None


PUBLIC_PAGES = ["home", "help_index", "account_login", "account_signup", "account_reset_password"]


def test_every_page_has_a_description_and_public_pages_their_own(client, visitors):
    descriptions = {}
    for visitor, name, body in html_pages(client, visitors[:2]):
        description = head_text(r'<meta name="description" content="([^"]*)"', body)
        assert description and description.strip() == description, name
        if visitor is None:
            descriptions[name] = description
    help_entry = client.get(reverse("help_entry", args=["activation-failed"]))
    descriptions["help_entry"] = head_text(
        r'<meta name="description" content="([^"]*)"', help_entry.content.decode()
    )
    public = [descriptions[name] for name in [*PUBLIC_PAGES, "help_entry"]]
    assert len(set(public)) == len(public)


# What the header menu and the account menu call pages.
MENU = {
    "account_login": "Sign in",
    "account_signup": "Create account",
    "help_index": "Help",
    "device_list": "My phones",
    "ticket_list": "My requests",
    "account": "Account",
}


def test_every_title_is_trimmed_and_says_what_the_heading_or_menu_says(client, visitors):
    checked = set()
    for _, name, body in html_pages(client, visitors[:2]):
        title = head_text(r"<title>(.*?)</title>", body)
        assert title and title == title.strip(), f"{name}: {title!r}"
        if name == "home":
            continue  # the site's name is its title
        first = title.split(" – ")[0]
        heading = " ".join((head_text(r"<h1[^>]*>(.*?)</h1>", body) or "").split())
        assert first in {heading, MENU.get(name)}, f"{name}: title {first!r}, h1 {heading!r}"
        checked.add(name)
    assert {"account_login", "account_signup", "account_email", "mfa_index"} <= checked
