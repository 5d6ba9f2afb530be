"""The request queue and the work on one request.

The queue opens on open requests, oldest first, with a due time from the response
target (``TICKET_RESPONSE_HOURS``). A request's page shows the customer, the phone (its
attempts and earlier codes), the verification checklist with "Issue new code", the
rejection form and the conversation. Every change goes through a model method; a
refused one becomes an error message and changes nothing.
"""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .. import codes as code_format
from .. import resources
from ..admin_exports import StreamingExportMixin
from ..code_pages import ShownCode, secret_response
from ..models import (
    CannedReply,
    DomainError,
    Ticket,
    TicketMessage,
    looks_like_code,
    normalise_imei,
    validate_imei,
)
from ..models import Device as DeviceModel
from .common import LargeTableAdmin, error_text, refuse
from .devices import attempts_table, codes_table

BOTH = [admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM]
# Requests waiting on an agent; the response target applies to these only.
AWAITING_AGENT = [Ticket.Status.NEW, Ticket.Status.IN_PROGRESS]
ISSUABLE = [Ticket.Status.NEW, Ticket.Status.IN_PROGRESS, Ticket.Status.WAITING]
CHECKLIST = ["imei_confirmed", "email_confirmed", "proof_of_purchase"]


def response_target() -> timedelta:
    return timedelta(hours=settings.TICKET_RESPONSE_HOURS)


def is_overdue(ticket, now=None) -> bool:
    now = now or timezone.now()
    return ticket.status in AWAITING_AGENT and ticket.created_at + response_target() < now


