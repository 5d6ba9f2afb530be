"""The portal serves its pages and the admin."""

import pytest
from django.urls import reverse

from activation.models import SupportContact


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
