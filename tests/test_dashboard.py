"""The managers' dashboard at /reports/: who sees it, what it shows, constant queries."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activation import reports
from activation.demo import enrol_demo_mfa
from activation.models import ActivationAttempt, AuditEvent, Device, Ticket
from tests.test_exports import make_report_data

URL = "/reports/"


# Staff open /reports/ only with two-factor authentication set up (like the admin).
@pytest.fixture
def manager(manager):
    enrol_demo_mfa(manager)
    return manager


@pytest.fixture
def agent(agent):
    enrol_demo_mfa(agent)
    return agent


@pytest.fixture
def data(customer, agent, make_device, make_code):
    return make_report_data(
        customer=customer, agent=agent, make_device=make_device, make_code=make_code
    )


def page_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries)


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_agents_get_403(client, agent, data):
    client.force_login(agent)
    assert client.get(URL).status_code == 403
    assert client.get(URL + "data/requests.csv").status_code == 403


def test_customers_get_403(client, customer):
    client.force_login(customer)
    assert client.get(URL).status_code == 403


def test_manager_sees_every_chart_with_its_table(client, manager, agent, data):
    Ticket.objects.open().get().assign(agent)
    client.force_login(manager)
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    for slug in reports.DATASETS:
        assert f'id="{slug}-title"' in page
        assert f"/reports/data/{slug}.csv?start=" in page
    assert page.count('role="img"') == len(reports.DATASETS)
    assert page.count("<table>") == len(reports.DATASETS)
    assert "reports.css" in page
    assert "style=" not in page and "<script" not in page  # strict CSP: classes only
    datasets = {d.slug: d for d in response.context["datasets"]}
    today = timezone.now().date().isoformat()
    assert datasets["requests"].rows[-1] == [today, 1, 1]  # one web, one phone request
    worked = {row[0]: row for row in datasets["worked"].rows}
    assert worked["web"][1:] == [1, 1, 100.0]
    assert datasets["time-to-code"].rows[-1][0] == today
    assert datasets["time-to-code"].rows[-1][2] == 1
    misuse = datasets["misuse"]
    assert misuse.rows[-1] == [today, 1, 1, 0]
    assert "Codes suspended (used on other phones): 1" in page
    workload = {row[0]: row[1] for row in datasets["workload"].rows}
    assert workload == {"alex@example.com": 1}
    assert [row[0] for row in datasets["reissue"].rows] == ["Lumia 930"]


def test_query_count_does_not_grow_with_the_data(
    client, manager, customer, agent, make_device, make_code
):
    client.force_login(manager)
    client.get(URL)  # the first request of a session also records the session
    make_report_data(customer=customer, agent=agent, make_device=make_device, make_code=make_code)
    few = page_queries(client)
    for _ in range(4):
        make_report_data(
            customer=customer, agent=agent, make_device=make_device, make_code=make_code
        )
    Device.objects.update(locked_at=timezone.now())
    ActivationAttempt.objects.create(imei="1", result="rate_limited")
    assert page_queries(client) == few


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=2024-02-10&end=2024-02-01", "start date is after the end date"),
        ("start=2020-01-01&end=2024-01-01", "at most 366 days"),
        ("start=yesterday", "Enter a valid date"),
    ],
)
def test_bad_dates_get_a_clear_message(client, manager, query, message):
    client.force_login(manager)
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'role="img"' not in response.content.decode()


def test_date_range_limits_the_charts(client, manager, data):
    client.force_login(manager)
    response = client.get(f"{URL}?start=2001-01-01&end=2001-01-31")
    assert response.status_code == 200
    requests = next(d for d in response.context["datasets"] if d.slug == "requests")
    assert len(requests.rows) == 31
    assert sum(sum(row[1:]) for row in requests.rows) == 0


def test_chart_csv_is_the_table_and_is_audited(client, manager, data):
    client.force_login(manager)
    today = timezone.now().date()
    start = (today - dt.timedelta(days=6)).isoformat()
    response = client.get(f"{URL}data/requests.csv?start={start}&end={today.isoformat()}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["day", "web", "phone"]
    assert len(rows) == 8 and rows[-1] == [today.isoformat(), "1", "1"]
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORTED)
    assert event.actor == manager
    assert event.data["report"] == "dashboard:requests"
    assert event.data["rows"] == 7


def test_chart_csv_neutralises_formula_cells(client, manager, data):
    Ticket.objects.update(assignee=None)
    Device.objects.update(model_name="=cmd|' /C calc'!A0")
    client.force_login(manager)
    content = client.get(URL + "data/reissue.csv").content.decode()
    assert "'=cmd" in content


def test_unknown_chart_is_404(client, manager):
    client.force_login(manager)
    assert client.get(URL + "data/nope.csv").status_code == 404


def test_median_time_to_code(data):
    today = timezone.now().date()
    Ticket.objects.filter(first_code_at__isnull=False).update(
        created_at=timezone.now() - dt.timedelta(minutes=90), first_code_at=timezone.now()
    )
    dataset = reports.median_time_to_code(today, today)
    assert dataset.rows == [[today.isoformat(), 90.0, 1]]
