"""My phones: registering by IMEI, the list, and a phone's page."""

import pytest
from django.urls import reverse

from activation.models import ActivationCode, AuditEvent, Device, Ticket
from tests.conftest import luhn_complete, non_ascii_imeis

GOOD_IMEI = luhn_complete("35209900176148")


def register(client, imei=GOOD_IMEI, **fields):
    data = {"imei": imei, "model_name": "Lumia 920", "os_version": "8.0", **fields}
    return client.post(reverse("device_add"), data)


def test_phones_need_sign_in(client, db):
    for url in (reverse("device_list"), reverse("device_add")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith(reverse("account_login"))


def test_the_form_says_where_to_find_the_imei(client, customer):
    client.force_login(customer)
    body = client.get(reverse("device_add")).content.decode()
    assert "*#06#" in body
    assert "Settings" in body and "About" in body
    assert '<label for="id_imei">' in body


def test_register_a_phone_by_imei(client, customer):
    client.force_login(customer)
    spaced = f"{GOOD_IMEI[:2]} {GOOD_IMEI[2:8]}-{GOOD_IMEI[8:]}"

    response = register(client, imei=spaced)

    device = Device.objects.get(imei=GOOD_IMEI)
    assert device.owner == customer
    assert device.model_name == "Lumia 920"
    assert response.headers["Location"] == reverse("device_detail", args=[device.public_id])
    assert AuditEvent.objects.filter(action="device_registered", device=device).exists()


def test_a_phone_from_a_batch_becomes_mine(client, customer, make_device):
    device = make_device(owner=None)
    client.force_login(customer)

    register(client, imei=device.imei)

    device.refresh_from_db()
    assert device.owner == customer


@pytest.mark.parametrize(
    ("imei", "message"),
    [
        (GOOD_IMEI[:-1] + str((int(GOOD_IMEI[-1]) + 1) % 10), "fails its check digit"),
        ("12345", "exactly 15 digits"),
        ("", "This field is required"),
    ],
)
def test_a_wrong_imei_is_explained_and_changes_nothing(client, customer, imei, message):
    client.force_login(customer)

    response = register(client, imei=imei)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Device.objects.exists()
    assert not AuditEvent.objects.exists()


@non_ascii_imeis
def test_an_imei_of_other_digits_than_ascii_is_a_form_error(client, customer, imei):
    client.force_login(customer)

    response = register(client, imei=imei)

    assert response.status_code == 400
    assert "exactly 15 digits" in response.content.decode()
    assert not Device.objects.exists()


def test_registering_my_phone_twice_is_refused(client, customer, make_device):
    device = make_device(owner=customer)
    client.force_login(customer)

    response = register(client, imei=device.imei, model_name="Other name")

    assert response.status_code == 400
    assert "already in your list" in response.content.decode()
    device.refresh_from_db()
    assert device.model_name == "Lumia 930"
    assert Device.objects.count() == 1
    assert not Ticket.objects.exists()


def test_someone_elses_phone_opens_a_review_without_naming_the_owner(
    client, customer, other_customer, make_device
):
    device = make_device(owner=other_customer)
    client.force_login(customer)

    response = register(client, imei=device.imei)
    page = client.get(response.headers["Location"])

    review = Ticket.objects.get(kind=Ticket.Kind.OWNERSHIP)
    assert review.customer == customer
    assert response.headers["Location"] == reverse("ticket_detail", args=[review.reference])
    body = page.content.decode()
    assert "registered to another account" in body
    assert other_customer.email not in body
    device.refresh_from_db()
    assert device.owner == other_customer


def test_an_ownership_review_shows_the_newcomer_only_what_they_typed(
    client, customer, other_customer, make_device
):
    device = make_device(owner=other_customer)
    Device.objects.filter(pk=device.pk).update(model_name="Olive's secret phone")
    client.force_login(customer)

    review_page = client.get(register(client, imei=device.imei).headers["Location"])
    list_page = client.get(reverse("ticket_list"))
    download = client.get(reverse("account_data")).content.decode()

    for body in (review_page.content.decode(), list_page.content.decode(), download):
        assert "Olive" not in body and str(device.public_id) not in body
    assert f"IMEI {device.imei}" in review_page.content.decode()
    assert f"IMEI {device.imei}" in list_page.content.decode()
    assert device.imei in download


def test_my_phones_lists_only_mine(client, customer, other_customer, make_device):
    mine = make_device(owner=customer)
    theirs = make_device(owner=other_customer)
    client.force_login(customer)

    body = client.get(reverse("device_list")).content.decode()

    assert reverse("device_detail", args=[mine.public_id]) in body
    assert theirs.imei not in body
    assert str(theirs.public_id) not in body


@pytest.mark.parametrize("rows", [1, 20])
def test_my_phones_takes_the_same_queries_for_1_or_20(
    client, customer, make_device, make_ticket, rows, django_assert_max_num_queries, session_queries
):
    for _ in range(rows):
        device = make_device(owner=customer)
        make_ticket(device)
    client.force_login(customer)
    client.get(reverse("device_list"))  # the first request records the session

    # The signed-in session (session, user, allauth's session record), then one for
    # the phones and one for their open requests, whatever their number.
    with django_assert_max_num_queries(session_queries + 2):
        response = client.get(reverse("device_list"))

    assert response.content.decode().count('class="card"') == rows


@pytest.mark.parametrize(
    ("os_version", "account", "title"),
    [
        ("7.8", "Windows Live ID", "ACTIVATE WINDOWS LIVE"),
        ("8.1", "Microsoft account", "ACTIVATE WINDOWS PHONE"),
    ],
)
def test_the_phone_page_uses_the_words_of_its_os(
    client, customer, make_device, os_version, account, title
):
    device = make_device(owner=customer, os_version=os_version)
    client.force_login(customer)

    body = client.get(reverse("device_detail", args=[device.public_id])).content.decode()

    assert account in body
    assert title in body


def test_the_phone_page_shows_state_codes_and_requests(
    client, customer, make_device, make_code, make_ticket
):
    device = make_device(owner=customer, activation_state=Device.State.DEFERRED)
    _, factory = make_code(device, kind=ActivationCode.Kind.FACTORY)
    _, support = make_code(device)
    ticket = make_ticket(device)
    client.force_login(customer)

    body = client.get(reverse("device_detail", args=[device.public_id])).content.decode()

    assert "Deferred (Skip)" in body
    assert ticket.reference in body
    for plaintext in (factory, support):
        assert plaintext[-5:] in body
        assert plaintext not in body
        assert plaintext[:5] not in body
    assert "Show my code" in body


def test_a_phone_whose_code_is_suspended_is_not_told_the_code_still_works(
    client, customer, make_device, make_code
):
    device = make_device(owner=customer, activation_state=Device.State.ACTIVATED)
    code, _ = make_code(device)
    code.suspend("used on 3 other devices")
    client.force_login(customer)

    page = client.get(reverse("device_detail", args=[device.public_id])).content.decode()
    listing = client.get(reverse("device_list")).content.decode()

    assert "it still works" not in page
    assert "its code is suspended because it was used on other phones" in page
    assert f"Your code ending in {code.hint} is suspended" in page
    assert "Suspended: used on other phones. Request a new code." in listing


def test_a_code_issued_for_the_phones_request_code_is_not_said_to_be_from_support(
    client, customer, agent, make_device, make_code
):
    device = make_device(owner=customer)
    make_code(device, kind=ActivationCode.Kind.FACTORY)
    ticket, _ = Ticket.objects.request_code(device, reason="After a reset", customer=customer)
    ticket.issue_code(by_possession=True)
    client.force_login(customer)

    page = client.get(reverse("device_detail", args=[device.public_id])).content.decode()

    assert "Issued for the phone’s request code" in page
    assert "Issued by support" not in page
    assert "Factory" in page
