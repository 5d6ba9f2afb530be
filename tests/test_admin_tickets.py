"""Working a request in the admin: checklist, issuing a code once, limits, rejecting,
the conversation, and refused changes that change nothing."""

import os
import threading

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from activation import codes
from activation.demo import enrol_demo_mfa
from activation.models import (
    ActivationCode,
    AuditEvent,
    CannedReply,
    Ticket,
    TicketMessage,
)

CHECKLIST = {"imei_confirmed": "on", "email_confirmed": "on"}


@pytest.fixture
def desk(client, agent):
    enrol_demo_mfa(agent)
    client.force_login(agent)
    return client


@pytest.fixture
def ticket(customer, make_device, make_code):
    device = make_device(owner=customer)
    make_code(device, kind=ActivationCode.Kind.FACTORY)
    ticket, _ = Ticket.objects.request_code(device, reason="It asks for a code.", customer=customer)
    mail.outbox.clear()
    return ticket


def desk_url(ticket, action):
    return reverse("admin:activation_ticket_desk", args=[ticket.pk, action])


def change_url(ticket):
    return reverse("admin:activation_ticket_change", args=[ticket.pk])


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def issue(client, ticket, **extra):
    return client.post(desk_url(ticket, "verify"), {**CHECKLIST, "_issue": "1", **extra})


def test_request_page_shows_customer_phone_attempts_and_codes(desk, ticket):
    response = desk.get(change_url(ticket))
    body = response.content.decode()
    assert response.status_code == 200
    assert ticket.customer.email in body
    assert ticket.device.imei in body
    assert "No activation attempts yet." in body
    factory = ticket.device.codes.get()
    assert factory.masked in body
    assert "Issue new code" in body
    assert "It asks for a code." in body


def test_issuing_shows_the_code_once_and_never_stores_it(desk, ticket):
    previous = ticket.device.codes.get()
    response = issue(desk, ticket)

    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    code = ActivationCode.objects.get(ticket=ticket)
    shown = response.context["plaintext"]
    assert shown in response.content.decode()
    plaintext = codes.normalise(shown)
    assert ActivationCode.objects.matching(plaintext).get() == code
    previous.refresh_from_db()
    assert previous.status == ActivationCode.Status.SUPERSEDED
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CODE_ISSUED
    assert ticket.assignee is not None
    assert AuditEvent.objects.filter(action="code_issued", code=code).exists()

    # Nowhere else: not in the session or its messages, nor any row, nor the e-mail.
    assert texts(response) == []
    for session in Session.objects.all():
        assert plaintext not in str(session.get_decoded())
    stored = [
        *TicketMessage.objects.values_list("body", flat=True),
        *(str(data) for data in AuditEvent.objects.values_list("data", flat=True)),
        *LogEntry.objects.values_list("change_message", flat=True),
    ]
    assert not any(plaintext in text or shown in text for text in stored)
    assert [m.to for m in mail.outbox] == [[ticket.customer.email]]
    assert plaintext not in mail.outbox[0].body and shown not in mail.outbox[0].body

    # Shown once: the request page afterwards has only the last five symbols.
    page = desk.get(change_url(ticket)).content.decode()
    assert shown not in page and plaintext not in page
    assert code.masked in page
    # Sending the form again (a reload) issues nothing more.
    again = issue(desk, ticket)
    assert again.status_code == 302
    assert ActivationCode.objects.filter(ticket=ticket).count() == 1


def test_code_needs_the_checklist(desk, ticket):
    response = desk.post(desk_url(ticket, "verify"), {"imei_confirmed": "on", "_issue": "1"})
    assert response.status_code == 302
    assert texts(response) == ["Confirm the IMEI and the account e-mail before issuing a code."]
    assert not ActivationCode.objects.filter(ticket=ticket).exists()
    ticket.refresh_from_db()
    # All or nothing: the half-ticked checklist was not saved either.
    assert not ticket.imei_confirmed
    assert ticket.status == Ticket.Status.NEW


def test_checklist_can_be_saved_without_issuing(desk, ticket):
    desk.post(desk_url(ticket, "verify"), {"imei_confirmed": "on", "proof_of_purchase": "on"})
    ticket.refresh_from_db()
    assert ticket.imei_confirmed and ticket.proof_of_purchase and not ticket.email_confirmed
    assert not ActivationCode.objects.filter(ticket=ticket).exists()


@pytest.fixture
def limit_reached(ticket, make_code, settings):
    for _ in range(settings.SUPPORT_CODES_PER_DEVICE):
        make_code(ticket.device)
    return ticket


def test_agent_cannot_pass_the_code_limit(desk, limit_reached):
    page = desk.get(change_url(limit_reached)).content.decode()
    assert "a manager must override it" in page
    assert 'name="override_reason"' not in page
    response = issue(desk, limit_reached, override_reason="Caller insists")
    assert "a manager must override" in texts(response)[0]
    assert not ActivationCode.objects.filter(ticket=limit_reached).exists()


def test_manager_overrides_the_limit_with_a_reason(client, manager, limit_reached):
    enrol_demo_mfa(manager)
    client.force_login(manager)
    assert 'name="override_reason"' in client.get(change_url(limit_reached)).content.decode()

    refused = issue(client, limit_reached)
    assert texts(refused) == ["Give a reason to override."]
    assert not ActivationCode.objects.filter(ticket=limit_reached).exists()

    response = issue(client, limit_reached, override_reason="Board replaced under warranty")
    assert response.status_code == 200
    assert ActivationCode.objects.filter(ticket=limit_reached).count() == 1
    limit_reached.refresh_from_db()
    assert limit_reached.limit_override_reason == "Board replaced under warranty"
    assert AuditEvent.objects.filter(action="limit_overridden", ticket=limit_reached).exists()


