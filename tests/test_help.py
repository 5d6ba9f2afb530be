"""The help centre: the support article edited into pages, search and feedback."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from activation import help_content, ratelimit
from activation.models import HelpEntry, HelpFeedback, SupportContact

SLUGS = [entry[0] for entry in help_content.ENTRIES]


@pytest.fixture
def fresh_limit(db):
    ratelimit.reset_all()
    yield
    ratelimit.reset_all()


def test_the_migration_loads_the_article_as_entries(db):
    entries = HelpEntry.objects.filter(language="en")
    assert sorted(entries.values_list("slug", flat=True)) == sorted(SLUGS)
    assert set(entries.values_list("article_id", "revision", "last_reviewed")) == {
        ("KB2431699", "16.4", datetime.date(2013, 4, 15))
    }
    assert set(entries.values_list("section", flat=True)) == set(HelpEntry.Section.values)


def test_the_index_groups_entries_by_section_and_names_the_article(client, db):
    body = client.get(reverse("help_index")).content.decode()

    headings = [str(label) for label in HelpEntry.Section.labels]
    positions = [body.index(f">{heading}</h2>") for heading in headings]
    assert positions == sorted(positions)
    for slug in SLUGS:
        assert reverse("help_entry", args=[slug]) in body
    assert "KB2431699" in body
    assert "revision 16.4" in body
    assert "April 15, 2013" in body


@pytest.mark.parametrize("slug", SLUGS)
def test_each_entry_has_its_own_page(client, db, slug):
    response = client.get(reverse("help_entry", args=[slug]))
    body = response.content.decode()
    assert response.status_code == 200
    assert HelpEntry.objects.get(slug=slug, language="en").title in body
    assert "Article KB2431699 · revision 16.4 · last reviewed April 15, 2013" in body
    assert "Was this helpful?" in body


@pytest.mark.parametrize(
    ("slug", "phrases"),
    [
        ("activation-failed", ["without troubling you", "Tap Close"]),
        ("activate-windows-phone-screen", ["need an activation code to finish setup"]),
        ("windows-phone-7-wording", ["ACTIVATE WINDOWS LIVE", "Windows Live ID"]),
        ("why-a-new-code", ["manufacturing process", "does not reflect a problem"]),
        ("get-a-new-code", ["free of charge", "(800) MICROSOFT (642-7676)", "share"]),
        ("what-skip-does", ["Skip", "until you have a new activation code"]),
        ("return-to-the-activation-screen", ["Xbox LIVE", "Outlook.com"]),
        ("try-a-different-account", ["belongs to the phone"]),
        ("can-i-use-my-phone-after-skip", ["send text messages"]),
        ("keep-your-code-safe", ["factory settings"]),
    ],
)
def test_the_article_says_it_here(client, db, slug, phrases):
    body = client.get(reverse("help_entry", args=[slug])).content.decode()
    for phrase in phrases:
        assert phrase in body


def test_the_steps_to_add_an_account_are_a_numbered_list(client, db):
    body = client.get(reverse("help_entry", args=["add-an-account"])).content.decode()
    steps = body.split('<ol class="numbered">')[1].split("</ol>")[0]
    assert steps.count("<li>") == 6
    assert "Email+accounts" in steps
    assert "tap Activate" in steps


def test_the_contact_page_lists_every_country(client, db):
    SupportContact.objects.create(country_code="DE", country="Germany", phone="0800 284 8283")
    body = client.get(reverse("help_entry", args=["contact-support"])).content.decode()
    assert "United States: (800) MICROSOFT (642-7676)" in body
    assert "Germany: 0800 284 8283" in body


def test_an_unknown_or_unpublished_entry_is_not_found(client, db):
    HelpEntry.objects.filter(slug="what-skip-does").update(is_published=False)
    assert client.get(reverse("help_entry", args=["no-such-page"])).status_code == 404
    assert client.get(reverse("help_entry", args=["what-skip-does"])).status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("skip", "What Skip does"),
        ("Xbox", "Return to the activation screen"),
        ("manufacturing", "Why your phone asks for a new activation code"),
    ],
)
def test_search_finds_entries(client, db, query, expected):
    body = client.get(reverse("help_index"), {"q": query}).content.decode()
    results = body.split('class="results"')[1].split("</section>")[0]
    assert expected in results


def test_search_says_when_nothing_matches(client, db):
    body = client.get(reverse("help_index"), {"q": "zzyzx"}).content.decode()
    assert "0 results" in body
    assert "Nothing matched" in body


def test_feedback_is_anonymous_and_saved(client, db, fresh_limit):
    url = reverse("help_feedback", args=["what-skip-does"])

    response = client.post(url, {"helpful": "no", "reason": "Say how long Skip lasts."})

    feedback = HelpFeedback.objects.get()
    assert feedback.entry.slug == "what-skip-does"
    assert feedback.helpful is False
    assert feedback.reason == "Say how long Skip lasts."
    assert response.headers["Location"] == reverse("help_entry", args=["what-skip-does"])
    assert "Thank you" in client.get(response.headers["Location"]).content.decode()


def test_feedback_without_an_answer_changes_nothing(client, db, fresh_limit):
    response = client.post(reverse("help_feedback", args=["what-skip-does"]), {"reason": "x"})
    assert response.status_code == 400
    assert "Choose Yes or No." in response.content.decode()
    assert not HelpFeedback.objects.exists()


def test_feedback_refuses_get(client, db):
    assert client.get(reverse("help_feedback", args=["what-skip-does"])).status_code == 405


@pytest.mark.parametrize("operator_limit", [None, 2], ids=["default", "set by the operator"])
def test_feedback_is_rate_limited_per_client(client, db, fresh_limit, settings, operator_limit):
    if operator_limit:
        settings.PAGE_RATE_LIMITS = {
            **settings.PAGE_RATE_LIMITS,
            "help_feedback_per_ip": (operator_limit, 3600),
        }
    limit, _ = settings.PAGE_RATE_LIMITS["help_feedback_per_ip"]
    url = reverse("help_feedback", args=["what-skip-does"])
    for _ in range(limit):
        assert client.post(url, {"helpful": "yes"}).status_code == 302

    refused = client.post(url, {"helpful": "yes"})
    elsewhere = client.post(url, {"helpful": "yes"}, REMOTE_ADDR="203.0.113.9")

    assert refused.status_code == 429
    assert "too many times" in refused.content.decode()
    assert elsewhere.status_code == 302
    assert HelpFeedback.objects.count() == limit + 1


def test_the_home_page_starts_the_guided_path(client, db):
    body = client.get(reverse("home")).content.decode()
    assert "Is your phone showing “ACTIVATE WINDOWS PHONE”?" in body
    assert "Your account is fine" in body
    assert "The code is free" in body
    assert "Skip keeps your phone usable" in body
    assert reverse("account_signup") in body


def test_the_guided_path_leads_a_customer_to_the_next_step(client, customer, make_device, db):
    client.force_login(customer)
    before = client.get(reverse("home")).content.decode()
    device = make_device(owner=customer)
    after = client.get(reverse("home")).content.decode()

    assert reverse("device_add") in before
    assert reverse("request_code", args=[device.public_id]) in after


def test_edited_help_content_reaches_the_pages_through_load_help_content(client, db, monkeypatch):
    """Migrations load the content frozen beside them; an edit of help_content.py is
    loaded by the command, in place (feedback stays attached), new entries included."""
    slug, section, position, _title, summary, body = help_content.ENTRIES[0]
    entry = HelpEntry.objects.get(slug=slug, language="en")
    HelpFeedback.objects.create(entry=entry, helpful=True)
    edited = (slug, section, position, "An edited title", summary, body)
    added = ("a-new-entry", section, 99, "A new entry", "Its summary.", "Its body.")
    monkeypatch.setattr(help_content, "ENTRIES", [edited, added, *help_content.ENTRIES[1:]])

    out = StringIO()
    call_command("load_help_content", stdout=out)

    assert "1 entries created" in out.getvalue()
    page = client.get(reverse("help_entry", args=[slug])).content.decode()
    assert "An edited title" in page
    assert client.get(reverse("help_entry", args=["a-new-entry"])).status_code == 200
    assert HelpFeedback.objects.filter(entry__slug=slug, entry__language="en").count() == 1
