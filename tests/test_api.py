"""The device API as a phone (or an attacker) sees it: /api/v1/activations and friends."""

import base64
import json
import re

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core import mail
from django.utils import timezone

from activation import codes, openapi, ratelimit
from activation.models import (
    ActivationAttempt,
    ActivationCode,
    AuditEvent,
    Device,
    DomainError,
    OSVersion,
)
from tests.conftest import non_ascii_imeis

URL = "/api/v1/activations"


@pytest.fixture(autouse=True)
def _fresh_limits(db):
    ratelimit.reset_all()


@pytest.fixture
def phone(make_device, make_code, customer):
    """A customer's phone with its factory code: ``(device, code, plaintext)``."""
    device = make_device(owner=customer)
    code, plaintext = make_code(device, kind=ActivationCode.Kind.FACTORY)
    return device, code, plaintext


def post(client, body, url=URL, **extra):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(url, data, content_type="application/json", **extra)


def other_code():
    return codes.generate()


def test_right_code_activates_the_phone(client, phone):
    device, code, plaintext = phone
    response = post(client, {"imei": device.imei, "code": codes.display(plaintext)})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "activated"
    assert body["imei"] == device.imei
    assert body["reactivation"] is False
    device.refresh_from_db()
    code.refresh_from_db()
    assert device.activation_state == Device.State.ACTIVATED
    assert (code.use_count, code.reactivation_count) == (1, 0)
    assert code.first_used_at is not None
    attempt = ActivationAttempt.objects.get()
    assert (attempt.result, attempt.device, attempt.code, attempt.ip) == (
        "activated",
        device,
        code,
        "127.0.0.1",
    )


def test_code_is_normalised_like_people_type_it(client, phone):
    device, _, plaintext = phone
    typed = " ".join(plaintext[i : i + 5] for i in range(0, 25, 5)).lower()
    assert post(client, {"imei": device.imei, "code": typed}).status_code == 200


def test_same_code_after_a_factory_reset_works_again_as_a_reactivation(client, phone):
    device, code, plaintext = phone
    for _ in range(3):
        response = post(client, {"imei": device.imei, "code": plaintext})
        assert response.status_code == 200
    assert response.json()["reactivation"] is True
    code.refresh_from_db()
    assert code.status == ActivationCode.Status.ACTIVE
    assert (code.use_count, code.reactivation_count) == (3, 2)
    results = sorted(ActivationAttempt.objects.values_list("result", flat=True))
    assert results == ["activated", "reactivated", "reactivated"]


def test_successes_never_count_as_guesses(client, phone):
    device, _, plaintext = phone
    for _ in range(8):
        assert post(client, {"imei": device.imei, "code": plaintext}).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        '"a string"',
        {"imei": "490154203237518"},
        {"code": "BCDFG-HJKMP-QRTVW-XY234-6789B"},
        {"imei": 490154203237518, "code": "x"},
        {"imei": "490154203237519", "code": "BCDFGHJKMPQRTVWXY23467898"},  # Luhn fails
        {"imei": "49015420323751", "code": "BCDFGHJKMPQRTVWXY23467898"},
        {"imei": "490154203237518", "code": None},
        {"imei": "490154203237518", "code": "x", "nonce": 5},
    ],
)
def test_bad_request_is_invalid_request(client, body):
    response = post(client, body)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request"}


@pytest.mark.parametrize("url", [URL, "/api/v1/deferrals"])
@non_ascii_imeis
def test_an_imei_of_other_digits_than_ascii_is_invalid_request(client, url, imei):
    response = post(client, {"imei": imei, "code": "BCDFGHJKMPQRTVWXY23467898"}, url=url)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request"}
    assert not Device.objects.exists()


def test_body_over_one_kib_is_refused(client, phone):
    device, _, plaintext = phone
    body = json.dumps({"imei": device.imei, "code": plaintext, "padding": "x" * 1024})
    response = post(client, body)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request"}
    assert not ActivationAttempt.objects.exists()


def test_json_only(client, phone):
    device, _, plaintext = phone
    response = client.post(URL, {"imei": device.imei, "code": plaintext})  # a form post
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request"}


def test_typo_is_malformed_with_a_message_and_not_a_guess(client, phone):
    device, _code, plaintext = phone
    wrong_last = codes.ALPHABET[(codes.ALPHABET.index(plaintext[-1]) + 1) % codes.N]
    for _ in range(7):
        response = post(client, {"imei": device.imei, "code": plaintext[:-1] + wrong_last})
        assert response.status_code == 400
    body = response.json()
    assert body["error"] == "malformed_code"
    assert "typo" in body["message"]
    assert "position" not in body
    # Seven typos later the right code still works: typos are not guesses.
    assert post(client, {"imei": device.imei, "code": plaintext}).status_code == 200
    assert ActivationAttempt.objects.filter(result="malformed", reason="typo").count() == 7


