"""Request workflows: the model methods agents and customers go through."""

import pytest
from django.contrib.auth.models import Permission
from django.core import mail

from activation.models import (
    ActivationCode,
    AuditEvent,
    Device,
    DomainError,
    Ticket,
    TicketMessage,
)


@pytest.fixture
def ticket(make_device, customer):
    device = make_device(owner=customer)
    ticket, _ = Ticket.objects.request_code(
        device, reason="Phone asks for a code", customer=customer
    )
    return ticket


def verified(ticket):
    Ticket.objects.filter(pk=ticket.pk).update(imei_confirmed=True, email_confirmed=True)
    ticket.refresh_from_db()
    return ticket


def test_request_opens_a_ticket_and_mails_the_customer(ticket, customer):
    assert ticket.status == Ticket.Status.NEW
    assert AuditEvent.objects.filter(ticket=ticket, action="ticket_opened").exists()
    assert mail.outbox[-1].to == [customer.email]
    assert ticket.reference in mail.outbox[-1].subject


def test_second_request_joins_the_open_one(ticket, customer):
    again, created = Ticket.objects.request_code(
        ticket.device, reason="Still asking", customer=customer
    )
    assert not created and again == ticket
    assert ticket.messages.get().body == "Still asking"
    assert Ticket.objects.count() == 1


def test_request_needs_a_reason(make_device, customer):
    with pytest.raises(DomainError) as caught:
        Ticket.objects.request_code(make_device(owner=customer), reason="  ", customer=customer)
    assert caught.value.code == "reason_required"
    assert not Ticket.objects.exists()


def test_issue_needs_the_checklist(ticket, agent):
    with pytest.raises(DomainError) as caught:
        ticket.issue_code(by=agent)
    assert caught.value.code == "verification_incomplete"
    assert not ActivationCode.objects.exists()


def test_issue_code_supersedes_and_notifies_without_the_code(ticket, agent, make_code):
    factory, _ = make_code(ticket.device, kind=ActivationCode.Kind.FACTORY)
    code, plaintext = verified(ticket).issue_code(by=agent)

    ticket.refresh_from_db()
    factory.refresh_from_db()
    assert ticket.status == Ticket.Status.CODE_ISSUED
    assert ticket.first_code_at == code.issued_at
    assert ticket.assignee == agent
    assert factory.status == ActivationCode.Status.SUPERSEDED
    assert code.ticket == ticket and code.issued_by == agent
    last = mail.outbox[-1]
    assert "ready" in last.subject
    for part in [last.body, *(content for content, _ in last.alternatives)]:
        assert plaintext not in part and plaintext[:5] not in part


def test_issuing_twice_gives_one_code(ticket, agent):
    verified(ticket).issue_code(by=agent)
    with pytest.raises(DomainError) as caught:
        ticket.issue_code(by=agent)
    assert caught.value.code == "not_issuable"
    assert ActivationCode.objects.count() == 1


def test_customer_cannot_issue_codes(ticket, customer):
    with pytest.raises(DomainError) as caught:
        verified(ticket).issue_code(by=customer)
    assert caught.value.code == "permission_denied"


def test_limit_of_support_codes_needs_a_manager_override(
    make_device, customer, agent, manager, settings
):
    settings.SUPPORT_CODES_PER_DEVICE = 1
    device = make_device(owner=customer)
    first, _ = Ticket.objects.request_code(device, reason="first", customer=customer)
    verified(first).issue_code(by=agent)
    first.resolve(by=agent)
    second, _ = Ticket.objects.request_code(device, reason="again", customer=customer)
    verified(second)

    with pytest.raises(DomainError) as caught:
        second.issue_code(by=agent)
    assert caught.value.code == "code_limit"
    with pytest.raises(DomainError) as caught:
        second.issue_code(by=manager)
    assert caught.value.code == "override_reason_required"

    second.issue_code(by=manager, override_reason="Customer's phone was repaired twice")
    second.refresh_from_db()
    assert second.limit_override_reason == "Customer's phone was repaired twice"
    assert AuditEvent.objects.filter(action="limit_overridden", actor=manager).exists()


