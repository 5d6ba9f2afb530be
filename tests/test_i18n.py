"""The portal in several languages: catalogues, the language switcher, the customer's
language on the account and in e-mail, the help centre per language, local dates."""

import ast
import gettext
import html
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from activation import help_content, help_content_i18n
from activation.models import HelpEntry
from tests.conftest import PASSWORD

LOCALE_DIR = Path(django_settings.BASE_DIR) / "locale"
# settings.LANGUAGES minus English, the language the code is written in.
TRANSLATED = [code for code, _ in django_settings.LANGUAGES if code != "en"]
SLUGS = [entry[0] for entry in help_content.ENTRIES]
ENGLISH = {entry[0]: entry[3] for entry in help_content.ENTRIES}  # slug -> title


def locale_name(language: str) -> str:
    return translation.to_locale(language)


def po_path(language: str) -> Path:
    return LOCALE_DIR / locale_name(language) / "LC_MESSAGES" / "django.po"


# A .po reader in plain Python, so these checks run without GNU gettext installed ----


def read_po(path: Path) -> list[dict]:
    """Entries of a .po file as gettext writes it (blank lines between entries): msgctxt,
    msgid, msgid_plural, msgstr {index: text} and flags. Obsolete (``#~``) lines are
    left out, as msgfmt leaves them out."""
    entries = []
    for chunk in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        entry = {"msgctxt": None, "msgid": None, "msgid_plural": None, "msgstr": {}}
        entry["flags"], field = set(), None
        for line in chunk.splitlines():
            line = line.strip()
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith('"') and field is not None:
                text = ast.literal_eval(line)
                if field.startswith("msgstr"):
                    index = int(field[7:-1]) if "[" in field else 0
                    entry["msgstr"][index] += text
                else:
                    entry[field] += text
            elif line and not line.startswith("#"):
                field, _, value = line.partition(" ")
                text = ast.literal_eval(value)
                if field.startswith("msgstr"):
                    entry["msgstr"][int(field[7:-1]) if "[" in field else 0] = text
                else:
                    entry[field] = text
        if entry["msgid"] is not None:
            entries.append(entry)
    return entries


def po_catalog(entries: list[dict]) -> dict:
    """The catalogue the .po describes, keyed like ``GNUTranslations._catalog``."""
    catalog = {}
    for entry in entries:
        key = entry["msgid"]
        if entry["msgctxt"] is not None:
            key = f"{entry['msgctxt']}\x04{key}"
        if entry["msgid_plural"] is None:
            catalog[key] = entry["msgstr"][0]
            if key == "":
                catalog[key] = without_creation_date(catalog[key])
        else:
            for index, text in entry["msgstr"].items():
                catalog[(key, index)] = text
    return catalog


