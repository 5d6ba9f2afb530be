"""The request queue: open requests first, oldest first, filters, search, due times,
and list pages whose query count does not grow with their rows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from activation.admin.common import LargeTablePaginator
from activation.admin.tickets import TicketAdmin
from activation.demo import enrol_demo_mfa
from activation.models import ActivationAttempt, AuditEvent, OSVersion, Ticket
from tests.conftest import make_user

QUEUE = reverse("admin:activation_ticket_changelist")


@pytest.fixture
def desk(client, agent):
    enrol_demo_mfa(agent)
    client.force_login(agent)
    return client


@pytest.fixture
def make_request(make_device, customer):
    def make(hours_ago=1, owner=None, **fields):
        device = make_device(owner=owner or customer, os_version=fields.pop("os", OSVersion.WP81))
        created = timezone.now() - timedelta(hours=hours_ago)
        return Ticket.objects.create(
            device=device, customer=device.owner, created_at=created, **fields
        )

    return make


def listed(response):
    return [ticket.reference for ticket in response.context["cl"].result_list]


def test_queue_opens_on_open_requests_oldest_first(desk, make_request):
    newer = make_request(hours_ago=2)
    older = make_request(hours_ago=5, status=Ticket.Status.WAITING)
    make_request(hours_ago=9, status=Ticket.Status.RESOLVED)
    make_request(hours_ago=9, status=Ticket.Status.REJECTED)
    response = desk.get(QUEUE)
    assert listed(response) == [older.reference, newer.reference]
    cl = response.context["cl"]
    status_filter = cl.filter_specs[0]
    assert [c["display"] for c in status_filter.choices(cl) if c["selected"]] == ["Open"]
    everything = desk.get(QUEUE + "?status=all")
    assert len(listed(everything)) == 4


def test_overdue_requests_are_marked(desk, make_request, settings):
    settings.TICKET_RESPONSE_HOURS = 24
    late = make_request(hours_ago=30)
    on_time = make_request(hours_ago=3)
    waiting = make_request(hours_ago=40, status=Ticket.Status.WAITING)
    body = desk.get(QUEUE).content.decode()
    assert body.count("<strong>Overdue</strong>") == 1
    assert listed(desk.get(QUEUE + "?overdue=yes")) == [late.reference]
    assert listed(desk.get(QUEUE + "?overdue=no")) == [waiting.reference, on_time.reference]
    settings.TICKET_RESPONSE_HOURS = 2
    assert listed(desk.get(QUEUE + "?overdue=yes")) == [late.reference, on_time.reference]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=resolved", ["resolved"]),
        ("status=all&channel=phone", ["phone"]),
        ("priority=high", ["high"]),
        ("assigned=me", ["mine"]),
        ("assigned=nobody", ["phone", "high", "wp7"]),
        ("device__os_version__exact=7.5", ["wp7"]),
    ],
)
def test_queue_filters(desk, agent, manager, make_request, query, expected):
    made = {
        "resolved": make_request(hours_ago=9, status=Ticket.Status.RESOLVED),
        "phone": make_request(hours_ago=8, channel=Ticket.Channel.PHONE),
        "high": make_request(hours_ago=7, priority=Ticket.Priority.HIGH),
        "mine": make_request(hours_ago=6, assignee=agent, status=Ticket.Status.IN_PROGRESS),
        "theirs": make_request(hours_ago=5, assignee=manager, status=Ticket.Status.IN_PROGRESS),
        "wp7": make_request(hours_ago=4, os=OSVersion.WP75),
    }
    response = desk.get(f"{QUEUE}?{query}")
    assert listed(response) == [made[name].reference for name in expected]


def test_queue_search_by_reference_imei_and_email(desk, make_request, other_customer, make_device):
    ticket = make_request()
    other = make_request(owner=other_customer)
    caller = Ticket.objects.create(device=make_device(), caller_email="caller@example.net")
    assert listed(desk.get(QUEUE, {"q": ticket.reference.lower()})) == [ticket.reference]
    assert listed(desk.get(QUEUE, {"q": other.device.imei})) == [other.reference]
    assert listed(desk.get(QUEUE, {"q": other.device.imei[:-1]})) == []  # IMEI: exact only
    assert listed(desk.get(QUEUE, {"q": "olive@example"})) == [other.reference]
    assert listed(desk.get(QUEUE, {"q": "caller@example.net"})) == [caller.reference]


def test_new_phone_request_is_one_click_from_the_queue(desk):
    body = desk.get(QUEUE).content.decode()
    assert reverse("admin:activation_ticket_phone_request") in body
    response = desk.get(reverse("admin:activation_ticket_add"))
    assert response.headers["Location"] == reverse("admin:activation_ticket_phone_request")


def fill(make_request, make_code, rows):
    for i in range(rows):
        ticket = make_request(hours_ago=i + 1)
        code, _ = make_code(ticket.device, ticket=ticket)
        ActivationAttempt.objects.create(
            device=ticket.device, imei=ticket.device.imei, code=code, result="activated"
        )
        AuditEvent.record(
            AuditEvent.Action.TICKET_STATUS, ticket=ticket, device=ticket.device, code=code
        )


# Per page: session, user, the staff MFA check, allauth's session tracking (5), permissions
# (2), the counts and the rows; attempts add the reasons filter and the audit log its date
# drill-down. Requests, phones and attempts count once, capped (LargeTablePaginator); codes
# and the audit log count twice (Django's default). The same with 1 row or 20.
LISTS = [
    ("admin:activation_ticket_changelist", 12),
    ("admin:activation_device_changelist", 12),
    ("admin:activation_activationcode_changelist", 13),
    ("admin:activation_activationattempt_changelist", 13),
    ("admin:activation_auditevent_changelist", 15),
]


@pytest.mark.parametrize(("url_name", "queries"), LISTS)
def test_list_pages_keep_a_constant_query_count(
    desk, make_request, make_code, django_assert_max_num_queries, url_name, queries, session_queries
):
    queries += session_queries - 7  # LISTS counts database sessions with activity tracking
    url = reverse(url_name)
    fill(make_request, make_code, 1)
    desk.get(url)  # the session's first admin page records it once; measure the next ones
    for rows in (1, 20):
        if rows == 20:
            fill(make_request, make_code, 19)
        with django_assert_max_num_queries(queries):
            response = desk.get(url)
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) >= rows


def test_a_fragment_most_addresses_share_lists_a_capped_set_and_says_so(
    desk, make_request, django_user_model, monkeypatch
):
    def requests_of(prefix, count):
        return [
            make_request(owner=make_user(django_user_model, f"{prefix}{n}@example.com"))
            for n in range(count)
        ]

    monkeypatch.setattr(TicketAdmin, "PARTIAL_MATCHES", 3)
    many, few = requests_of("sharedpart", 5), requests_of("rarepart", 2)

    broad = desk.get(QUEUE, {"q": "sharedpart", "status": "all"})
    narrow = desk.get(QUEUE, {"q": "rarepart", "status": "all"})

    shown = listed(broad)
    assert len(shown) == 3 and set(shown) <= {ticket.reference for ticket in many}
    assert "More than 3 rows contain this text" in broad.content.decode()
    assert sorted(listed(narrow)) == sorted(ticket.reference for ticket in few)
    assert "More than" not in narrow.content.decode()


def test_past_the_count_cap_the_list_says_more_than_instead_of_a_wrong_number(
    desk, make_request, monkeypatch
):
    monkeypatch.setattr(LargeTablePaginator, "CAP", 3)
    for _ in range(5):
        make_request(channel=Ticket.Channel.PHONE)
    make_request(channel=Ticket.Channel.WEB)

    many = desk.get(QUEUE, {"status": "all", "channel": "phone"}).content.decode()
    few = desk.get(QUEUE, {"status": "all", "channel": "web"}).content.decode()
    searched = desk.get(QUEUE, {"status": "all", "q": "casey@example.com"}).content.decode()

    assert "More than 3 tickets" in many and "Select all tickets (more than 3)" in many
    assert "4 tickets" not in many and "4 selected" not in many
    assert "1 ticket" in few and "More than" not in few
    assert "More than 3 results" in searched


def test_an_unfiltered_large_list_says_about_how_many_from_the_estimate(
    desk, make_request, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("the planner's estimate is PostgreSQL's")
    monkeypatch.setattr(LargeTablePaginator, "CAP", 2)
    for _ in range(4):
        make_request()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE activation_ticket")

    page = desk.get(QUEUE, {"status": "all"}).content.decode()

    assert "About 4 tickets" in page


@pytest.mark.parametrize(
    ("asked", "shown"),
    [("3", 2), ("4", 2), ("368934881474191034", 2), ("0", 0), ("-1", 0), ("abc", 0), ("٢", 0)],
)
def test_a_page_past_the_end_is_the_last_page_and_nonsense_the_first(
    desk, make_request, monkeypatch, asked, shown
):
    monkeypatch.setattr(TicketAdmin, "list_per_page", 2)
    oldest_first = [make_request(hours_ago=10 - n).reference for n in range(5)]
    pages = [oldest_first[0:2], oldest_first[2:4], oldest_first[4:]]

    response = desk.get(QUEUE, {"p": asked})

    assert response.status_code == 200
    assert listed(response) == pages[shown]
    assert f'aria-current="page">{shown + 1}</a>' in response.content.decode()
