"""Customer-facing pages: guided start, help centre, devices, requests and codes.

Every page about a customer's things starts with one lookup through
``...objects.owned_by(request.user)``, so another customer's object is a 404. The
model methods do the work; views turn ``DomainError.code`` into words.
"""

import math

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connections
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from . import codes, help_content, possession, ratelimit
from .code_pages import ShownCode, code_page
from .forms import (
    NO_CODES,
    CodeRequestForm,
    DeviceForm,
    HelpFeedbackForm,
    HelpSearchForm,
    OutcomeForm,
    ReplyForm,
)
from .http import client_ip
from .models import (
    ActivationCode,
    AuditEvent,
    Device,
    DomainError,
    HelpEntry,
    HelpFeedback,
    SupportContact,
    Ticket,
    ascii_digits,
)

# Counter scopes; the limits themselves are settings.PAGE_RATE_LIMITS (environment).
REVEAL_SCOPE = "code-reveal"
FEEDBACK_SCOPE = "help-feedback"

ERRORS = {
    "already_registered": gettext_lazy("This phone is already in your list."),
    "reason_required": gettext_lazy("Please say what happened on the phone."),
    "empty_message": gettext_lazy("Write a message first."),
    "contains_code": NO_CODES,
    "no_code_yet": gettext_lazy("There is no code on this request to try yet."),
    "not_open": gettext_lazy("This request is already closed."),
    "already_open": gettext_lazy("This request is already open and being worked on."),
    "other_open": gettext_lazy(
        "Another request for this phone is open: please follow that one instead."
    ),
    "permission_denied": gettext_lazy("This action is not available on this request."),
}


def words_for(error: DomainError) -> str:
    return str(
        ERRORS.get(error.code, _("Something went wrong. Please try again or contact support."))
    )


def _too_many(request, template, context, limit):
    context = {**context, "minutes": math.ceil(limit.retry_after / 60)}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(limit.retry_after)
    return response


# Home: the guided start ----------------------------------------------------------------


@require_safe
def home(request):
    devices = []
    if request.user.is_authenticated:
        devices = list(Device.objects.owned_by(request.user)[:5])
    contacts = SupportContact.objects.all()[:5]
    return render(request, "activation/home.html", {"contacts": contacts, "devices": devices})


# Help centre ---------------------------------------------------------------------------


def _help_entries():
    """Published entries, one per slug: in the visitor's language where that entry is
    translated, else in English. Each row is whole, so a page never mixes languages."""
    language = get_language() or settings.LANGUAGE_CODE
    published = HelpEntry.objects.filter(is_published=True)
    if language == "en":
        return published.filter(language="en")
    translated = published.filter(language=language)
    return published.filter(
        Q(language=language) | Q(language="en") & ~Q(slug__in=translated.values("slug"))
    )


def _search(entries, query: str):
    if connections[entries.db].vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        # English stemming for English entries; other languages match whole words.
        language = get_language() or settings.LANGUAGE_CODE
        config = "english" if language == "en" else "simple"
        vector = (
            SearchVector("title", weight="A", config=config)
            + SearchVector("summary", weight="B", config=config)
            + SearchVector("body", weight="C", config=config)
        )
        search = SearchQuery(query, search_type="websearch", config=config)
        return (
            entries.annotate(document=vector, rank=SearchRank(vector, search))
            .filter(document=search)
            .order_by("-rank", "section", "position")
        )
    for word in query.split():
        entries = entries.filter(
            Q(title__icontains=word) | Q(summary__icontains=word) | Q(body__icontains=word)
        )
    return entries


@require_safe
def help_index(request):
    entries = _help_entries()
    form = HelpSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    results = list(_search(entries, query)) if query else None
    all_entries = list(entries)
    sections = [
        (label, [entry for entry in all_entries if entry.section == value])
        for value, label in HelpEntry.Section.choices
    ]
    context = {
        "form": form,
        "query": query,
        "results": results,
        "sections": [(label, items) for label, items in sections if items],
        "article": all_entries[0] if all_entries else None,
    }
    return render(request, "activation/help_index.html", context)


