"""Requests for a new code: asking, following the timeline and the thread, replying."""

import pytest
from django.test import Client
from django.urls import reverse

from activation import possession
from activation.models import ActivationCode, Ticket, TicketMessage


@pytest.fixture
def phone(customer, make_device, make_code):
    device = make_device(owner=customer)
    make_code(device, kind=ActivationCode.Kind.FACTORY)
    return device


def ask(client, device, reason="The phone shows ACTIVATE WINDOWS PHONE.", **extra):
    return client.post(
        reverse("request_code", args=[device.public_id]), {"reason": reason, **extra}
    )


def test_request_a_new_code(client, customer, phone, mailoutbox):
    client.force_login(customer)

    response = ask(client, phone)

    ticket = Ticket.objects.get(device=phone)
    assert ticket.customer == customer
    assert ticket.channel == Ticket.Channel.WEB
    assert response.headers["Location"] == reverse("ticket_detail", args=[ticket.reference])
    page = client.get(response.headers["Location"]).content.decode()
    assert f"Request {ticket.reference} received" in page
    assert mailoutbox[-1].to == [customer.email]


def test_a_second_request_joins_the_open_one(client, customer, phone):
    client.force_login(customer)
    ask(client, phone)

    response = ask(client, phone, reason="Still waiting, the phone is a gift.")

    ticket = Ticket.objects.get(device=phone)
    assert response.headers["Location"] == reverse("ticket_detail", args=[ticket.reference])
    page = client.get(response.headers["Location"]).content.decode()
    assert "already had an open request" in page
    assert "Still waiting, the phone is a gift." in page
    assert TicketMessage.objects.filter(ticket=ticket).count() == 1


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Please say what happened on the phone."),
        ("   ", "Please say what happened on the phone."),
        ("My code is BCDFG-HJKMP-QRTVW-XY234-6789B", "remove the activation code"),
    ],
)
def test_a_bad_reason_is_explained_and_changes_nothing(client, customer, phone, reason, message):
    client.force_login(customer)

    response = ask(client, phone, reason=reason)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_wrong_request_code_leaves_the_request_with_the_agents(client, customer, phone):
    client.force_login(customer)

    response = ask(client, phone, request_code="BCDF-GHJK")

    ticket = Ticket.objects.get(device=phone)
    assert ticket.status == Ticket.Status.NEW
    assert response.headers["Location"] == reverse("ticket_detail", args=[ticket.reference])
    assert not ActivationCode.objects.filter(device=phone, kind="support").exists()


def test_the_phones_request_code_gets_a_code_at_once(client, customer, phone):
    request_code_for = getattr(possession, "request_code_for", None)
    if request_code_for is None:
        pytest.skip("proof of possession is not implemented yet")
    client.force_login(customer)

    response = ask(client, phone, request_code=request_code_for(phone))

    ticket = Ticket.objects.get(device=phone)
    assert ticket.status == Ticket.Status.CODE_ISSUED
    assert response.headers["Location"] == reverse("device_detail", args=[phone.public_id])
    page = client.get(response.headers["Location"]).content.decode()
    assert "Your new code is ready" in page
    assert "Show my code" in page


def test_my_requests_lists_only_mine(client, customer, other_customer, make_device, make_ticket):
    mine = make_ticket(make_device(owner=customer))
    theirs = make_ticket(make_device(owner=other_customer))
    client.force_login(customer)

    body = client.get(reverse("ticket_list")).content.decode()

    assert mine.reference in body
    assert theirs.reference not in body


@pytest.mark.parametrize("rows", [1, 20])
def test_my_requests_takes_the_same_queries_for_1_or_20(
    client, customer, make_device, make_ticket, rows, django_assert_max_num_queries, session_queries
):
    for _ in range(rows):
        make_ticket(make_device(owner=customer))
    client.force_login(customer)
    client.get(reverse("ticket_list"))  # the first request records the session

    # The signed-in session, then one for the requests with their phones.
    with django_assert_max_num_queries(session_queries + 1):
        response = client.get(reverse("ticket_list"))

    assert response.content.decode().count("/requests/ACT-") == rows


def test_the_request_page_shows_the_timeline_and_public_replies_only(
    client, customer, agent, phone
):
    ticket, _ = Ticket.objects.request_code(phone, reason="Asks for a code", customer=customer)
    ticket.assign(agent)
    ticket.post_message(agent, "We are checking your phone.")
    ticket.post_message(agent, "Internal: looks like a grey import.", internal=True)
    client.force_login(customer)

    body = client.get(reverse("ticket_detail", args=[ticket.reference])).content.decode()

    assert "Request opened" in body
    assert "Status: In progress" in body
    assert "We are checking your phone." in body
    assert "grey import" not in body
    assert agent.email not in body
    assert "Asks for a code" in body


