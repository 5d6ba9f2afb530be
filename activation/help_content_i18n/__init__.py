"""The help centre in the portal's other languages: one module per language.

Each module translates every entry of ``help_content.ENTRIES`` (same slugs) as
``ENTRIES = {slug: (title, summary, body)}``; section, position and the article's ID,
revision and review date come from the English entry. Loaded into ``HelpEntry`` rows
by ``python manage.py load_help_content`` (migration 0005 loads a frozen copy). A
language or entry missing here is shown in English by the help views
(activation/views.py), one whole entry at a time.
"""

from importlib import import_module

from activation import help_content

# Language code (as in settings.LANGUAGES) -> module in this package.
MODULES = {
    "de": "de",
    "es": "es",
    "fr": "fr",
    "it": "it",
    "ja": "ja",
    "pt-br": "pt_br",
}


def entries(language: str) -> dict[str, tuple[str, str, str]]:
    return import_module(f"{__name__}.{MODULES[language]}").ENTRIES


def rows():
    """Field values for each translated ``HelpEntry``, like ``help_content.rows()``."""
    english = {row["slug"]: row for row in help_content.rows()}
    for language in MODULES:
        for slug, (title, summary, body) in entries(language).items():
            yield {
                **english[slug],
                "language": language,
                "title": title,
                "summary": summary,
                "body": body,
            }