def _help_page(request, entry, form, status=200):
    related = _help_entries().filter(section=entry.section).exclude(pk=entry.pk)
    context = {
        "entry": entry,
        "blocks": help_content.blocks(entry.body),
        "related": related,
        "form": form,
        "contacts": SupportContact.objects.all()
        if entry.section == HelpEntry.Section.CONTACT
        else [],
        "us_phone": help_content.US_PHONE,
    }
    response = render(request, "activation/help_entry.html", context, status=status)
    response.headers["Content-Language"] = entry.language
    return response


@require_safe
def help_entry(request, slug):
    entry = get_object_or_404(_help_entries(), slug=slug)
    # An entry not translated yet is shown in English as a whole page, around it too.
    with translation.override(entry.language):
        return _help_page(request, entry, HelpFeedbackForm())


@require_POST
def help_feedback(request, slug):
    entry = get_object_or_404(_help_entries(), slug=slug)
    with translation.override(entry.language):
        return _help_feedback(request, entry)


def _help_feedback(request, entry):
    limit, window = settings.PAGE_RATE_LIMITS["help_feedback_per_ip"]
    address = client_ip(request) or "unknown"
    counted = ratelimit.hit(FEEDBACK_SCOPE, address, limit=limit, window=window)
    if not counted.allowed:
        return _too_many(request, "activation/too_many.html", {"back": entry}, counted)
    form = HelpFeedbackForm(request.POST)
    if not form.is_valid():
        return _help_page(request, entry, form, status=400)
    HelpFeedback.objects.create(
        entry=entry, helpful=form.cleaned_data["helpful"], reason=form.cleaned_data["reason"]
    )
    messages.success(request, _("Thank you: your answer helps us improve this page."))
    return redirect("help_entry", slug=entry.slug)


# Devices -------------------------------------------------------------------------------


@require_safe
@login_required
def device_list(request):
    open_requests = Ticket.objects.open().filter(customer=request.user).order_by("created_at")
    devices = (
        Device.objects.owned_by(request.user)
        .with_code_status()
        .prefetch_related(Prefetch("tickets", queryset=open_requests, to_attr="open_requests"))
    )
    return render(request, "activation/device_list.html", {"devices": devices})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def device_add(request):
    form = DeviceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, review = Device.objects.register(
                request.user,
                imei=form.cleaned_data["imei"],
                os_version=form.cleaned_data["os_version"],
                model_name=form.cleaned_data["model_name"],
            )
        except DomainError as error:
            form.add_error("imei", words_for(error))
        else:
            if review is not None:
                messages.warning(
                    request,
                    _(
                        "This phone is registered to another account, so we could not add "
                        "it. We opened an ownership review (%(reference)s): support will "
                        "check and contact you."
                    )
                    % {"reference": review.reference},
                )
                return redirect("ticket_detail", reference=review.reference)
            messages.success(request, _("Your phone is in your list."))
            return redirect("device_detail", public_id=device.public_id)
    status = 400 if form.errors else 200
    return render(request, "activation/device_add.html", {"form": form}, status=status)


@require_safe
@login_required
def device_detail(request, public_id):
    device = get_object_or_404(Device.objects.owned_by(request.user), public_id=public_id)
    device_codes = list(device.codes.all())
    current = next((code for code in device_codes if code.status == "active"), None)
    # Only the newest code counts: an older one suspended before a new code changes nothing.
    newest = device_codes[0] if device_codes else None
    suspended = newest if newest and newest.status == "suspended" else None
    requests = device.tickets.filter(customer=request.user).order_by("-created_at")
    context = {
        "device": device,
        "codes": device_codes,
        "current": current,
        "suspended": suspended,
        "can_reveal": current is not None and current.kind == ActivationCode.Kind.SUPPORT,
        "requests": requests,
        "open_request": next((t for t in requests if t.is_open), None),
    }
    return render(request, "activation/device_detail.html", context)