def test_reject_needs_a_reason_and_tells_the_customer(ticket, agent):
    with pytest.raises(DomainError) as caught:
        ticket.reject(by=agent, reason="")
    assert caught.value.code == "reason_required"
    ticket.reject(by=agent, reason="We could not confirm the phone is yours.")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.REJECTED and not ticket.is_open
    assert "could not confirm" in mail.outbox[-1].body


def test_code_that_worked_resolves_and_one_that_did_not_reopens_urgently(ticket, agent, customer):
    verified(ticket).issue_code(by=agent)
    ticket.record_outcome(by=customer, worked=False)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.IN_PROGRESS
    assert ticket.priority == Ticket.Priority.HIGH and ticket.worked is False

    ticket.issue_code(by=agent)
    ticket.record_outcome(by=customer, worked=True)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED and ticket.worked is True
    assert ticket.resolved_at is not None


def test_outcome_only_from_the_customer_with_a_code(ticket, other_customer, customer):
    with pytest.raises(DomainError) as caught:
        ticket.record_outcome(by=other_customer, worked=True)
    assert caught.value.code == "permission_denied"
    with pytest.raises(DomainError) as caught:
        ticket.record_outcome(by=customer, worked=True)
    assert caught.value.code == "no_code_yet"


def test_messages_never_carry_a_code(ticket, agent, make_code):
    _, plaintext = make_code(ticket.device)
    typed = "-".join(plaintext[i : i + 5] for i in range(0, 25, 5)).lower()
    with pytest.raises(DomainError) as caught:
        ticket.post_message(agent, f"Your code is {typed}")
    assert caught.value.code == "contains_code"
    assert not TicketMessage.objects.exists()


def test_internal_notes_are_for_agents_only(ticket, agent, customer):
    with pytest.raises(DomainError):
        ticket.post_message(customer, "note to self", internal=True)
    sent = len(mail.outbox)
    ticket.post_message(agent, "Checked the purchase receipt", internal=True)
    assert len(mail.outbox) == sent  # internal notes mail nobody
    ticket.post_message(agent, "We are checking your phone.")
    assert "We are checking your phone." in mail.outbox[-1].body


def test_customer_reply_moves_a_waiting_request_back_to_work(ticket, customer):
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.WAITING)
    ticket.refresh_from_db()
    ticket.post_message(customer, "Here is my receipt number 1234")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.IN_PROGRESS


def test_other_customer_cannot_post(ticket, other_customer):
    with pytest.raises(DomainError) as caught:
        ticket.post_message(other_customer, "hello")
    assert caught.value.code == "permission_denied"


def test_register_claims_an_unowned_batch_device(make_device, customer):
    device = make_device()
    registered, review = Device.objects.register(
        customer, imei=device.imei, os_version="8.1", model_name="ignored"
    )
    assert review is None and registered == device
    device.refresh_from_db()
    assert device.owner == customer and device.model_name == "Lumia 930"


def test_register_never_takes_over_another_customers_phone(make_device, customer, other_customer):
    device = make_device(owner=other_customer)
    registered, review = Device.objects.register(customer, imei=device.imei, os_version="8.1")
    assert registered is None
    assert review.kind == Ticket.Kind.OWNERSHIP and review.customer == customer
    device.refresh_from_db()
    assert device.owner == other_customer
    _, review_again = Device.objects.register(customer, imei=device.imei, os_version="8.1")
    assert review_again == review  # no duplicate reviews


def test_register_twice_is_refused(make_device, customer):
    device = make_device(owner=customer)
    with pytest.raises(DomainError) as caught:
        Device.objects.register(customer, imei=device.imei, os_version="8.1")
    assert caught.value.code == "already_registered"


def test_phone_request_for_a_caller_without_account(make_device, agent):
    device = make_device()
    ticket, created = Ticket.objects.request_code(
        device,
        reason="Caller's phone asks for a code",
        channel="phone",
        by=agent,
        caller_email="caller@example.com",
    )
    assert created and ticket.customer is None and ticket.channel == "phone"
    assert mail.outbox[-1].to == ["caller@example.com"]
    assert "/accounts/signup/" in mail.outbox[-1].body