def without_creation_date(header: str) -> str:
    # msgfmt leaves the POT-Creation-Date out of the compiled header.
    return re.sub(r"POT-Creation-Date: [^\n]*\n", "", header)


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|</?[a-z][^>]*>")


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_catalogue_is_complete_and_nothing_is_fuzzy(language):
    entries = read_po(po_path(language))
    header, messages = entries[0], entries[1:]
    assert header["msgid"] == "" and "fuzzy" not in header["flags"]
    assert f"Language: {locale_name(language)}\n" in header["msgstr"][0]
    nplurals = int(re.search(r"nplurals=(\d+)", header["msgstr"][0]).group(1))

    untranslated = [e["msgid"] for e in messages if not all(e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in messages if "fuzzy" in e["flags"]]
    wrong_plurals = [
        e["msgid"] for e in messages if e["msgid_plural"] and len(e["msgstr"]) != nplurals
    ]
    assert messages
    assert untranslated == []
    assert fuzzy == []
    assert wrong_plurals == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_every_placeholder_and_tag(language):
    broken = []
    for entry in read_po(po_path(language))[1:]:
        source = set(PLACEHOLDER.findall(entry["msgid_plural"] or entry["msgid"]))
        for text in entry["msgstr"].values():
            if set(PLACEHOLDER.findall(text)) != source:
                broken.append((entry["msgid"], text))
    assert broken == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_committed_mo_files_match_their_po_files(language):
    """The .mo files are committed (no gettext needed to run the portal): each must hold
    exactly what its .po says. Rebuild with ``python manage.py compilemessages``."""
    path = po_path(language)
    with path.with_suffix(".mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)._catalog
    catalog[""] = without_creation_date(catalog[""])
    assert catalog == po_catalog(read_po(path))


def test_the_catalogues_hold_every_string_in_the_code(tmp_path, settings, monkeypatch):
    """makemessages on a copy of the code: a string marked for translation but missing
    from the catalogues fails here (run makemessages, translate, compilemessages)."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        pytest.skip("GNU gettext (xgettext, msgmerge) is not installed; the .po checks still run")
    base = Path(django_settings.BASE_DIR)
    copy = tmp_path / "portal"
    skip = shutil.ignore_patterns(".*", "__pycache__", "staticfiles", "node_modules", "*.mo")
    for name in ("accounts", "activation", "portal", "templates", "locale"):
        shutil.copytree(base / name, copy / name, ignore=skip)
    # makemessages writes template stand-ins next to the templates it reads: in the copy,
    # never in a checkout someone else may be running this suite in.
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["de"], keep_pot=True, verbosity=0)
    pot = {(e["msgctxt"], e["msgid"]) for e in read_po(copy / "locale" / "django.pot")[1:]}
    for language in TRANSLATED:
        known = {(e["msgctxt"], e["msgid"]) for e in read_po(po_path(language))[1:]}
        missing = sorted(msgid for _, msgid in pot - known)
        assert missing == [], f"{language}: not in the catalogue"


# The language switcher and the account ---------------------------------------------


def page(response) -> str:
    """The page's text with HTML entities read back, for comparing with plain text."""
    return html.unescape(response.content.decode())


def main(response) -> str:
    return page(response).split("<main")[1].split("</main>")[0]


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)">', response.content.decode()).group(1)


def in_language(client, language):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_every_page_has_a_language_switcher_that_works_without_javascript(client, db):
    body = client.get(reverse("home")).content.decode()

    form = body.split('class="language-switcher"')[1].split("</form>")[0]
    assert f'action="{reverse("set_language")}"' in body
    assert reverse("set_language") == "/i18n/setlang/"
    assert '<label for="language-select">Language</label>' in form
    assert '<select name="language" id="language-select">' in form
    for code, name in django_settings.LANGUAGES:
        assert f'<option value="{code}" lang="{code}"' in form
        assert f">{name}</option>" in form
    assert '<option value="en" lang="en" selected>' in form
    assert 'type="submit"' in form
    assert 'name="next" value="/"' in form
    assert "csrfmiddlewaretoken" in form


def test_switching_language_changes_the_page_language_and_saves_it_on_the_account(client, customer):
    client.force_login(customer)

    response = client.post(reverse("set_language"), {"language": "fr", "next": "/help/"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/help/"
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "fr"
    page = client.get("/help/")
    assert html_lang(page) == "fr"
    assert "Aide sur les codes d’activation" in page.content.decode()
    assert '<option value="fr" lang="fr" selected>' in page.content.decode()
    customer.refresh_from_db()
    assert customer.language == "fr"


def test_switching_language_refuses_get_and_languages_the_portal_does_not_have(client, customer):
    client.force_login(customer)

    assert client.get(reverse("set_language"), {"language": "de"}).status_code == 405
    client.post(reverse("set_language"), {"language": "nl", "next": "/"})

    customer.refresh_from_db()
    assert customer.language == "en"
    assert html_lang(client.get("/")) == "en"


def test_a_visitor_switches_language_without_an_account(client, db):
    response = client.post(reverse("set_language"), {"language": "ja", "next": "/"})

    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "ja"
    assert html_lang(client.get("/")) == "ja"


def test_signing_in_switches_to_the_account_language(client, customer):
    customer.language = "pt-br"
    customer.save()
    in_language(client, "de")

    response = client.post(
        reverse("account_login"), {"login": customer.email, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "pt-br"
    page = client.get(reverse("device_list"))
    assert html_lang(page) == "pt-br"
    assert "Meus telefones" in page.content.decode()


def test_a_new_account_keeps_the_language_it_was_made_in(client, db, django_user_model):
    in_language(client, "es")

    client.post(
        reverse("account_signup"),
        {"email": "nueva@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert django_user_model.objects.get(email="nueva@example.com").language == "es"


def test_email_to_a_german_customer_is_in_german(customer, make_device, make_ticket, mailoutbox):
    customer.language = "de"
    customer.save()
    ticket = make_ticket(make_device(owner=customer))

    ticket.notify("opened")

    message = mailoutbox[-1]
    html = message.alternatives[0].content
    assert message.to == [customer.email]
    assert message.subject.endswith(f"Wir haben Ihre Anfrage {ticket.reference} erhalten")
    assert message.body.startswith("Hallo,")
    assert "Aktivierungscodes sind kostenlos" in message.body
    assert "Status: Neu" in message.body
    assert '<html lang="de">' in html


def test_email_follows_each_customers_own_language(
    customer, other_customer, make_device, make_ticket, mailoutbox
):
    other_customer.language = "ja"
    other_customer.save()

    make_ticket(make_device(owner=customer)).notify("resolved")
    make_ticket(make_device(owner=other_customer)).notify("resolved")

    english, japanese = mailoutbox[-2:]
    assert "Your request is resolved." in english.body
    assert "リクエストは解決しました。" in japanese.body
    assert '<html lang="ja">' in japanese.alternatives[0].content


# Dates and numbers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "reviewed"),
    [
        ("en", "April 15, 2013"),
        ("de", "15. April 2013"),
        ("es", "15 de abril de 2013"),
        ("fr", "15 avril 2013"),
        ("it", "15 Aprile 2013"),
        ("ja", "2013年4月15日"),
        ("pt-br", "15 de Abril de 2013"),
    ],
)
def test_dates_are_formatted_per_language(client, db, language, reviewed):
    body = in_language(client, language).get(reverse("help_index")).content.decode()
    meta = body.split('<p class="meta">')[1].split("</p>")[0]
    assert reviewed in meta


def test_numbers_are_formatted_per_language():
    template = Template("{{ value }}")
    with translation.override("de"):
        assert template.render(Context({"value": 1234.5})) == "1234,5"
    with translation.override("en"):
        assert template.render(Context({"value": 1234.5})) == "1234.5"


# The help centre per language ------------------------------------------------------


def test_the_migration_loads_every_entry_in_every_language(db):
    for language in TRANSLATED:
        rows = HelpEntry.objects.filter(language=language)
        assert sorted(rows.values_list("slug", flat=True)) == sorted(SLUGS), language
        assert set(rows.values_list("revision", "article_id")) == {("16.4", "KB2431699")}
    assert set(help_content_i18n.MODULES) == set(TRANSLATED)


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_help_index_is_in_the_visitors_language(client, db, language):
    translated = help_content_i18n.entries(language)

    response = in_language(client, language).get(reverse("help_index"))
    body = main(response)

    assert html_lang(response) == language
    assert response.headers["Content-Language"] == language
    for slug in SLUGS:
        assert body.count(f'href="{reverse("help_entry", args=[slug])}"') == 1
        title, summary, _ = translated[slug]
        assert f">{title}</a><p>{summary}</p>" in body
    assert ENGLISH["what-skip-does"] not in body
    assert ' lang="en"' not in body


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_help_entry_is_in_the_visitors_language(client, db, language):
    title, _, body_text = help_content_i18n.entries(language)["add-an-account"]
    steps_text = help_content.blocks(body_text)[1][1]

    response = in_language(client, language).get(reverse("help_entry", args=["add-an-account"]))
    body = main(response)

    assert html_lang(response) == language
    assert f'<h1 id="entry-title">{title}</h1>' in body
    steps = body.split('<ol class="numbered">')[1].split("</ol>")[0]
    assert steps == "".join(f"<li>{step}</li>" for step in steps_text)
    assert ENGLISH["add-an-account"] not in page(response)
    assert "Email+accounts" not in body


def test_an_entry_missing_in_a_language_is_shown_wholly_in_english(client, db):
    HelpEntry.objects.filter(slug="what-skip-does", language="de").delete()
    german_title = help_content_i18n.entries("de")["what-skip-does"][0]
    in_language(client, "de")

    response = client.get(reverse("help_entry", args=["what-skip-does"]))
    body = page(response)

    assert html_lang(response) == "en"
    assert response.headers["Content-Language"] == "en"
    assert '<h1 id="entry-title">What Skip does</h1>' in body
    assert "Was this helpful?" in body and "War das hilfreich?" not in body
    assert ">Sign in<" in body and "Anmelden" not in body
    assert german_title not in body
    # The visitor's own choice stays selected in the switcher.
    assert '<option value="de" lang="de" selected>' in body

    index = client.get(reverse("help_index"))
    assert html_lang(index) == "de"
    link = f'<a href="{reverse("help_entry", args=["what-skip-does"])}">What Skip does</a>'
    assert f'<li lang="en">{link}' in main(index)
    assert main(index).count(' lang="en"') == 1
    assert "Hilfe zu Aktivierungscodes" in main(index)
    # Other German entries link to it in English, marked as such.
    other = client.get(reverse("help_entry", args=["get-a-new-code"]))
    assert html_lang(other) == "de"
    assert f'<li lang="en">{link}</li>' in main(other)


def test_a_language_without_help_content_shows_the_english_help(client, db):
    HelpEntry.objects.filter(language="it").delete()

    response = in_language(client, "it").get(reverse("help_index"))
    body = main(response)

    assert html_lang(response) == "it"
    assert "Guida ai codici di attivazione" in body
    for slug, title in ENGLISH.items():
        href = reverse("help_entry", args=[slug])
        assert f'<li lang="en"><a href="{href}">{title}</a>' in body


def test_help_search_looks_in_the_visitors_language(client, db):
    response = in_language(client, "fr").get(reverse("help_index"), {"q": "Ignorer"})
    results = main(response).split('class="results"')[1].split("</section>")[0]
    assert "À quoi sert Ignorer" in results
    assert "What Skip does" not in results


def test_error_pages_speak_the_visitors_language(client, db):
    response = client.get(
        "/devices/00000000-0000-0000-0000-000000000000/x/", HTTP_ACCEPT_LANGUAGE="de"
    )
    assert response.status_code == 404
    body = response.content.decode()
    assert '<html lang="de">' in body and "Seite nicht gefunden" in body
