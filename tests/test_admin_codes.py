"""Codes, phones and the audit log in the admin: codes masked, status changes with a
reason, reveal only with its own permission, phones found by exact IMEI or serial, and
an audit log nobody can change."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from activation import codes
from activation.demo import enrol_demo_mfa
from activation.models import ActivationCode, AuditEvent, Device, Ticket


@pytest.fixture
def desk(client, agent):
    enrol_demo_mfa(agent)
    client.force_login(agent)
    return client


@pytest.fixture
def issued(make_device, make_code, customer):
    return make_code(make_device(owner=customer))


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def code_page(code):
    return reverse("admin:activation_activationcode_change", args=[code.pk])


def act(client, code, action, reason="", on_page=True):
    """Run an admin action on ``code`` from its page (or from the list)."""
    if on_page:
        data = {"CHANGE_FORM-action": action, "CHANGE_FORM-reason": reason}
        return client.post(code_page(code), {**data, "_selected_action": code.pk, "index": 0})
    data = {"action": action, "reason": reason, "_selected_action": [code.pk], "index": 0}
    return client.post(reverse("admin:activation_activationcode_changelist"), data)


def test_code_pages_show_the_last_five_symbols_only(desk, issued):
    code, plaintext = issued
    for url in [reverse("admin:activation_activationcode_changelist"), code_page(code)]:
        body = desk.get(url).content.decode()
        assert code.masked in body
        assert plaintext not in body and codes.display(plaintext) not in body
        assert code.digest not in body and "ciphertext" not in body


@pytest.mark.parametrize("on_page", [True, False])
def test_suspend_reinstate_and_revoke(desk, agent, issued, on_page):
    code, _ = issued
    act(desk, code, "suspend_codes", "Seen on two phones", on_page)
    code.refresh_from_db()
    assert (code.status, code.status_reason) == ("suspended", "Seen on two phones")
    act(desk, code, "reinstate_codes", "Same phone after all", on_page)
    code.refresh_from_db()
    assert code.status == "active"

    refused = act(desk, code, "revoke_codes", "", on_page)
    assert "Say why the code is revoked." in texts(refused)
    code.refresh_from_db()
    assert code.status == "active"
    act(desk, code, "revoke_codes", "Phone stolen", on_page)
    code.refresh_from_db()
    assert code.status == "revoked"
    event = AuditEvent.objects.get(action="code_revoked")
    assert (event.actor, event.data) == (agent, {"reason": "Phone stolen"})


def test_refused_status_change_is_a_message(desk, agent, issued):
    code, _ = issued
    code.revoke(agent, reason="gone")
    response = act(desk, code, "suspend_codes", "again")
    assert "This code is no longer active: it is “Revoked”." in texts(response)
    code.refresh_from_db()
    assert code.status == "revoked"


def test_agent_cannot_reveal_a_code(desk, issued):
    code, plaintext = issued
    page = desk.get(code_page(code)).content.decode()
    assert 'value="reveal"' not in page
    response = act(desk, code, "reveal", "Customer on the phone")
    assert plaintext not in response.content.decode()
    assert codes.display(plaintext) not in response.content.decode()
    assert not AuditEvent.objects.filter(action="code_revealed").exists()


def test_reveal_needs_its_permission_and_a_reason_and_is_audited(desk, agent, issued):
    code, plaintext = issued
    agent.user_permissions.add(Permission.objects.get(codename="reveal_code"))
    assert 'value="reveal"' in desk.get(code_page(code)).content.decode()

    refused = act(desk, code, "reveal", "  ")
    assert refused.status_code == 302
    assert "Say why you need to see this code." in texts(refused)
    assert not AuditEvent.objects.filter(action="code_revealed").exists()

    response = act(desk, code, "reveal", "Owner lost the e-mail, verified by phone")
    assert response.status_code == 200
    assert codes.display(plaintext) in response.content.decode()
    assert "no-store" in response.headers["Cache-Control"]
    event = AuditEvent.objects.get(action="code_revealed")
    assert event.actor == agent and event.code == code
    assert event.data == {"reason": "Owner lost the e-mail, verified by phone"}


def test_an_admin_reveal_behind_the_proxy_audits_the_agents_address(desk, agent, issued, settings):
    """The audit names the agent's address, like every other audit, not the proxy's."""
    settings.TRUSTED_PROXY_COUNT = 1
    code, _ = issued
    agent.user_permissions.add(Permission.objects.get(codename="reveal_code"))
    data = {"CHANGE_FORM-action": "reveal", "CHANGE_FORM-reason": "Caller verified"}

    response = desk.post(
        code_page(code),
        {**data, "_selected_action": code.pk, "index": 0},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.23",
    )

    assert response.status_code == 200
    assert AuditEvent.objects.get(action="code_revealed").ip == "198.51.100.23"


def test_devices_are_found_by_exact_imei_or_serial(desk, make_device):
    device = make_device()
    other = make_device()
    url = reverse("admin:activation_device_changelist")

    def found(q):
        return list(desk.get(url, {"q": q}).context["cl"].result_list)

    assert found(device.imei) == [device]
    assert found(other.serial) == [other]
    assert found(device.imei[:10]) == []


def test_device_page_shows_attempts_and_codes_and_unlocks(desk, agent, issued):
    code, _ = issued
    device = code.device
    Device.objects.filter(pk=device.pk).update(locked_at=timezone.now())
    page = desk.get(reverse("admin:activation_device_change", args=[device.pk]))
    body = page.content.decode()
    assert code.masked in body and "No activation attempts yet." in body
    assert "Unlock" in body

    desk.post(reverse("admin:activation_device_unlock", args=[device.pk]))
    device.refresh_from_db()
    assert device.locked_at is None
    assert AuditEvent.objects.filter(action="device_unlocked", actor=agent).exists()
    again = desk.post(reverse("admin:activation_device_unlock", args=[device.pk]))
    assert "This phone is not locked." in texts(again)


@pytest.fixture
def superuser_client(client, django_user_model):
    root = django_user_model.objects.create_superuser(email="root@example.com")
    enrol_demo_mfa(root)
    client.force_login(root)
    return client


@pytest.mark.parametrize("who", ["desk", "superuser_client"])
def test_audit_log_is_read_only_for_everyone(request, who, issued):
    client = request.getfixturevalue(who)
    event = AuditEvent.objects.first()
    change = reverse("admin:activation_auditevent_change", args=[event.pk])
    changelist = reverse("admin:activation_auditevent_changelist")

    assert client.get(reverse("admin:activation_auditevent_add")).status_code == 403
    assert (
        client.get(reverse("admin:activation_auditevent_delete", args=[event.pk])).status_code
        == 403
    )
    page = client.get(change)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    client.post(change, {"action": "tampered"})
    listing = client.get(changelist).content.decode()
    assert "delete_selected" not in listing
    client.post(changelist, {"action": "delete_selected", "_selected_action": [event.pk]})
    event.refresh_from_db()
    assert event.action == "code_issued"
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_an_agent_locks_a_stolen_phone_from_the_list_with_a_reason(desk, agent, issued):
    code, _ = issued
    device = code.device
    changelist = reverse("admin:activation_device_changelist")
    selected = {"action": "lock", "_selected_action": [device.pk], "index": 0}

    refused = desk.post(changelist, {**selected, "reason": ""}, follow=True)
    device.refresh_from_db()
    assert device.locked_at is None
    assert "Give a reason." in texts(refused)

    desk.post(changelist, {**selected, "reason": "Owner reported it stolen"})
    device.refresh_from_db()
    assert device.locked_at is not None
    event = AuditEvent.objects.get(action="device_locked", actor=agent)
    assert event.data == {"reason": "Owner reported it stolen"}
    page = desk.get(reverse("admin:activation_device_change", args=[device.pk]))
    assert "Locked by an agent since" in page.content.decode()


def test_a_phones_new_owner_needs_a_reason_and_is_audited(desk, agent, issued, other_customer):
    device = issued[0].device
    owner = device.owner
    url = reverse("admin:activation_device_change", args=[device.pk])
    form = {
        "serial": device.serial,
        "model_name": "Lumia 930 (blue)",
        "os_version": device.os_version,
        "batch": device.batch,
        "owner": other_customer.pk,
    }

    refused = desk.post(url, {**form, "transfer_reason": ""})
    device.refresh_from_db()
    assert refused.status_code == 200
    assert "Say why the phone changes owner." in refused.content.decode()
    assert (device.owner, device.model_name) == (owner, "Lumia 930")

    desk.post(url, {**form, "transfer_reason": "Ownership review: receipt seen"})
    device.refresh_from_db()
    assert (device.owner, device.model_name) == (other_customer, "Lumia 930 (blue)")
    event = AuditEvent.objects.get(action="device_transferred")
    assert (event.actor, event.device) == (agent, device)
    assert event.data == {
        "from": f"user:{owner.pk}",
        "to": f"user:{other_customer.pk}",
        "reason": "Ownership review: receipt seen",
    }


def test_the_desk_tells_request_code_codes_from_agents_codes(desk, agent, customer, make_device):
    device = make_device(owner=customer)
    ticket, _ = Ticket.objects.request_code(device, reason="After a reset", customer=customer)
    by_phone, _ = ticket.issue_code(by_possession=True)
    Ticket.objects.filter(pk=ticket.pk).update(status="in_progress", email_confirmed=True)
    ticket.refresh_from_db()
    ticket.issue_code(by=agent)

    listing = desk.get(reverse("admin:activation_activationcode_changelist")).content.decode()
    device_page = desk.get(reverse("admin:activation_device_change", args=[device.pk]))
    code_page_body = desk.get(code_page(by_phone)).content.decode()

    for body in (listing, device_page.content.decode(), code_page_body):
        assert "Issued for the phone’s request code" in body
    for body in (listing, device_page.content.decode()):
        assert "Issued by support" in body
    assert ActivationCode.objects.count() == 2