def test_reject_needs_a_reason(desk, ticket):
    response = desk.post(desk_url(ticket, "reject"), {"reason": "  "})
    assert texts(response) == ["Say why the request is rejected."]
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NEW

    desk.post(desk_url(ticket, "reject"), {"reason": "The phone was reported stolen."})
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.REJECTED
    assert ticket.rejection_reason == "The phone was reported stolen."


def test_reject_reason_never_carries_a_code(desk, ticket, make_code):
    _, plaintext = make_code(ticket.device)
    response = desk.post(desk_url(ticket, "reject"), {"reason": f"Use {plaintext}"})
    assert "never carry activation codes" in texts(response)[0]
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NEW


def test_reply_and_internal_note(desk, ticket):
    desk.post(desk_url(ticket, "reply"), {"body": "We are on it.", "kind": "public"})
    desk.post(desk_url(ticket, "reply"), {"body": "Caller sounded unsure.", "kind": "internal"})
    kinds = dict(ticket.messages.values_list("body", "kind"))
    assert kinds["We are on it."] == "public"
    assert kinds["Caller sounded unsure."] == "internal"
    # The customer hears about the public reply only.
    assert len(mail.outbox) == 1
    assert "Caller sounded unsure." not in mail.outbox[0].body
    page = desk.get(change_url(ticket)).content.decode()
    assert "Internal note" in page and "Caller sounded unsure." in page


def test_reply_with_a_code_is_refused(desk, ticket, make_code):
    _, plaintext = make_code(ticket.device)
    response = desk.post(
        desk_url(ticket, "reply"), {"body": codes.display(plaintext), "kind": "public"}
    )
    assert texts(response) == ["Messages never carry activation codes: remove it."]
    assert not ticket.messages.exists()


def test_canned_reply_goes_into_the_message(desk, ticket):
    canned = CannedReply.objects.create(title="Steps", body="Restart the phone first.")
    page = desk.get(change_url(ticket)).content.decode()
    assert "Restart the phone first." in page  # for the insert-on-select script
    desk.post(
        desk_url(ticket, "reply"), {"canned": canned.pk, "body": "Then sign in.", "kind": "public"}
    )
    assert ticket.messages.get().body == "Restart the phone first.\n\nThen sign in."


def test_canned_reply_can_never_contain_a_code(desk, make_code, make_device):
    _, plaintext = make_code(make_device())
    response = desk.post(
        reverse("admin:activation_cannedreply_add"),
        {"title": "Bad", "body": f"Your code is {codes.display(plaintext)}"},
    )
    assert response.status_code == 200
    assert "can never contain an activation code" in response.content.decode()
    assert not CannedReply.objects.exists()


def test_assign_resolve_and_reopen_from_the_request_page(desk, agent, ticket):
    def run(action):
        return desk.post(
            change_url(ticket),
            {"CHANGE_FORM-action": action, "_selected_action": ticket.pk, "index": 0},
        )

    run("assign_to_me")
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.status) == (agent, Ticket.Status.IN_PROGRESS)
    run("resolve")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED
    run("reopen")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.IN_PROGRESS


def test_refused_change_is_a_message_and_changes_nothing(desk, agent, ticket):
    ticket.reject(agent, "Duplicate")
    ticket.refresh_from_db()
    before = Ticket.objects.filter(pk=ticket.pk).values().get()
    response = desk.post(
        reverse("admin:activation_ticket_changelist") + "?status=all",
        {"action": "resolve", "_selected_action": [ticket.pk], "index": 0},
    )
    assert texts(response) == [f"{ticket.reference}: This request is already closed."]
    assert Ticket.objects.filter(pk=ticket.pk).values().get() == before
    response = issue(desk, ticket)
    assert "This request is already closed." in texts(response)[-1]
    assert Ticket.objects.filter(pk=ticket.pk).values().get() == before


@pytest.mark.parametrize("action", ["verify", "reject", "reply"])
def test_desk_forms_take_only_post(desk, ticket, action):
    assert desk.get(desk_url(ticket, action)).status_code == 405


def test_customer_cannot_use_the_desk(client, customer, ticket):
    client.force_login(customer)
    response = client.post(desk_url(ticket, "verify"), {**CHECKLIST, "_issue": "1"})
    assert response.status_code == 302
    assert (
        "/login/" in response.headers["Location"] or "/admin/login" in response.headers["Location"]
    )
    assert not ActivationCode.objects.filter(ticket=ticket).exists()


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL row locks (set DATABASE_URL); SQLite serialises all writes",
)
# serialized_rollback: the flush after this test would drop the staff groups otherwise.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_agents_issuing_at_once_make_one_code(agent, manager, ticket):
    clients = []
    for user in (agent, manager):
        enrol_demo_mfa(user)
        staff_client = Client()
        staff_client.force_login(user)
        clients.append(staff_client)
    barrier = threading.Barrier(len(clients))
    statuses = []

    def work(staff_client):
        try:
            barrier.wait()
            statuses.append(issue(staff_client, ticket).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 302]  # one sees the code, the other an error
    assert ActivationCode.objects.filter(ticket=ticket).count() == 1
    assert ActivationCode.objects.filter(device=ticket.device, status="active").count() == 1


def test_refusals_are_told_in_the_agents_language(desk, agent, ticket, settings):
    ticket.reject(agent, "Duplicate")
    desk.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"

    response = desk.post(
        reverse("admin:activation_ticket_changelist") + "?status=all",
        {"action": "resolve", "_selected_action": [ticket.pk], "index": 0},
    )
    issued = issue(desk, ticket)

    expected = f"{ticket.reference}: Diese Anfrage ist bereits geschlossen."
    assert texts(response) == [expected]
    assert texts(issued)[-1] == "Diese Anfrage ist bereits geschlossen."
