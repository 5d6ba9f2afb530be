"""The canary: issue and reveal codes through every flow, then look for them everywhere.

Every way a code comes to exist or be shown runs once: an agent issues one in the admin,
the customer shows it again, proves possession with the phone's request code for an
instant one, activates phones through the API (with a typo and on the wrong phone too)
and the simulator, an agent with ``reveal_code`` reveals one, people paste codes into
messages. Then no code may appear, in any case, with or without dashes, or as its first
or last 20 symbols, in: the database dump, any log record (raw, and as the JSON lines
the handler writes), any e-mail, any export, any admin page, any page of the customer's
other than the one that shows it, the error pages and error reports, and the ``str`` /
``repr`` of every model instance.
"""

import io
import json
import logging
import re
import sys
import zipfile

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import include, path, reverse
from django.utils.log import AdminEmailHandler
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter
from django.views.decorators.csrf import csrf_exempt

from activation import codes, exports, possession
from activation.demo import enrol_demo_mfa
from activation.models import ActivationCode, Ticket
from activation.reports import DATASETS
from activation.resources import REPORTS
from portal.logging import JsonFormatter
from portal.reporting import CodeSafeExceptionReporterFilter
from tests.conftest import PASSWORD
from tests.test_no_plaintext import database_dump

# The admin's show_code page and the customer's reveal page.
SHOWN = re.compile(r'id="(?:activation-code|the-code)"[^>]*>([^<]+)<')


def forms_of(plaintext: str) -> list[str]:
    """A code as it could leak, lower-cased (haystacks are lower-cased too)."""
    shown = codes.display(plaintext)
    return [
        form.lower()
        for form in (plaintext, shown, plaintext[:20], shown[:23], plaintext[-20:], shown[-23:])
    ]


def leaks(text, plaintexts) -> list[str]:
    """The forms of any code found in ``text`` (str or bytes)."""
    if isinstance(text, bytes | bytearray | memoryview):
        text = bytes(text).decode("utf-8", "replace")
    text = str(text).lower()
    return [form for plain in plaintexts for form in forms_of(plain) if form in text]


class Findings:
    """Where each code was found; the test fails listing them all at once."""

    def __init__(self, plaintexts):
        self.plaintexts = plaintexts
        self.found = []

    def scan(self, where, text):
        for form in leaks(text, self.plaintexts):
            self.found.append(f"{where}: {form}")

    def __bool__(self):
        return bool(self.found)


# Logs -------------------------------------------------------------------------------


class RawRecords(logging.Handler):
    """Every record as it was emitted, before the console handler's redaction runs."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.texts = []

    def emit(self, record):
        text = [record.getMessage()]
        if record.exc_info:
            text.append(logging.Formatter().formatException(record.exc_info))
        text += [repr(value) for name, value in vars(record).items() if name not in {"msg"}]
        self.texts.append((record.name, record.levelname, "\n".join(text)))


@pytest.fixture
def logs(caplog):
    """Raw records and the JSON lines, at DEBUG everywhere, SQL statements included."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")
    root = logging.getLogger()
    raw = RawRecords()
    root.handlers.insert(0, raw)  # first, so it sees records before any filter edits them
    console = next(h for h in root.handlers if isinstance(h.formatter, JsonFormatter))
    lines = io.StringIO()
    previous = console.setStream(lines)
    forced = connection.force_debug_cursor
    connection.force_debug_cursor = True
    yield raw, lines
    connection.force_debug_cursor = forced
    console.setStream(previous)
    root.handlers.remove(raw)


# The flows --------------------------------------------------------------------------


def signed_in(user, *, mfa=False, password=False):
    client = Client()
    if mfa:
        enrol_demo_mfa(user)
    client.force_login(user)
    if password:
        client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    return client


def shown_code(response) -> str:
    assert response.status_code == 200, response.status_code
    match = SHOWN.search(response.content.decode())
    assert match, "the page that shows a code did not show one"
    return codes.normalise(match.group(1))