def test_foreign_symbol_is_malformed_with_its_position(client, phone):
    device, _, plaintext = phone
    response = post(client, {"imei": device.imei, "code": plaintext[:3] + "O" + plaintext[4:]})
    assert response.status_code == 400
    body = response.json()
    assert (body["error"], body["position"]) == ("malformed_code", 4)
    assert "never appears" in body["message"]


def _failure_setups(make_device, make_code, agent, phone):
    """Each way a well-formed code can fail, returning the (imei, code) to send."""
    device, code, plaintext = phone

    def unknown():
        return device.imei, other_code()

    def other_device():
        stranger = make_device()
        return stranger.imei, plaintext

    def superseded():
        make_code(device)
        return device.imei, plaintext

    def suspended():
        code.suspend("test", by=agent)
        return device.imei, plaintext

    def revoked():
        code.revoke(agent, "test")
        return device.imei, plaintext

    def locked():
        Device.objects.filter(pk=device.pk).update(locked_at=timezone.now())
        return device.imei, plaintext

    def unknown_phone():
        return "490154203237518", plaintext

    return {
        "unknown_code": unknown,
        "other_device": other_device,
        "superseded": superseded,
        "suspended": suspended,
        "revoked": revoked,
        "device_locked": locked,
        "unknown_phone": unknown_phone,
    }


@pytest.mark.parametrize(
    "reason",
    [
        "unknown_code",
        "other_device",
        "superseded",
        "suspended",
        "revoked",
        "device_locked",
        "unknown_phone",
    ],
)
def test_every_failure_is_the_same_403_and_its_reason_is_recorded(
    client, make_device, make_code, agent, phone, reason
):
    imei, typed = _failure_setups(make_device, make_code, agent, phone)[reason]()
    response = post(client, {"imei": imei, "code": typed})
    assert response.status_code == 403
    assert response.content == (
        b'{"error":"invalid_code","message":"This activation code can\'t be used on this '
        b'phone. Check it, or contact support for a new one."}'
    )
    attempt = ActivationAttempt.objects.get()
    assert attempt.result == "failed"
    assert attempt.reason == {"unknown_phone": "other_device"}.get(reason, reason)
    assert attempt.ip == "127.0.0.1"


def test_attempts_never_hold_the_code(client, phone):
    device, _, plaintext = phone
    post(client, {"imei": device.imei, "code": plaintext})
    post(client, {"imei": device.imei, "code": other_code()})
    for row in ActivationAttempt.objects.values():
        assert not any(plaintext in str(value) for value in row.values())


def test_code_seen_on_two_other_phones_is_suspended_and_owner_told(
    client, make_device, phone, mailoutbox
):
    device, code, plaintext = phone
    first, second = make_device(), make_device()
    assert post(client, {"imei": first.imei, "code": plaintext}).status_code == 403
    assert post(client, {"imei": first.imei, "code": plaintext}).status_code == 403
    code.refresh_from_db()
    assert code.status == ActivationCode.Status.ACTIVE  # one other phone, twice
    assert code.misuse_count == 2
    assert mailoutbox == []

    assert post(client, {"imei": second.imei, "code": plaintext}).status_code == 403
    code.refresh_from_db()
    assert code.status == ActivationCode.Status.SUSPENDED
    assert code.misuse_count == 3
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [device.owner.email]
    text = message.body + "".join(str(part[0]) for part in message.alternatives)
    assert plaintext not in text and codes.display(plaintext) not in text
    # Even the owner's phone now needs a new code.
    assert post(client, {"imei": device.imei, "code": plaintext}).status_code == 403
    assert len(mail.outbox) == 1


