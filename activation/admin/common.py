"""Pieces every desk admin uses: read-only admins, refused changes as words, reasons,
and lists that stay fast with millions of rows (``LargeTableAdmin``)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.views.main import PAGE_VAR, ChangeList
from django.core.paginator import EmptyPage, Paginator
from django.db import connections
from django.db.models.expressions import RawSQL
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext_lazy as _

from ..models import DomainError, ascii_digits

# What the desk reads when a model method refuses a change, by ``DomainError.code`` (or
# "code:about" where the error says what it is about), in the agent's language; the
# error's own message is English, for logs. Every code a model method raises has its
# words here; the fallback names the code.
ERROR_MESSAGES = {
    "permission_denied": _("You do not have permission to do that."),
    "reason_required": _("Give a reason."),
    "reason_required:reveal": _("Say why you need to see this code."),
    "reason_required:revoke": _("Say why the code is revoked."),
    "reason_required:reject": _("Say why the request is rejected."),
    "reason_required:transfer": _("Say why the phone changes owner."),
    "reason_required:request": _("Say what happened on the phone."),
    "override_reason_required": _("Give a reason to override."),
    "contains_code": _("Messages never carry activation codes: remove it."),
    "empty_message": _("Write a message first."),
    "not_open": _("This request is already closed."),
    "already_open": _("This request is already being worked."),
    "other_open": _("Another request for this phone is open."),
    "no_code_yet": _("There is no code on this request to try yet."),
    "wrong_kind": _("Ownership reviews do not issue codes."),
    "not_issuable": _("No code can be issued while the request is “%(status)s”."),
    "verification_incomplete": _("Confirm the IMEI and the account e-mail before issuing a code."),
    "code_limit": _(
        "This phone already had %(limit)s support codes in 30 days; a manager must override."
    ),
    "not_active": _("This code is no longer active: it is “%(status)s”."),
    "not_suspended": _("Only a suspended code can be reinstated."),
    "newer_code": _("The phone already has a newer active code."),
    "not_locked": _("This phone is not locked."),
    "already_locked": _("This phone is already locked."),
    "already_registered": _("This phone is already registered to this account."),
    "already_deleted": _("This account was already deleted."),
    "staff_account": _(
        "Staff accounts are not erased here: remove their rights, then an administrator "
        "closes the account."
    ),
}


def error_text(error) -> str:
    """What to tell the agent about a refused change (a ``DomainError``), translated."""
    about = error.params.get("about")
    words = ERROR_MESSAGES.get(f"{error.code}:{about}") or ERROR_MESSAGES.get(error.code)
    if words is None:
        return str(_("This change was refused (%(code)s).") % {"code": error.code})
    return str(words) % {name: str(value) for name, value in error.params.items()}


def refuse(model_admin, request, error):
    model_admin.message_user(request, error_text(error), messages.ERROR)


def act_on_each(model_admin, request, objects, act) -> int:
    """An action's ``act(obj)`` on each selected object, each refusal told to the agent.

    Stops at a refusal that would refuse every other object too (no reason given, no
    permission). Returns how many went through.
    """
    done = 0
    for obj in objects:
        try:
            act(obj)
        except DomainError as error:
            refuse(model_admin, request, error)
            if error.code in ("reason_required", "permission_denied"):
                break
        else:
            done += 1
    return done


def posted_reason(request) -> str:
    """The action bar's reason, from the list (no prefix) or a change page (prefixed)."""
    return request.POST.get("reason") or request.POST.get(
        f"{admin.ActionLocation.CHANGE_FORM.value}-reason", ""
    )


class ReasonActionForm(ActionForm):
    """The changelist's action bar with a reason beside the action select."""

    reason = forms.CharField(
        label=_("Reason:"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"size": 30}),
    )


class LastPagePaginator(Paginator):
    """A page number past the end is the last page, below 1 the first: a bookmarked or
    typed ``?p=`` shows rows, not Django's "Database error" page."""

    def validate_number(self, number):
        try:
            return super().validate_number(number)
        except EmptyPage:
            return self.num_pages if int(number) > 1 else 1


class LastPageChangeList(ChangeList):
    def get_results(self, request):
        if not ascii_digits(request.GET.get(PAGE_VAR, "1")):
            self.page_num = 1  # Django's int() also reads "٢" as page 2
        super().get_results(request)
        # The page shown, for the page links (the list's own paginator, already counted).
        self.page_num = self.paginator.validate_number(self.page_num)


class PagedAdmin(admin.ModelAdmin):
    paginator = LastPagePaginator

    def get_changelist(self, request, **kwargs):
        return LastPageChangeList