class StatusFilter(admin.SimpleListFilter):
    """Status, defaulting to the open requests (the queue)."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("open", _("Open")), *Ticket.Status.choices, ("all", _("All"))]

    def choices(self, changelist):
        current = self.value() or "open"
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or "open"
        if value == "open":
            return queryset.open()
        if value in Ticket.Status.values:
            return queryset.filter(status=value)
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = _("assigned to")
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", _("Me")), ("nobody", _("Nobody (unassigned)"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assignee=request.user)
        if self.value() == "nobody":
            return queryset.filter(assignee__isnull=True)
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = _("response target")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("On time"))]

    def queryset(self, request, queryset):
        late = {"status__in": AWAITING_AGENT, "created_at__lt": timezone.now() - response_target()}
        if self.value() == "yes":
            return queryset.filter(**late)
        if self.value() == "no":
            return queryset.exclude(**late)
        return queryset


class VerifyForm(forms.Form):
    imei_confirmed = forms.BooleanField(
        label=_("IMEI confirmed (the caller read it from *#06# or Settings > About)"),
        required=False,
    )
    email_confirmed = forms.BooleanField(label=_("Account e-mail confirmed"), required=False)
    proof_of_purchase = forms.BooleanField(
        label=_("Proof of purchase seen (optional)"), required=False
    )
    override_reason = forms.CharField(
        label=_("Override the 30-day limit because"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("Managers only, when the phone already had the maximum of support codes."),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to the customer)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


class ReplyForm(forms.Form):
    canned = forms.ModelChoiceField(
        label=_("Canned reply"),
        queryset=CannedReply.objects.all(),
        required=False,
        empty_label=_("(none)"),
        help_text=_("Its text goes before what you write."),
        error_messages={"invalid_choice": _("Choose a canned reply from the list.")},
    )
    body = forms.CharField(
        label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 5, "cols": 60})
    )
    kind = forms.ChoiceField(
        label=_("Send as"),
        choices=TicketMessage.Kind.choices,
        initial=TicketMessage.Kind.PUBLIC,
        widget=forms.RadioSelect,
    )

    def message_body(self) -> str:
        body = self.cleaned_data["body"].strip()
        canned = self.cleaned_data["canned"]
        if canned and canned.body.strip() not in body:
            body = f"{canned.body.strip()}\n\n{body}".strip()
        return body


class PhoneRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("Caller's e-mail"),
        help_text=_(
            "The account's e-mail. A caller without an account is recorded by this "
            "e-mail and sees the request after signing up with it."
        ),
    )
    imei = forms.CharField(label="IMEI", max_length=24, help_text=_("Dial *#06# on the phone."))
    reason = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3, "cols": 60})
    )

    def clean_imei(self):
        imei = normalise_imei(self.cleaned_data["imei"])
        validate_imei(imei)
        device = DeviceModel.objects.select_related("owner").filter(imei=imei).first()
        if device is None:
            raise forms.ValidationError(
                _("No phone with this IMEI is known: read the digits back to the caller."),
                code="unknown_imei",
            )
        self.device = device
        return imei

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if looks_like_code(reason):
            raise forms.ValidationError(
                _("Never write an activation code into a request."), code="contains_code"
            )
        return reason

    def clean(self):
        data = super().clean()
        if data.get("email"):
            self.customer = (
                get_user_model().objects.filter(email__iexact=data["email"], is_active=True).first()
            )
        return data


@admin.register(Ticket)
class TicketAdmin(StreamingExportMixin, LargeTableAdmin):
    report_resource_class = resources.TicketResource
    list_display = [
        "reference",
        "status",
        "priority",
        "channel",
        "contact",
        "device",
        "assignee",
        "created_at",
        "due",
    ]
    list_display_links = ["reference"]
    list_filter = [
        StatusFilter,
        "channel",
        "priority",
        AssigneeFilter,
        OverdueFilter,
        "kind",
        "device__os_version",
    ]
    # Each field is looked up on its own with its own index (LargeTableAdmin): the
    # reference, serial and e-mails case-insensitively, the IMEI exactly; e-mails in
    # part only when nothing matched exactly.
    search_fields = [
        "=reference",
        "device__imei__exact",
        "=device__serial",
        "=customer__email",
        "=caller_email",
        "customer__email",
        "caller_email",
    ]
    search_help_text = _("Reference (ACT-…), the full IMEI, or the customer's e-mail.")
    list_select_related = ["customer", "device", "assignee"]
    ordering = ["created_at"]
    actions = ["assign_to_me", "resolve", "reopen"]
    fieldsets = [
        (
            _("Request"),
            {
                "fields": [
                    "reference",
                    "kind",
                    "status",
                    "channel",
                    "priority",
                    "assignee",
                    "due",
                    "created_at",
                ]
            },
        ),
        (_("Customer"), {"fields": ["customer_summary", "caller_email"]}),
        (_("Phone"), {"fields": ["device_summary", "device_attempts", "device_codes"]}),
        (_("What happened"), {"fields": ["reason"]}),
        (
            _("Outcome"),
            {
                "classes": ["collapse"],
                "fields": [
                    "verified_by_possession",
                    "first_code_at",
                    "resolved_at",
                    "worked",
                    "rejection_reason",
                    "limit_override_reason",
                ],
            },
        ),
    ]
    readonly_fields = [
        "reference",
        "kind",
        "status",
        "channel",
        "assignee",
        "due",
        "created_at",
        "customer_summary",
        "caller_email",
        "device_summary",
        "device_attempts",
        "device_codes",
        "reason",
        "verified_by_possession",
        "first_code_at",
        "resolved_at",
        "worked",
        "rejection_reason",
        "limit_override_reason",
    ]
    change_form_template = "admin/activation/ticket/change_form.html"
    change_list_template = "admin/activation/ticket/change_list.html"

    # The queue

    @admin.display(description=_("contact"))
    def contact(self, obj):
        if obj.customer_id:
            return obj.customer.email
        return format_html("{} <small>({})</small>", obj.caller_email or "—", _("no account"))

    @admin.display(description=_("due"), ordering="created_at")
    def due(self, obj):
        due = obj.created_at + response_target()
        when = timezone.localtime(due).strftime("%Y-%m-%d %H:%M")
        if is_overdue(obj):
            return format_html("<strong>{}</strong> {}", _("Overdue"), when)
        return when

    # A request's page

    @admin.display(description=_("customer"))
    def customer_summary(self, obj):
        if not obj.customer_id:
            return format_html(
                "{} <strong>{}</strong>", obj.caller_email or "—", _("(no account yet)")
            )
        user = obj.customer
        return format_html(
            '<a href="{}">{}</a> · {} {} · {} {}',
            reverse("admin:accounts_user_change", args=[user.pk]),
            user.email,
            user.devices.count(),
            _("phone(s)"),
            _("joined"),
            f"{user.date_joined:%Y-%m-%d}",
        )

    @admin.display(description=_("phone"))
    def device_summary(self, obj):
        device = obj.device
        owner = device.owner.email if device.owner_id else _("nobody")
        warning = ""
        if device.owner_id and device.owner_id != obj.customer_id:
            warning = format_html(" <strong>{}</strong>", _("Registered to another account."))
        locked = (
            format_html(" <strong>{}</strong>", _("Locked by an agent."))
            if (device.locked_at)
            else ""
        )
        return format_html(
            '<a href="{}">{}</a> · IMEI {} · {} · {} · {} {}{}{}',
            reverse("admin:activation_device_change", args=[device.pk]),
            device.model_name or _("Phone"),
            device.imei,
            device.get_os_version_display(),
            device.get_activation_state_display(),
            _("owner:"),
            owner,
            warning,
            locked,
        )

    @admin.display(description=_("activation attempts"))
    def device_attempts(self, obj):
        return attempts_table(obj.device)

    @admin.display(description=_("codes"))
    def device_codes(self, obj):
        return codes_table(obj.device)

    def save_model(self, request, obj, form, change):
        if change:
            # Only the fields on the form: status and assignee change through the
            # workflow methods, never by saving a stale copy of the row over them.
            obj.save(update_fields=[*form.changed_data, "updated_at"])
        else:
            super().save_model(request, obj, form, change)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        ticket = self.get_object(request, unquote(object_id))
        extra = self.desk_context(request, ticket) if ticket else {}
        extra.update(show_save_and_add_another=False, show_delete=False)
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def desk_context(self, request, ticket):
        can_change = self.has_change_permission(request, ticket)
        canned = list(CannedReply.objects.all())
        return {
            "ticket": ticket,
            "can_work": can_change,
            "thread": ticket.messages.select_related("author").order_by("created_at"),
            "verify_form": VerifyForm(initial={f: getattr(ticket, f) for f in CHECKLIST}),
            "reject_form": RejectForm(),
            "reply_form": ReplyForm(),
            "canned_bodies": {str(reply.pk): reply.body for reply in canned},
            "can_issue": can_change
            and ticket.kind == Ticket.Kind.CODE_REQUEST
            and ticket.status in ISSUABLE
            and request.user.has_perm("activation.issue_code"),
            "can_override": request.user.has_perm("activation.override_code_limit"),
            "recent_codes": ticket.recent_support_codes(),
            "code_limit": settings.SUPPORT_CODES_PER_DEVICE,
            "overdue": is_overdue(ticket),
        }

    def add_view(self, request, form_url="", extra_context=None):
        # Agents open requests for callers; the web form is the customers' way in.
        return redirect("admin:activation_ticket_phone_request")

    # Actions (list and request page)

    def _each(self, request, queryset, work, done_text):
        done = 0
        for ticket in queryset:
            try:
                work(ticket)
            except DomainError as error:
                text = f"{ticket.reference}: {error_text(error)}"
                self.message_user(request, text, messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_text % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Assign to me"), location=BOTH)
    def assign_to_me(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda ticket: ticket.assign(request.user),
            _("%(count)d request(s) assigned to you."),
        )

    @admin.action(description=_("Resolve"), location=BOTH)
    def resolve(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda ticket: ticket.resolve(request.user),
            _("%(count)d request(s) resolved."),
        )

    @admin.action(description=_("Reopen"), location=BOTH)
    def reopen(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda ticket: ticket.reopen(request.user),
            _("%(count)d request(s) reopened."),
        )

    # Desk forms on a request's page, each its own POST

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "phone-request/",
                wrap(self.phone_request_view),
                name="activation_ticket_phone_request",
            ),
            path(
                "<path:object_id>/desk/<slug:action>/",
                wrap(self.desk_view),
                name="activation_ticket_desk",
            ),
            *super().get_urls(),
        ]

    def desk_view(self, request, object_id, action):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        handler = {"verify": self.verify, "reject": self.reject, "reply": self.reply}.get(action)
        ticket = self.get_object(request, unquote(object_id))
        if handler is None or ticket is None:
            raise Http404
        if not self.has_change_permission(request, ticket):
            raise PermissionDenied
        try:
            response = handler(request, ticket)
        except DomainError as error:
            refuse(self, request, error)
            response = None
        return response or redirect("admin:activation_ticket_change", ticket.pk)

    def verify(self, request, ticket):
        """Save the checklist; with "Issue new code", also issue it (all or nothing)."""
        form = VerifyForm(request.POST)
        if not form.is_valid():
            return self.form_errors(request, form)
        issuing = "_issue" in request.POST
        with transaction.atomic():
            ticket.verify(request.user, **{f: form.cleaned_data[f] for f in CHECKLIST})
            if issuing:
                code, plaintext = ticket.issue_code(
                    request.user, override_reason=form.cleaned_data["override_reason"]
                )
        if not issuing:
            self.message_user(request, _("Checklist saved."), messages.SUCCESS)
            return None
        self.log_change(request, ticket, f"Issued a new code …{code.hint}")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("New code for %(reference)s") % {"reference": ticket.reference},
            "device": ticket.device,
            "plaintext": ShownCode(code_format.display(plaintext)),
            "note": _(
                "Read it to the caller now: it is shown only once. The customer has been "
                "told by e-mail that a code was issued (the e-mail does not contain it)."
            ),
            "back_url": reverse("admin:activation_ticket_change", args=[ticket.pk]),
        }
        page = TemplateResponse(request, "admin/activation/show_code.html", context)
        return secret_response(page)

    def form_errors(self, request, form):
        """A desk form that did not validate: its (translated) errors as one message."""
        text = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        self.message_user(request, text, messages.ERROR)

    def reject(self, request, ticket):
        form = RejectForm(request.POST)
        form.is_valid()
        ticket.reject(request.user, form.cleaned_data.get("reason", ""))
        self.message_user(request, _("The request is rejected."), messages.SUCCESS)

    def reply(self, request, ticket):
        form = ReplyForm(request.POST)
        if not form.is_valid():
            return self.form_errors(request, form)
        internal = form.cleaned_data["kind"] == TicketMessage.Kind.INTERNAL
        ticket.post_message(request.user, form.message_body(), internal=internal)
        self.message_user(
            request,
            _("Internal note added.") if internal else _("Reply sent to the customer."),
            messages.SUCCESS,
        )

    # Phone requests

    def phone_request_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PhoneRequestForm(request.POST or None)
        found = None
        if request.method == "POST" and form.is_valid():
            device, customer = form.device, form.customer
            if "_create" in request.POST:
                try:
                    ticket, created = Ticket.objects.request_code(
                        device,
                        reason=form.cleaned_data["reason"],
                        customer=customer,
                        channel=Ticket.Channel.PHONE,
                        by=request.user,
                        caller_email="" if customer else form.cleaned_data["email"],
                    )
                except DomainError as error:
                    refuse(self, request, error)
                else:
                    if created:
                        text = _("Request %(reference)s opened for the caller.")
                    else:
                        text = _(
                            "This phone already had open request %(reference)s: "
                            "the call is added to it."
                        )
                    self.message_user(request, text % {"reference": ticket.reference}, "success")
                    return redirect("admin:activation_ticket_change", ticket.pk)
            found = {
                "customer": customer,
                "device": device,
                "open_ticket": Ticket.objects.open()
                .filter(device=device, kind=Ticket.Kind.CODE_REQUEST)
                .first(),
                "other_owner": device.owner_id
                and (customer is None or device.owner_id != customer.pk),
            }
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("New phone request"),
            "form": form,
            "found": found,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/activation/ticket/phone_request.html", context)