def test_five_failed_guesses_then_wrong_codes_get_429_with_retry_after(client, phone):
    device, _, _ = phone
    for _ in range(5):
        assert post(client, {"imei": device.imei, "code": other_code()}).status_code == 403
    response = post(client, {"imei": device.imei, "code": other_code()})
    assert response.status_code == 429
    assert response.json()["error"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 15 * 60
    assert ActivationAttempt.objects.filter(result="rate_limited", reason="imei_limit").exists()


def test_the_right_code_activates_while_wrong_guesses_for_the_phone_get_429(client, phone):
    device, _, plaintext = phone
    for _ in range(8):
        post(client, {"imei": device.imei, "code": other_code()}, REMOTE_ADDR="203.0.113.5")
    assert post(client, {"imei": device.imei, "code": other_code()}).status_code == 429

    response = post(client, {"imei": device.imei, "code": plaintext})

    assert response.status_code == 200
    assert response.json()["status"] == "activated"


def test_one_address_guessing_many_phones_gets_429_but_its_right_codes_still_work(
    client, make_device, phone, settings
):
    settings.API_RATE_LIMITS = {**settings.API_RATE_LIMITS, "guesses_per_ip": (3, 900)}
    for _ in range(3):
        response = post(client, {"imei": make_device().imei, "code": other_code()})
        assert response.status_code == 403
    response = post(client, {"imei": make_device().imei, "code": other_code()})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 900
    assert ActivationAttempt.objects.filter(reason="ip_guess_limit").count() == 1
    # Another address guessing is not affected, and the right code works from anywhere.
    other = post(client, {"imei": make_device().imei, "code": other_code()}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 403
    device, _, plaintext = phone
    assert post(client, {"imei": device.imei, "code": plaintext}).status_code == 200


def test_failed_guesses_never_lock_the_phone(client, phone):
    """The old lockout: ten wrong codes over two windows locked the phone for a day."""
    device, _, plaintext = phone
    for _ in range(4):
        for _ in range(6):
            post(client, {"imei": device.imei, "code": other_code()})
        ratelimit.reset_all()  # as if the window had rolled over
    device.refresh_from_db()
    assert device.locked_at is None
    assert not AuditEvent.objects.filter(action="device_locked").exists()
    assert post(client, {"imei": device.imei, "code": plaintext}).status_code == 200


def test_an_agent_locks_a_stolen_phone_until_an_agent_unlocks_it(client, phone, agent):
    device, _, plaintext = phone
    device.lock(agent, "Reported stolen by the owner")

    response = post(client, {"imei": device.imei, "code": plaintext})

    assert response.status_code == 403
    assert response.json()["error"] == "invalid_code"
    assert ActivationAttempt.objects.get().reason == "device_locked"
    event = AuditEvent.objects.get(action="device_locked", device=device)
    assert (event.actor, event.data) == (agent, {"reason": "Reported stolen by the owner"})
    device.unlock(agent)
    assert post(client, {"imei": device.imei, "code": plaintext}).status_code == 200


def test_only_an_agent_locks_a_phone_and_with_a_reason(phone, customer, agent):
    device, _, _ = phone
    with pytest.raises(DomainError) as refused:
        device.lock(customer, "mine")
    assert refused.value.code == "permission_denied"
    with pytest.raises(DomainError) as refused:
        device.lock(agent, " ")
    assert refused.value.code == "reason_required"
    device.lock(agent, "stolen")
    with pytest.raises(DomainError) as refused:
        device.lock(agent, "stolen")
    assert refused.value.code == "already_locked"
    assert AuditEvent.objects.filter(action="device_locked").count() == 1


def test_thirty_requests_a_minute_per_client_ip(client, phone):
    device, _, plaintext = phone
    for _ in range(30):
        assert post(client, "not json").status_code == 400
    response = post(client, {"imei": device.imei, "code": plaintext})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["error"] == "rate_limited"
    assert ActivationAttempt.objects.filter(reason="ip_limit").count() == 1
    # Another client is not affected.
    other = post(client, {"imei": device.imei, "code": plaintext}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_forwarded_for_is_ignored_without_trusted_proxies(client, phone):
    _device, _, _ = phone
    for n in range(30):
        post(client, "{}", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert post(client, "{}", HTTP_X_FORWARDED_FOR="198.51.100.200").status_code == 429


def test_client_ip_comes_from_the_trusted_proxy_hop(client, phone, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    device, _, _ = phone
    # The client may forge entries on the left; the proxy appends the real peer.
    for n in range(30):
        forged = f"203.0.113.{n}, 198.51.100.7"
        assert post(client, "{}", HTTP_X_FORWARDED_FOR=forged).status_code == 400
    assert post(client, "{}", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429
    assert post(client, "{}", HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 400
    post(client, {"imei": device.imei, "code": other_code()}, HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert ActivationAttempt.objects.get(result="failed").ip == "192.0.2.1"


def test_deferral_marks_the_phone_deferred(client, phone):
    device, _, _ = phone
    response = post(client, {"imei": device.imei}, url="/api/v1/deferrals")
    assert response.status_code == 204
    assert response.content == b""
    device.refresh_from_db()
    assert device.activation_state == Device.State.DEFERRED


def test_deferral_keeps_an_activated_phone_activated(client, phone):
    device, _, plaintext = phone
    post(client, {"imei": device.imei, "code": plaintext})
    assert post(client, {"imei": device.imei}, url="/api/v1/deferrals").status_code == 204
    device.refresh_from_db()
    assert device.activation_state == Device.State.ACTIVATED


def test_deferral_for_an_unknown_phone_is_204_too(client):
    response = post(client, {"imei": "490154203237518"}, url="/api/v1/deferrals")
    assert response.status_code == 204


@pytest.mark.parametrize("body", ["nope", {}, {"imei": "490154203237519"}])
def test_deferral_refuses_bad_input(client, body):
    response = post(client, body, url="/api/v1/deferrals")
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request"}


def test_api_sets_no_cookie_and_does_not_vary_on_cookie(client, phone):
    device, _, plaintext = phone
    for response in (
        post(client, {"imei": device.imei, "code": plaintext}),
        post(client, {"imei": device.imei, "code": "O"}),
        client.get("/api/v1/keys"),
    ):
        assert "Set-Cookie" not in response.headers
        assert "cookie" not in response.get("Vary", "").lower()
        assert response["Content-Type"] == "application/json"


def test_other_methods_are_405(client):
    response = client.get(URL)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json() == {"error": "method_not_allowed"}


def _verify(response, keys):
    match = re.fullmatch(r'keyid="([^"]+)", alg="ed25519", sig="([^"]+)"', response["Signature"])
    assert match, response["Signature"]
    public = base64.b64decode(keys[match.group(1)])
    Ed25519PublicKey.from_public_bytes(public).verify(
        base64.b64decode(match.group(2)), response.content
    )


def test_every_answer_is_signed_by_a_listed_key(client, phone):
    device, _, plaintext = phone
    keys = {key["id"]: key["public_key"] for key in client.get("/api/v1/keys").json()["keys"]}
    responses = [
        post(client, {"imei": device.imei, "code": plaintext, "nonce": "n-123"}),
        post(client, {"imei": device.imei, "code": other_code()}),
        post(client, "nope"),
        post(client, {"imei": device.imei}, url="/api/v1/deferrals"),
        client.get("/api/v1/openapi.json"),
        client.get("/api/v1/keys"),
    ]
    assert responses[0].json()["nonce"] == "n-123"
    for response in responses:
        _verify(response, keys)


def test_a_changed_body_fails_verification(client, phone):
    device, _, _plaintext = phone
    keys = {key["id"]: key["public_key"] for key in client.get("/api/v1/keys").json()["keys"]}
    response = post(client, {"imei": device.imei, "code": other_code()})
    response.content = response.content.replace(b"invalid_code", b"activated!!!")
    with pytest.raises(InvalidSignature):
        _verify(response, keys)


def test_keys_lists_every_configured_key_version(client, settings):
    body = client.get("/api/v1/keys").json()
    ids = [key["id"] for key in body["keys"]]
    assert ids == [key.id for key in codes.keyring()]
    assert [key["current"] for key in body["keys"]] == [True] + [False] * (len(ids) - 1)
    for key in body["keys"]:
        assert key["alg"] == "ed25519"
        assert len(base64.b64decode(key["public_key"])) == 32
    assert len({key["public_key"] for key in body["keys"]}) == len(ids)


def test_openapi_document_describes_every_endpoint(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {
        "/api/v1/activations",
        "/api/v1/deferrals",
        "/api/v1/keys",
        "/api/v1/openapi.json",
    }
    responses = document["paths"]["/api/v1/activations"]["post"]["responses"]
    assert set(responses) == {"200", "400", "403", "429", "503"}
    assert document == openapi.document()  # what test_api_schema.py fuzzes


def test_garbage_forwarded_for_falls_back_to_the_peer_address(client, phone, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    device, _, _ = phone
    post(client, {"imei": device.imei, "code": other_code()}, HTTP_X_FORWARDED_FOR="nonsense")
    assert ActivationAttempt.objects.get().ip == "127.0.0.1"


def test_windows_phone_7_device_activates_too(client, make_device, make_code):
    device = make_device(os_version=OSVersion.WP75)
    _, plaintext = make_code(device, kind=ActivationCode.Kind.FACTORY)
    assert post(client, {"imei": device.imei, "code": plaintext}).status_code == 200