# Requests ------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def request_code(request, public_id):
    device = get_object_or_404(Device.objects.owned_by(request.user), public_id=public_id)
    form = CodeRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["request_code"]:
            # Checking a request code needs its limit: refuse before writing anything.
            ratelimit.ensure_available()
        try:
            ticket, created = Ticket.objects.request_code(
                device, reason=form.cleaned_data["reason"], customer=request.user
            )
        except DomainError as error:
            form.add_error("reason", words_for(error))
        else:
            return _after_request(request, device, ticket, created, form)
    status = 400 if form.errors else 200
    return render(
        request, "activation/request_form.html", {"device": device, "form": form}, status=status
    )


def _after_request(request, device, ticket, created, form):
    if ticket.customer_id != request.user.pk:
        # Opened for this phone by someone else (e.g. a phone call): say so, show nothing.
        messages.info(
            request,
            _("A request for this phone is already open with support; we added your message."),
        )
        return redirect("device_detail", public_id=device.public_id)
    typed = form.cleaned_data["request_code"]
    try:
        issued = typed and possession.instant_issue(ticket, typed, request.user)
    except (codes.CodeUnavailable, ratelimit.LimiterUnavailable):
        # The phone's code cannot be read back, or the limits went away since the check
        # above: nothing was issued, so the request waits for an agent like any other.
        issued = None
    if issued:
        messages.success(
            request,
            _(
                "Your new code is ready. Choose “Show my code” below to see it (you will be "
                "asked for your password)."
            ),
        )
        return redirect("device_detail", public_id=device.public_id)
    if created:
        messages.success(
            request,
            _("Request %(reference)s received. We e-mail you when there is news.")
            % {"reference": ticket.reference},
        )
    else:
        messages.info(
            request,
            _(
                "You already had an open request for this phone, so we added your message "
                "to it (%(reference)s)."
            )
            % {"reference": ticket.reference},
        )
    return redirect("ticket_detail", reference=ticket.reference)


PAGE_SIZE = 25
MAX_PAGE_DIGITS = 9  # its OFFSET stays far inside the database's bigint


def _page_number(request) -> int:
    """The ``page`` asked for (1 when none): anything but a page number is a 404."""
    raw = request.GET.get("page", "1")
    if not (ascii_digits(raw) and len(raw) <= MAX_PAGE_DIGITS and int(raw) >= 1):
        raise Http404
    return int(raw)


@require_safe
@login_required
def ticket_list(request):
    # Pages of PAGE_SIZE, newest first, without a COUNT: one row more than a page tells
    # whether an older page exists, and an empty page after the first is a 404.
    page = _page_number(request)
    start = (page - 1) * PAGE_SIZE
    tickets = list(
        Ticket.objects.owned_by(request.user)
        .select_related("device")
        .order_by("-created_at", "-pk")[start : start + PAGE_SIZE + 1]
    )
    if page > 1 and not tickets:
        raise Http404
    return render(
        request,
        "activation/ticket_list.html",
        {
            "tickets": tickets[:PAGE_SIZE],
            "newer_page": page - 1 if page > 1 else None,
            "older_page": page + 1 if len(tickets) > PAGE_SIZE else None,
        },
    )


TIMELINE_ACTIONS = [
    AuditEvent.Action.TICKET_OPENED,
    AuditEvent.Action.TICKET_STATUS,
    AuditEvent.Action.CODE_ISSUED,
]