def test_the_timeline_shows_an_issued_code_by_its_last_symbols(client, customer, agent, phone):
    ticket, _ = Ticket.objects.request_code(phone, reason="Asks for a code", customer=customer)
    Ticket.objects.filter(pk=ticket.pk).update(imei_confirmed=True, email_confirmed=True)
    ticket.refresh_from_db()
    _, plaintext = ticket.issue_code(agent)
    client.force_login(customer)

    body = client.get(reverse("ticket_detail", args=[ticket.reference])).content.decode()

    assert f"ends in {plaintext[-5:]}" in body
    assert "Status: Code issued" in body
    assert plaintext not in body
    assert "Did the code work on your phone?" in body


def test_a_customer_reply_reaches_the_thread(client, customer, agent, phone):
    ticket, _ = Ticket.objects.request_code(phone, reason="Asks for a code", customer=customer)
    ticket.assign(agent)
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.WAITING)
    client.force_login(customer)

    response = client.post(
        reverse("ticket_reply", args=[ticket.reference]), {"body": "Bought it in Lisbon."}
    )

    assert response.headers["Location"] == reverse("ticket_detail", args=[ticket.reference])
    message = TicketMessage.objects.get(ticket=ticket)
    assert message.author == customer
    assert message.body == "Bought it in Lisbon."
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.IN_PROGRESS


@pytest.mark.parametrize(
    ("body", "message"),
    [("", "Write a message first."), ("bcdfg hjkmp qrtvw xy234 6789b", "remove the activation")],
)
def test_a_bad_reply_is_explained_and_changes_nothing(client, customer, phone, body, message):
    ticket, _ = Ticket.objects.request_code(phone, reason="Asks for a code", customer=customer)
    client.force_login(customer)

    response = client.post(reverse("ticket_reply", args=[ticket.reference]), {"body": body})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not TicketMessage.objects.exists()


@pytest.mark.parametrize("name", ["ticket_reply", "ticket_outcome"])
def test_state_changes_on_a_request_refuse_get(client, customer, phone, name):
    ticket, _ = Ticket.objects.request_code(phone, reason="Asks for a code", customer=customer)
    client.force_login(customer)
    assert client.get(reverse(name, args=[ticket.reference])).status_code == 405


def test_replies_need_the_csrf_token(customer, phone):
    ticket, _ = Ticket.objects.request_code(phone, reason="Asks for a code", customer=customer)
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)

    response = client.post(reverse("ticket_reply", args=[ticket.reference]), {"body": "Hello"})

    assert response.status_code == 403
    assert not TicketMessage.objects.exists()


def test_the_request_form_says_what_happens_next(client, customer, phone):
    client.force_login(customer)
    body = client.get(reverse("request_code", args=[phone.public_id])).content.decode()
    assert "Request code shown on your phone" in body
    assert "free of charge" in body
    assert "Skip" in body


def test_my_requests_come_in_pages_of_25_newest_first(
    client, customer, other_customer, make_device, make_ticket
):
    tickets = [make_ticket(make_device(owner=customer)) for _ in range(30)]
    make_ticket(make_device(owner=other_customer))
    client.force_login(customer)

    first = client.get(reverse("ticket_list")).content.decode()
    second = client.get(reverse("ticket_list"), {"page": "2"}).content.decode()

    newest_first = sorted(tickets, key=lambda t: (t.created_at, t.pk), reverse=True)
    assert first.count("/requests/ACT-") == 25 and second.count("/requests/ACT-") == 5
    assert newest_first[0].reference in first and newest_first[-1].reference in second
    assert 'href="?page=2" rel="next"' in first and 'rel="prev"' not in first
    assert 'href="?page=1" rel="prev"' in second and 'rel="next"' not in second


@pytest.mark.parametrize(
    "asked", ["3", "368934881474191034", "9" * 40, "abc", "-1", "0", "", "1.5", "٢", "²"]
)
def test_a_page_that_does_not_exist_is_404(client, customer, make_device, make_ticket, asked):
    for _ in range(30):  # two pages
        make_ticket(make_device(owner=customer))
    client.force_login(customer)

    assert client.get(reverse("ticket_list"), {"page": asked}).status_code == 404