def run_every_flow(customer, agent, make_device, make_code):
    """Every way a code is made or shown; returns every plaintext that existed."""
    plaintexts = []
    phone = make_device(owner=customer)
    plaintexts.append(make_code(phone, kind=ActivationCode.Kind.FACTORY)[1])
    second = make_device(owner=customer)
    plaintexts.append(make_code(second, kind=ActivationCode.Kind.FACTORY)[1])
    stranger = make_device()
    plaintexts.append(make_code(stranger, kind=ActivationCode.Kind.FACTORY)[1])

    # The customer asks on the web; an agent verifies and issues in the admin (shown once).
    you = signed_in(customer, password=True)
    you.post(reverse("request_code", args=[phone.public_id]), {"reason": "Code refused"})
    ticket = Ticket.objects.get(device=phone)
    desk = signed_in(agent, mfa=True)
    issued = desk.post(
        reverse("admin:activation_ticket_desk", args=[ticket.pk, "verify"]),
        {"imei_confirmed": "on", "email_confirmed": "on", "_issue": "1"},
    )
    by_agent = shown_code(issued)
    plaintexts.append(by_agent)

    # The customer shows it again (password first), and the phone activates with it,
    # typed in lower case, then with a typo in its last symbol, then on the wrong phone.
    assert shown_code(you.post(reverse("reveal_code", args=[phone.public_id]))) == by_agent
    api = Client()
    for imei, typed in [
        (phone.imei, codes.display(by_agent).lower()),
        (phone.imei, by_agent[:-1] + ("B" if by_agent[-1] != "B" else "C")),
        (stranger.imei, by_agent),
    ]:
        api.post(
            "/api/v1/activations",
            json.dumps({"imei": imei, "code": typed}),
            content_type="application/json",
        )

    # Proof of possession: the phone's request code gets an instant code.
    typed_request = possession.request_code_for(second)
    you.post(
        reverse("request_code", args=[second.public_id]),
        {"reason": "Reset the phone", "request_code": typed_request},
    )
    instant = ActivationCode.objects.get(device=second, status="active", kind="support")
    plaintexts.append(instant.plaintext())

    # An agent allowed to reveal does, with a reason; then tries it in the simulator.
    agent.user_permissions.add(Permission.objects.get(codename="reveal_code"))
    desk = signed_in(agent, mfa=True)
    revealed = desk.post(
        reverse("admin:activation_activationcode_change", args=[instant.pk]),
        {
            "CHANGE_FORM-action": "reveal",
            "CHANGE_FORM-reason": "Owner on the phone, verified",
            "_selected_action": instant.pk,
            "index": 0,
        },
    )
    assert shown_code(revealed) == plaintexts[-1]
    desk.post(reverse("simulator"), {"imei": second.imei, "code": plaintexts[-1]})

    # People paste codes where they never belong: refused, and not kept.
    for body in (by_agent, codes.display(by_agent).lower()):
        you.post(reverse("ticket_reply", args=[ticket.reference]), {"body": f"It is {body}"})
    desk.post(
        reverse("admin:activation_ticket_desk", args=[ticket.pk, "reply"]),
        {"body": f"Code {codes.display(plaintexts[-1])}", "kind": "internal"},
    )
    return plaintexts


def admin_pages(site_admin):
    """Every registered model's list, and each object's change and history pages."""
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        yield reverse("admin:{}_{}_changelist".format(*info))
        for obj in model_admin.get_queryset(None).order_by("-pk")[:25]:
            yield reverse("admin:{}_{}_change".format(*info), args=[obj.pk])
            yield reverse("admin:{}_{}_history".format(*info), args=[obj.pk])


