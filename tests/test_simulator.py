"""The phone simulator: the article's screens, driven by the same logic as the API."""

import re

import pytest

from activation import codes, ratelimit
from activation.demo import enrol_demo_mfa
from activation.models import ActivationAttempt, ActivationCode, Device, OSVersion
from tests.conftest import non_ascii_imeis

URL = "/simulator/"


@pytest.fixture(autouse=True)
def _fresh_limits(db):
    ratelimit.reset_all()


@pytest.fixture
def staff_client(client, agent):
    enrol_demo_mfa(agent)  # the simulator shows request codes: staff need their second factor
    client.force_login(agent)
    return client


@pytest.fixture
def phone(make_device, make_code, customer):
    device = make_device(owner=customer)
    _, plaintext = make_code(device, kind=ActivationCode.Kind.FACTORY)
    return device, plaintext


def test_simulator_is_hidden_from_anonymous_visitors_without_debug(client):
    assert client.get(URL).status_code == 404


def test_simulator_is_hidden_from_customers(client, customer):
    client.force_login(customer)
    assert client.get(URL).status_code == 404


def test_simulator_is_open_to_anyone_in_debug(client, settings, phone):
    settings.DEBUG = True
    response = client.get(URL)
    assert response.status_code == 200
    assert phone[0].imei in response.text  # demo phones to pick from


def test_staff_pick_a_phone_and_see_activation_failed(staff_client, phone):
    device, _ = phone
    response = staff_client.get(URL)
    assert response.status_code == 200
    assert 'for="sim-imei"' in response.text
    response = staff_client.get(URL, {"imei": device.imei})
    assert "Activation failed" in response.text
    assert "Tap close and we'll explain" in response.text.replace("&#x27;", "'")


def test_unknown_imei_is_explained(staff_client):
    response = staff_client.get(URL, {"imei": "490154203237518"})
    assert "No phone with this IMEI" in response.text
    response = staff_client.get(URL, {"imei": "490154203237519"})
    assert "check digit" in response.text


@non_ascii_imeis
def test_an_imei_of_other_digits_than_ascii_is_explained(staff_client, imei):
    for response in (
        staff_client.get(URL, {"imei": imei}),
        staff_client.post(URL, {"imei": imei, "code": "x", "action": "activate"}),
    ):
        assert response.status_code == 200
        assert "exactly 15 digits" in response.text


def test_activate_screen_has_the_field_buttons_support_and_request_code(staff_client, phone):
    device, _ = phone
    text = staff_client.get(URL, {"imei": device.imei, "screen": "activate"}).text
    assert "ACTIVATE WINDOWS PHONE" in text
    assert "Microsoft account" in text
    assert '<label for="sim-code">' in text
    assert 'value="activate"' in text and 'value="skip"' in text
    assert "Call support" in text
    assert "(800) MICROSOFT (642-7676)" in text
    assert re.search(r"Request code: <strong>[A-Z0-9]{4}-[A-Z0-9]{4}</strong>", text)


def test_windows_phone_7_says_windows_live(staff_client, make_device, make_code):
    device = make_device(os_version=OSVersion.WP75)
    make_code(device, kind=ActivationCode.Kind.FACTORY)
    text = staff_client.get(URL, {"imei": device.imei, "screen": "activate"}).text
    assert "ACTIVATE WINDOWS LIVE" in text
    assert "Windows Live ID" in text
    assert "WINDOWS PHONE" not in text


def test_call_support_screen_shows_the_number(staff_client, phone):
    device, _ = phone
    text = staff_client.get(URL, {"imei": device.imei, "screen": "call"}).text
    assert 'href="tel:+18006427676"' in text
    assert "(800) MICROSOFT (642-7676)" in text


def test_right_code_activates_through_the_api_logic(staff_client, phone):
    device, plaintext = phone
    response = staff_client.post(
        URL, {"imei": device.imei, "code": codes.display(plaintext), "action": "activate"}
    )
    assert response.status_code == 200
    assert "You're all set" in response.text.replace("&#x27;", "'")
    device.refresh_from_db()
    assert device.activation_state == Device.State.ACTIVATED
    assert ActivationAttempt.objects.get().result == "activated"
    assert plaintext not in response.text


def test_wrong_code_is_said_in_the_phones_words(staff_client, phone):
    device, _ = phone
    response = staff_client.post(
        URL, {"imei": device.imei, "code": codes.generate(), "action": "activate"}
    )
    assert "didn't work" in response.text.replace("&#x27;", "'")
    assert 'aria-invalid="true"' in response.text
    assert ActivationAttempt.objects.get().reason == "unknown_code"


def test_typo_is_explained(staff_client, phone):
    device, plaintext = phone
    wrong_last = codes.ALPHABET[(codes.ALPHABET.index(plaintext[-1]) + 1) % codes.N]
    response = staff_client.post(
        URL, {"imei": device.imei, "code": plaintext[:-1] + wrong_last, "action": "activate"}
    )
    assert "contains a typo" in response.text


def test_too_many_guesses_say_when_to_try_again(staff_client, phone):
    device, _ = phone
    for _ in range(5):
        staff_client.post(URL, {"imei": device.imei, "code": codes.generate()})
    response = staff_client.post(URL, {"imei": device.imei, "code": codes.generate()})
    assert "Too many tries" in response.text


def test_skip_defers_activation(staff_client, phone):
    device, _ = phone
    response = staff_client.post(URL, {"imei": device.imei, "action": "skip"})
    assert "Skipped" in response.text
    assert "Xbox LIVE" in response.text
    device.refresh_from_db()
    assert device.activation_state == Device.State.DEFERRED


def test_page_has_no_inline_script_and_its_own_stylesheet(staff_client, phone):
    text = staff_client.get(URL, {"imei": phone[0].imei, "screen": "activate"}).text
    assert "css/simulator.css" in text
    for tag in re.findall(r"<script[^>]*>", text):
        assert "src=" in tag
    assert "onclick" not in text
