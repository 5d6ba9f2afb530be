"""The help centre's English text, edited from support article KB2431699 (rev. 16.4).

Loaded into ``HelpEntry`` rows by ``python manage.py load_help_content`` (migration 0003
loads a frozen copy); agents edit the rows in the admin afterwards. Bodies use a tiny
plain-text format, read by ``blocks``: paragraphs are separated by a blank line, a
paragraph whose lines start with "1. ", "2. " ... is a numbered list, and one whose
lines start with "- " is a bullet list.
"""

import datetime
import re

ARTICLE_ID = "KB2431699"
REVISION = "16.4"
LAST_REVIEWED = datetime.date(2013, 4, 15)
LANGUAGE = "en"
US_PHONE = "(800) MICROSOFT (642-7676)"

# (slug, section, position, title, summary, body)
ENTRIES = [
    (
        "activation-failed",
        "symptoms",
        10,
        "“Activation failed”",
        "The first screen you may see: the phone could not activate itself quietly.",
        """\
Your phone shows a screen titled “Activation failed” with this text: “We were trying \
to activate your phone without troubling you about it, but something went wrong, so we \
need some more information before we can continue. Tap close and we’ll explain.”

Nothing is broken. The phone normally activates itself in the background when you sign \
in with your Microsoft account. This time it could not, so it asks you for help.

Tap Close. The next screen is “ACTIVATE WINDOWS PHONE”, where you can enter a new \
activation code.""",
    ),
    (
        "activate-windows-phone-screen",
        "symptoms",
        20,
        "“ACTIVATE WINDOWS PHONE”",
        "The phone asks for an activation code to finish setting up your Microsoft account.",
        """\
The screen says: “There was a problem setting up your Microsoft account on the phone, \
and we need an activation code to finish setup. You can call customer service to get \
the code, then enter it here.”

It offers two ways on: enter an activation code and tap Activate, or tap Skip to \
continue without one for now.

This screen does not mean that anything is wrong with your Microsoft account. You need \
a new activation code for this phone, which support gives you free of charge.""",
    ),
    (
        "windows-phone-7-wording",
        "symptoms",
        30,
        "On Windows Phone 7: “ACTIVATE WINDOWS LIVE”",
        "Older phones use the name Windows Live instead of Microsoft account.",
        """\
On Windows Phone 7 the Microsoft account is still called Windows Live. If your phone \
runs Windows Phone 7, the screen is titled “ACTIVATE WINDOWS LIVE” and calls your \
account a “Windows Live ID” instead of a “Microsoft account”.

Everything in this help applies the same way: wherever it says Microsoft account, read \
Windows Live ID. When you add your phone to this portal, its pages use the words your \
phone uses.""",
    ),
    (
        "why-a-new-code",
        "cause",
        10,
        "Why your phone asks for a new activation code",
        "Every phone is made with a code; rarely, it needs a new one.",
        """\
Each Windows Phone is created with an activation code as part of the manufacturing \
process. In rare cases, a new activation code is required to complete the Microsoft \
account sign-in. This is why you are asked for a new activation code when you sign in \
with your Microsoft account for the first time.

The “ACTIVATE WINDOWS PHONE” screen does not reflect a problem with the Microsoft \
account that you are trying to sign in with. Your account is fine.""",
    ),
    (
        "get-a-new-code",
        "resolution",
        10,
        "Get a new activation code",
        "Support gives you a new code free of charge, on the web or by phone.",
        """\
Ask for a new code here: create an account, add your phone by its IMEI and send a \
request. Support answers your request and the code appears on your phone’s page. It is \
free of charge.

You can also call customer service: in the United States, call (800) MICROSOFT \
(642-7676). Numbers for other countries are listed under Contact support.

Keep your new code somewhere safe. If you ever reset this phone to factory settings, \
you will see the “ACTIVATE WINDOWS PHONE” screen again and can enter the same code \
again. You can also show it again on this portal at any time.

Don’t share your code with anyone. It belongs to your phone only, and using it on \
another phone can stop it from working.""",
    ),
    (
        "what-skip-does",
        "resolution",
        20,
        "What Skip does",
        "Skip lets you keep using your phone until you have your new code.",
        """\
You can tap Skip on the “ACTIVATE WINDOWS PHONE” screen. This closes the screen and \
cancels the Microsoft account sign-in for now, and you can go on using your phone until \
you have a new activation code.

The phone asks again the next time you do something that needs your Microsoft account, \
so you can enter the code then.""",
    ),
    (
        "return-to-the-activation-screen",
        "resolution",
        30,
        "Return to the activation screen and enter your code",
        "The phone asks for the code again when a feature needs your Microsoft account.",
        """\
You can enter your new activation code the next time you use a feature that needs a \
Microsoft account sign-in, for example:

- playing a game on Xbox LIVE,
- downloading an app from Windows Phone Store or Marketplace,
- adding a Hotmail or Outlook.com e-mail account.

Each of these shows a Microsoft account sign-in screen and then asks for your new \
activation code. The quickest way is to add your Microsoft account to the phone: see \
“Add your Microsoft account to reach the activation screen”.""",
    ),
    (
        "add-an-account",
        "resolution",
        40,
        "Add your Microsoft account to reach the activation screen",
        "Step by step, from Start to the Activate button.",
        """\
Adding your Microsoft account to the phone takes you straight to the activation screen:

1. On your phone, go to Start, flick left to the App list, tap Settings, \
and then tap Email+accounts.
2. Tap Add an account, and then tap Microsoft account (Windows Live on Windows Phone 7).
3. If you haven’t signed in with a Microsoft account yet, the “Before you sign in” screen \
appears. Tap Next.
4. Tap the Microsoft account (or Windows Live ID) box, and enter your Microsoft account.
5. Tap the Password box, and enter your Microsoft account password.
6. Tap Sign in. You will see the “ACTIVATE WINDOWS PHONE” screen. Enter your new \
activation code and tap Activate.""",
    ),
    (
        "try-a-different-account",
        "faq",
        10,
        "Should I try signing in with a different Microsoft account?",
        "No: the code belongs to the phone, not to the account.",
        """\
No. You will still be asked for an activation code with a different Microsoft account, \
because the code belongs to the phone, not to the account.

The request for a new activation code does not reflect a problem with the Microsoft \
account you are trying to sign in with.""",
    ),
    (
        "can-i-use-my-phone-after-skip",
        "faq",
        20,
        "If I tap Skip, can I still use my phone?",
        "Yes: calls, texts, the web and most built-in apps keep working.",
        """\
Yes. Tapping Skip closes the screen and cancels your Microsoft account (or Windows Live \
ID) sign-in attempt. You can still make calls, send text messages, browse the internet \
and run most built-in apps.

When you have your new activation code, see “Return to the activation screen and enter \
your code” to enter it.""",
    ),
    (
        "keep-your-code-safe",
        "faq",
        30,
        "What should I do with my new code after I’ve entered it?",
        "Keep it somewhere safe: you need it again after a factory reset.",
        """\
Keep the code somewhere safe in case you need it again. For example, you need it if you \
ever reset your phone to factory settings.

If you lose it, sign in here, open your phone’s page and choose “Show my code”. You will \
be asked for your password first.""",
    ),
    (
        "contact-support",
        "contact",
        10,
        "Contact support",
        "Call customer service free of charge, or send a request on this site.",
        """\
Customer service helps you free of charge. In the United States, call (800) MICROSOFT \
(642-7676).

Outside the United States, call the number for your country in the list below.

You can also send a request on this site at any time: sign in, add your phone and ask \
for a new code. You can follow your request and read support’s replies here.""",
    ),
]

_NUMBERED = re.compile(r"^\d+\.\s+")


def rows():
    """Field values for each ``HelpEntry``, keyed by (slug, language)."""
    for slug, section, position, title, summary, body in ENTRIES:
        yield {
            "slug": slug,
            "language": LANGUAGE,
            "section": section,
            "position": position,
            "title": title,
            "summary": summary,
            "body": body,
            "article_id": ARTICLE_ID,
            "revision": REVISION,
            "last_reviewed": LAST_REVIEWED,
            "is_published": True,
        }


def blocks(body: str) -> list[tuple[str, list[str]]]:
    """Split a body into ``("p", [text])``, ``("ol", items)`` and ``("ul", items)``."""
    result = []
    for chunk in re.split(r"\n\s*\n", (body or "").strip()):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        if not lines:
            continue
        if all(_NUMBERED.match(line) for line in lines):
            result.append(("ol", [_NUMBERED.sub("", line) for line in lines]))
        elif all(line.startswith("- ") for line in lines):
            result.append(("ul", [line[2:] for line in lines]))
        else:
            result.append(("p", [" ".join(lines)]))
    return result