def test_unlock_is_audited(make_device, agent, customer):
    device = make_device()
    Device.objects.filter(pk=device.pk).update(locked_at="2026-01-01T00:00:00Z")
    with pytest.raises(DomainError):
        device.unlock(by=customer)
    device.unlock(by=agent)
    assert Device.objects.get(pk=device.pk).locked_at is None
    assert AuditEvent.objects.filter(action="device_unlocked", actor=agent).exists()
    with pytest.raises(DomainError) as caught:
        device.unlock(by=agent)
    assert caught.value.code == "not_locked"


def test_reinstate_only_without_a_newer_code(make_device, make_code, agent):
    device = make_device()
    code, _ = make_code(device)
    code.suspend("shared")
    code.reinstate(by=agent, reason="customer explained")
    assert ActivationCode.objects.get(pk=code.pk).status == "active"
    code.suspend("shared again")
    make_code(device)
    with pytest.raises(DomainError) as caught:
        code.reinstate(by=agent)
    assert caught.value.code == "newer_code"


def test_agent_revoke_needs_permission(make_device, make_code, customer, agent):
    code, _ = make_code(make_device())
    with pytest.raises(DomainError):
        code.revoke(by=customer)
    code.revoke(by=agent, reason="lost phone")
    assert ActivationCode.objects.get(pk=code.pk).status == "revoked"
    assert Permission.objects.filter(codename="issue_code").exists()


def test_an_answer_the_request_can_no_longer_take_is_refused_and_not_kept(ticket, agent, customer):
    """The customer's page still says "code issued" while an agent closes the request:
    their answer is refused whole, ``worked`` included."""
    verified(ticket).issue_code(by=agent)
    stale = Ticket.objects.get(pk=ticket.pk)
    ticket.resolve(agent)

    for worked in (True, False):
        with pytest.raises(DomainError) as caught:
            stale.record_outcome(by=customer, worked=worked)
        assert caught.value.code == "no_code_yet"
        assert Ticket.objects.values_list("status", "worked").get(pk=ticket.pk) == (
            Ticket.Status.RESOLVED,
            None,
        )


def test_revoking_needs_a_reason_whoever_asks(make_device, make_code, agent):
    code, _ = make_code(make_device())
    for reason in ("", "   "):
        with pytest.raises(DomainError) as caught:
            code.revoke(by=agent, reason=reason)
        assert caught.value.code == "reason_required"
    assert ActivationCode.objects.get(pk=code.pk).status == "active"
    assert not AuditEvent.objects.filter(action="code_revoked").exists()


def test_a_phone_changes_owner_through_one_audited_transfer(
    make_device, customer, other_customer, agent
):
    device = make_device(owner=customer)
    for by, reason, refusal in [
        (other_customer, "It is mine", "permission_denied"),
        (agent, " ", "reason_required"),
    ]:
        with pytest.raises(DomainError) as caught:
            device.transfer_to(other_customer, by=by, reason=reason)
        assert caught.value.code == refusal
    assert Device.objects.get(pk=device.pk).owner == customer

    assert device.transfer_to(other_customer, by=agent, reason="Ownership review ACT-7K3M9Q")

    assert Device.objects.get(pk=device.pk).owner == other_customer
    event = AuditEvent.objects.get(action="device_transferred")
    assert (event.actor, event.device) == (agent, device)
    assert event.data == {
        "from": f"user:{customer.pk}",
        "to": f"user:{other_customer.pk}",
        "reason": "Ownership review ACT-7K3M9Q",
    }
    # The owner may let their own phone go, and nobody else's.
    with pytest.raises(DomainError):
        device.transfer_to(None, by=customer, reason="Sold it")
    assert device.transfer_to(None, by=other_customer, reason="Sold it")
    assert Device.objects.get(pk=device.pk).owner is None


def test_a_code_issued_for_an_unowned_phone_gives_it_to_the_customer_audited(
    make_device, customer, agent
):
    device = make_device()
    ticket, _ = Ticket.objects.request_code(device, reason="Bought it used", customer=customer)

    verified(ticket).issue_code(by=agent)

    assert Device.objects.get(pk=device.pk).owner == customer
    event = AuditEvent.objects.get(action="device_transferred")
    assert (event.actor, event.device, event.data["to"]) == (agent, device, f"user:{customer.pk}")
    assert ticket.reference in event.data["reason"]