class ReadOnlyAdmin(PagedAdmin):
    """Rows nobody adds, changes or deletes here (superusers included)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LargeTablePaginator(LastPagePaginator):
    """Pages without counting a whole large table.

    Unfiltered on PostgreSQL, the count is the planner's estimate (``pg_class.reltuples``,
    kept current by autovacuum), and the list says "about" it. Otherwise (filtered,
    searched, or another database) rows are counted up to ``CAP`` + 1 and no further:
    past ``CAP`` the list says "more than CAP" and its page links stop there, which
    agents never reach (they filter or search). Small tables get the exact count.
    """

    CAP = 1_000
    capped = estimated = False

    @cached_property
    def count(self):
        queryset = self.object_list
        connection = connections[queryset.db]
        capped = queryset.order_by()[: self.CAP + 1].values("pk")
        if queryset.query.where or connection.vendor != "postgresql":
            count = capped.count()
            self.capped = count > self.CAP
            return count
        # One query: the estimate, or the capped count when the estimate is small or
        # missing (-1: never analysed).
        sql, params = capped.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT CASE WHEN reltuples > %s THEN reltuples::bigint "  # noqa: S608
                f"ELSE (SELECT COUNT(*) FROM ({sql}) AS page) END, reltuples > %s "
                "FROM pg_class WHERE oid = %s::regclass",
                [
                    self.CAP,
                    *params,
                    self.CAP,
                    connection.ops.quote_name(queryset.model._meta.db_table),
                ],
            )
            count, self.estimated = cursor.fetchone()
        self.capped = not self.estimated and count > self.CAP
        return count

    @property
    def cap_display(self):
        return number_format(self.CAP, force_grouping=True)

    @property
    def count_display(self):
        return number_format(self.count, force_grouping=True)


def _search_lookup(field_name: str) -> str:
    """Django's ``search_fields`` prefixes as lookups: ``=`` iexact, ``^`` istartswith;
    an explicit lookup (``device__imei__exact``) as written; otherwise icontains."""
    if field_name.startswith("="):
        return f"{field_name[1:]}__iexact"
    if field_name.startswith("^"):
        return f"{field_name[1:]}__istartswith"
    if field_name.rsplit("__", 1)[-1] in {"exact", "iexact", "istartswith", "icontains"}:
        return field_name
    return f"{field_name}__icontains"


class LargeTableAdmin(PagedAdmin):
    """A list that opens in constant time and queries whatever the table's size.

    No second COUNT of the whole table (``show_full_result_count``), a paginator that
    never counts it either, and a search that looks each field up on its own and
    combines the matching ids with UNION: Django's one WHERE with an OR across joined
    tables can use no index, each field alone can (migrations add the indexes). Exact
    fields (``=field``, ``field__exact``) are tried first; the partial ones (trigram
    indexes) only when no exact field matched, and at most ``PARTIAL_MATCHES`` rows of
    them: a fragment most addresses share ("customer1") would otherwise sort half of a
    table of millions for one page. The agent is told to type more.
    """

    paginator = LargeTablePaginator
    show_full_result_count = False
    PARTIAL_MATCHES = 1000

    def get_search_results(self, request, queryset, search_term):
        lookups = [_search_lookup(name) for name in self.get_search_fields(request)]
        if not search_term.strip() or not lookups:
            return queryset, False
        exact = [lookup for lookup in lookups if lookup.endswith("exact")]
        partial = [lookup for lookup in lookups if lookup not in exact]
        for bit in smart_split(search_term):
            if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
                bit = unescape_string_literal(bit)
            matches = self._matching(exact, bit)
            if partial and (matches is None or not matches.exists()):
                matches = self._partial_matching(request, partial, bit)
            queryset = queryset.filter(pk__in=matches)
        return queryset, False

    def _partial_matching(self, request, lookups, term):
        """The ids of at most ``PARTIAL_MATCHES`` rows matching ``term`` in part.

        Django asks once per list, and once more per filter when the agent shows the
        filters' counts: the ids are looked up (and the agent told) once per request.
        """
        manager, cap = self.model._default_manager, self.PARTIAL_MATCHES
        found = request.__dict__.setdefault("_partial_matches", {})
        key = (tuple(lookups), term)
        if key not in found:
            ids = set()
            for lookup in lookups:
                matching = manager.filter(**{lookup: term}).order_by()
                ids.update(matching.values_list("pk", flat=True)[: cap + 1])
            if len(ids) > cap:
                message = _(
                    "More than %(count)s rows contain this text: only %(count)s of them are "
                    "listed. Type more of it, or the whole e-mail address."
                ) % {"count": number_format(cap, force_grouping=True)}
                self.message_user(request, message, messages.WARNING)
            found[key] = sorted(ids)[:cap]
        ids = found[key]
        connection = connections[manager.db]
        if connection.vendor != "postgresql":
            return ids
        # As a set-returning subquery rather than a list: with ``id IN (list)`` the
        # planner walks the list's order index (created_at) hoping to meet 100 of them
        # early, through half of a 2M-row table (173 ms); from ``unnest`` it fetches the
        # rows by id and sorts them (17 ms).
        pk_type = self.model._meta.pk.rel_db_type(connection)  # integer, bigint, uuid
        return RawSQL(f"SELECT unnest(%s::{pk_type}[])", [ids])  # noqa: S611 (a type name)

    def _matching(self, lookups, term):
        """The ids of rows matching ``term`` in any of ``lookups``, one index each."""
        if not lookups:
            return None
        manager = self.model._default_manager
        arms = [manager.filter(**{lookup: term}).order_by().values("pk") for lookup in lookups]
        return arms[0].union(*arms[1:])