def xlsx_text(content: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return b"".join(archive.read(name) for name in archive.namelist())


@pytest.mark.django_db(transaction=True)
def test_no_code_leaks_anywhere_after_every_flow(
    customer, agent, manager, make_device, make_code, django_user_model, logs, settings, tmp_path
):
    # Queue e-mail in the database like production, so job rows are in the dump too.
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    plaintexts = run_every_flow(customer, agent, make_device, make_code)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert len(plaintexts) == 5 and len(mail.outbox) >= 4
    found = Findings(plaintexts)

    # Every page of the customer's, other than the one response that shows the code.
    you = signed_in(customer)
    ticket = Ticket.objects.filter(customer=customer).first()
    for url in [
        reverse("device_list"),
        reverse("ticket_list"),
        reverse("ticket_detail", args=[ticket.reference]),
        reverse("account_data"),
        *(reverse("device_detail", args=[d.public_id]) for d in customer.devices.all()),
    ]:
        response = you.get(url)
        assert response.status_code == 200, url
        found.scan(f"customer page {url}", response.content)

    # Every admin page of every registered model, as a superuser sees it.
    root = django_user_model.objects.create_superuser(email="root@example.com", password=PASSWORD)
    site_admin = signed_in(root, mfa=True)
    for url in admin_pages(site_admin):
        response = site_admin.get(url)
        assert response.status_code == 200, url
        found.scan(f"admin page {url}", response.content)

    # Every export in every format (the command), and the managers' dashboard CSVs.
    for name in sorted(REPORTS):
        for file_format in exports.FORMATS:
            target = tmp_path / f"{name}.{file_format}"
            call_command("export_report", name, format=file_format, output=str(target))
            content = target.read_bytes()
            if file_format == "xlsx":
                content = xlsx_text(content)
            found.scan(f"export {name}.{file_format}", content)
    reports = signed_in(manager, mfa=True)
    for slug in DATASETS:
        response = reports.get(reverse("reports_chart_csv", args=[slug]))
        assert response.status_code == 200, slug
        found.scan(f"dashboard CSV {slug}", response.content)

    # Every e-mail: subject, text, every alternative.
    for message in mail.outbox:
        parts = [message.subject, message.body, *(str(part[0]) for part in message.alternatives)]
        found.scan(f"e-mail to {message.to} ({message.subject})", "\n".join(parts))

    # The str() and repr() of every model instance.
    for model in apps.get_models():
        for obj in model._default_manager.all()[:500]:
            found.scan(f"str/repr of {model.__name__}", f"{obj}\n{obj!r}")

    # The logs: every record as emitted, and every JSON line the handler wrote.
    raw, lines = logs
    assert raw.texts and lines.getvalue()
    for name, level, text in raw.texts:
        found.scan(f"a {level} record of {name!r}", text)
    for line in lines.getvalue().splitlines():
        json.loads(line)
        found.scan("a JSON log line", line)

    # The whole database, dumped as an operator would back it up.
    dump = database_dump()
    assert "activation_activationcode" in dump
    found.scan("the database dump", dump)

    assert not found, "codes found:\n" + "\n".join(found.found)


# Error pages and error reports ------------------------------------------------------


@csrf_exempt
def fails_after_reading_a_code(request):
    """A view that breaks while a typed code sits in its variables and its request."""
    typed = request.POST.get("code") or json.loads(request.body or b"{}").get("code", "")
    canonical = codes.normalise(typed)
    shown = codes.display(canonical)
    parsed = {"imei": "490000000000000", "attempt": canonical.lower()}
    visible_marker = "a-harmless-local-value"  # noqa: F841  (shown on the debug page)
    raise RuntimeError(f"failed while handling {len(shown)} symbols for {parsed['imei']}")


urlpatterns = [
    path("boom/", fails_after_reading_a_code),
    path("", include("portal.urls")),
]


def post_code(client, plaintext, as_json=False):
    if as_json:
        body = json.dumps({"code": codes.display(plaintext)})
        return client.post("/boom/", body, content_type="application/json")
    return client.post("/boom/", {"code": codes.display(plaintext).lower()})


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
def test_the_500_page_shows_no_code(db, as_json):
    plaintext = codes.generate()
    client = Client(raise_request_exception=False)

    response = post_code(client, plaintext, as_json)

    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body
    assert leaks(body, [plaintext]) == []


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
def test_the_debug_error_page_hides_codes_in_variables_and_the_request(db, settings, as_json):
    settings.DEBUG = True
    plaintext = codes.generate()
    client = Client(raise_request_exception=False)

    response = post_code(client, plaintext, as_json)

    body = response.content.decode()
    assert response.status_code == 500
    assert "visible_marker" in body and "a-harmless-local-value" in body  # locals are shown
    assert leaks(body, [plaintext]) == []
    assert settings.ACTIVATION_KEYS.split(",")[0].split(":")[1] not in body


def failure_with_a_code_in_scope(rf, plaintext):
    """``(request, exc_info)`` of the view above failing on ``plaintext``."""
    request = rf.post("/boom/", {"code": codes.display(plaintext)})
    request.user = None
    try:
        fails_after_reading_a_code(request)
    except RuntimeError:
        return request, sys.exc_info()
    raise AssertionError("the view did not fail")


def test_djangos_own_filter_would_have_shown_the_code(db, settings, rf):
    """Why portal/reporting.py exists: Django's default filter shows locals and POST
    fields with DEBUG on (and POST fields always, unless a view is decorated)."""
    settings.DEBUG = True
    plaintext = codes.generate()
    request, exc_info = failure_with_a_code_in_scope(rf, plaintext)
    reporter = ExceptionReporter(request, *exc_info)
    assert isinstance(reporter.filter, CodeSafeExceptionReporterFilter)  # ours is configured
    reporter.filter = SafeExceptionReporterFilter()
    assert leaks(reporter.get_traceback_html(), [plaintext])


def test_error_reports_for_admins_hide_codes(db, settings, rf):
    """The text and HTML report (as mailed to ADMINS) of a failure with a code in scope."""
    settings.ADMINS = ["ops@example.com"]
    plaintext = codes.generate()
    request, exc_info = failure_with_a_code_in_scope(rf, plaintext)
    reporter = ExceptionReporter(request, *exc_info)
    assert leaks(reporter.get_traceback_text(), [plaintext]) == []
    assert leaks(reporter.get_traceback_html(), [plaintext]) == []

    record = logging.LogRecord("django.request", logging.ERROR, "", 0, "boom", (), exc_info)
    record.request = request
    AdminEmailHandler(include_html=True).emit(record)
    message = mail.outbox[-1]
    assert message.to == ["ops@example.com"]
    parts = [message.subject, message.body, *(str(part[0]) for part in message.alternatives)]
    assert "RuntimeError" in message.body
    assert leaks("\n".join(parts), [plaintext]) == []
