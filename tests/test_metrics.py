"""/metrics: Prometheus text for the allow-listed scraper only; request counts and
latency from every worker of the server, domain numbers from the database."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from activation.models import ActivationAttempt, AuditEvent, HelpEntry, Ticket
from tests.test_app_server import get, gunicorn, needs_postgres


def parse(text):
    """{(name, frozenset(labels)): value}, read by prometheus_client's own parser.

    That parser is lax: a sample outside any declared family comes back as a family of
    its own of type "unknown". Here that, a family declared twice and a sample given
    twice all fail, as they would confuse a scraper.
    """
    samples, families = {}, set()
    for family in text_string_to_metric_families(text):
        assert family.type != "unknown", family.name
        assert family.name not in families, family.name
        families.add(family.name)
        for sample in family.samples:
            key = (sample.name, frozenset(sample.labels.items()))
            assert key not in samples, sample
            samples[key] = sample.value
    return samples


def value(samples, name, **labels):
    return samples[(name, frozenset(labels.items()))]


def delta(before, after, name, **labels):
    key = (name, frozenset(labels.items()))
    return after[key] - before.get(key, 0)


@pytest.fixture
def scrape(client, db):
    def get(**extra):
        response = client.get(reverse("metrics"), **extra)
        assert response.status_code == 200
        assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
        return parse(response.content.decode())

    return get


@pytest.mark.parametrize("method", ["get", "post"])
def test_anybody_else_gets_404(client, db, method):
    response = getattr(client, method)(reverse("metrics"), REMOTE_ADDR="198.51.100.9")
    assert response.status_code == 404
    assert b"portal_" not in response.content


def test_a_forged_forwarded_for_does_not_get_in(client, db):
    response = client.get(
        reverse("metrics"), REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="127.0.0.1"
    )
    assert response.status_code == 404


def test_behind_a_trusted_proxy_the_client_address_counts(client, db, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.METRICS_ALLOWED_IPS = ["192.0.2.10", "10.20.0.0/16"]
    url = reverse("metrics")

    def status(forwarded):
        return client.get(url, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert status("192.0.2.10") == 200
    assert status("10.20.3.4") == 200
    assert status("192.0.2.10, 198.51.100.9") == 404  # the client wrote the left part
    assert client.get(url).status_code == 404  # the proxy itself is not the scraper


def test_requests_are_counted_by_view_and_status_with_latency(client, scrape):
    before = scrape()
    client.get(reverse("help_index"))
    client.get(reverse("help_index"))
    client.get("/no-such-page/")

    after = scrape()

    labels = {"view": "help_index", "method": "GET", "status": "200"}
    assert delta(before, after, "portal_http_requests_total", **labels) == 2
    assert delta(
        before, after, "portal_http_requests_total", view="unmatched", method="GET", status="404"
    )
    duration = "portal_http_request_duration_seconds"
    assert delta(before, after, f"{duration}_count", view="help_index") == 2
    assert delta(before, after, f"{duration}_bucket", view="help_index", le="+Inf") == 2
    buckets = sorted(
        (float(dict(labels)["le"]), count)
        for (name, labels), count in after.items()
        if name == f"{duration}_bucket" and dict(labels)["view"] == "help_index"
    )
    assert len(buckets) == 12  # 11 bounds and +Inf
    counts = [count for _, count in buckets]
    assert counts == sorted(counts)  # cumulative
    assert delta(before, after, f"{duration}_sum", view="help_index") > 0


def test_rate_limited_requests_are_counted(client, scrape):
    entry = HelpEntry.objects.filter(language="en").first()
    url = reverse("help_feedback", args=[entry.slug])
    before = scrape()
    statuses = [client.post(url, {"helpful": "yes"}).status_code for _ in range(11)]
    assert statuses[-1] == 429

    after = scrape()

    assert delta(before, after, "portal_http_rate_limited_total", view="help_feedback") == 1


def test_domain_numbers_come_from_the_database(scrape, customer, make_device, make_ticket):
    device = make_device(owner=customer)
    now = timezone.now()
    for result, reason, age in [
        ("activated", "", 1),
        ("activated", "", 5),
        ("failed", "unknown_code", 10),
        ("rate_limited", "imei_limit", 20),
        ("failed", "unknown_code", 120),  # over an hour ago
    ]:
        ActivationAttempt.objects.create(
            device=device,
            imei=device.imei,
            result=result,
            reason=reason,
            created_at=now - timedelta(minutes=age),
        )
    make_ticket(device, status=Ticket.Status.NEW, created_at=now - timedelta(hours=3))
    make_ticket(make_device(owner=customer), status=Ticket.Status.WAITING)
    make_ticket(make_device(owner=customer), status=Ticket.Status.RESOLVED)
    AuditEvent.record(AuditEvent.Action.EXPORTED, data={"report": "tickets"})
    AuditEvent.record(AuditEvent.Action.EXPORTED, data={"report": "codes"})
    AuditEvent.record(AuditEvent.Action.IMPORTED, data={"rows": 3})

    samples = scrape()

    attempts = "portal_activation_attempts_last_hour"
    assert value(samples, attempts, result="activated") == 2
    assert value(samples, attempts, result="failed") == 1
    assert value(samples, attempts, result="malformed") == 0
    limit_hits = "portal_activation_rate_limit_hits_last_hour"
    assert value(samples, limit_hits, limit="imei_limit") == 1
    assert value(samples, limit_hits, limit="ip_limit") == 0
    assert value(samples, "portal_open_requests", status="new") == 1
    assert value(samples, "portal_open_requests", status="waiting") == 1
    assert value(samples, "portal_open_requests", status="code_issued") == 0
    age = value(samples, "portal_oldest_open_request_age_seconds")
    assert 3 * 3600 <= age < 3 * 3600 + 60
    assert value(samples, "portal_report_exports_total") == 2
    assert value(samples, "portal_device_imports_total") == 1


def test_an_empty_portal_still_answers_every_family(scrape):
    samples = scrape()
    assert value(samples, "portal_oldest_open_request_age_seconds") == 0
    assert value(samples, "portal_report_exports_total") == 0


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_every_scrape_counts_the_requests_of_every_worker(tmp_path):
    requests = 90
    # Three workers behind one address; a low --max-requests restarts some of them on
    # the way, and what they counted before must still be in every scrape.
    with gunicorn(
        tmp_path, "--workers", "3", "--max-requests", "40", "--max-requests-jitter", "0"
    ) as port:
        with ThreadPoolExecutor(6) as pool:
            statuses = list(
                pool.map(lambda _: get(port, reverse("help_index"))[0], range(requests))
            )
        assert statuses == [200] * requests
        scrapes = [parse(get(port, reverse("metrics"))[1]) for _ in range(6)]

    counted = [
        value(samples, "portal_http_requests_total", view="help_index", method="GET", status="200")
        for samples in scrapes
    ]
    assert counted == [requests] * len(scrapes)
    durations = [
        value(samples, "portal_http_request_duration_seconds_count", view="help_index")
        for samples in scrapes
    ]
    assert durations == [requests] * len(scrapes)