def _timeline(ticket):
    events = AuditEvent.objects.filter(ticket=ticket, action__in=TIMELINE_ACTIONS).select_related(
        "code"
    )
    statuses = dict(Ticket.Status.choices)
    for event in events.order_by("created_at", "pk"):
        if event.action == AuditEvent.Action.TICKET_OPENED:
            text = _("Request opened")
        elif event.action == AuditEvent.Action.CODE_ISSUED:
            hint = event.code.hint if event.code else "?????"
            text = _("New activation code issued (ends in %(hint)s)") % {"hint": hint}
        else:
            label = statuses.get(event.data.get("to"), event.data.get("to", ""))
            text = _("Status: %(status)s") % {"status": label}
        yield {"at": event.created_at, "text": text, "action": event.action}


def _ticket_page(request, ticket, reply_form, status=200):
    context = {
        "ticket": ticket,
        "timeline": list(_timeline(ticket)),
        "thread": ticket.messages.filter(kind="public").order_by("created_at", "pk"),
        "reply_form": reply_form,
        "ask_outcome": ticket.status == Ticket.Status.CODE_ISSUED,
    }
    return render(request, "activation/ticket_detail.html", context, status=status)


@require_safe
@login_required
def ticket_detail(request, reference):
    ticket = get_object_or_404(
        Ticket.objects.owned_by(request.user).select_related("device"), reference=reference
    )
    return _ticket_page(request, ticket, ReplyForm())


@require_POST
@login_required
def ticket_reply(request, reference):
    ticket = get_object_or_404(
        Ticket.objects.owned_by(request.user).select_related("device"), reference=reference
    )
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            ticket.post_message(request.user, form.cleaned_data["body"])
        except DomainError as error:
            form.add_error("body", words_for(error))
        else:
            messages.success(request, _("Your reply was sent to support."))
            return redirect("ticket_detail", reference=ticket.reference)
    return _ticket_page(request, ticket, form, status=400)


@require_POST
@login_required
def ticket_outcome(request, reference):
    ticket = get_object_or_404(Ticket.objects.owned_by(request.user), reference=reference)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose Yes or No."))
        return redirect("ticket_detail", reference=ticket.reference)
    worked = form.cleaned_data["worked"]
    try:
        ticket.record_outcome(by=request.user, worked=worked)
    except DomainError as error:
        messages.error(request, words_for(error))
    else:
        if worked:
            messages.success(request, _("Great, your phone is activated. We closed this request."))
        else:
            messages.warning(
                request,
                _(
                    "Sorry it did not work. We reopened this request with high priority and "
                    "support will contact you soon."
                ),
            )
    return redirect("ticket_detail", reference=ticket.reference)


# Retrieving a code ---------------------------------------------------------------------


@require_POST
@login_required
@code_page
def reveal_code(request, public_id):
    device = get_object_or_404(Device.objects.owned_by(request.user), public_id=public_id)
    return _reveal(request, device)


@reauthentication_required
def _reveal(request, device):
    code = (
        ActivationCode.objects.owned_by(request.user)
        .active()
        .filter(device=device, kind=ActivationCode.Kind.SUPPORT)
        .select_related("ticket", "device")
        .first()
    )
    if code is None:
        messages.error(request, _("This phone has no code from support to show."))
        return redirect("device_detail", public_id=device.public_id)
    limit, window = settings.PAGE_RATE_LIMITS["code_reveals_per_user"]
    counted = ratelimit.hit(REVEAL_SCOPE, str(request.user.pk), limit=limit, window=window)
    if not counted.allowed:
        return _too_many(request, "activation/too_many.html", {"device": device}, counted)
    try:
        shown = ShownCode(codes.display(code.reveal(by=request.user, ip=client_ip(request))))
    except codes.CodeUnavailable:
        messages.error(request, _("We cannot show this code right now. Please contact support."))
        return redirect("device_detail", public_id=device.public_id)
    ticket = code.ticket if code.ticket and code.ticket.customer_id == request.user.pk else None
    context = {
        "device": device,
        "code": code,
        "shown": shown,
        "ticket": ticket,
        "ask_outcome": ticket is not None and ticket.status == Ticket.Status.CODE_ISSUED,
    }
    return render(request, "activation/reveal.html", context)
