"""import-export resources: the managers' reports, and the device batch import.

Reports list their columns explicitly; nothing secret is among them: no digest,
ciphertext, key version or any part of a code (not even the hint agents may see).
Each column is one value of the report's queryset, read with ``values_list`` so an
export is one query whatever its size (``activation/exports.py`` streams it).

``DeviceBatchResource`` imports manufacturing batches through the admin (dry run,
preview, confirm): it validates every row, and creates each device with its factory
code, digested and encrypted on the way in. The file's codes never reach the page:
each row's code is masked before import-export keeps the row for display.
"""

import uuid
from collections import defaultdict

import tablib
from django.core.exceptions import ValidationError
from django.db.models import DurationField, ExpressionWrapper, F, Value
from django.db.models.functions import Coalesce, NullIf
from import_export import fields, resources, widgets
from import_export.instance_loaders import CachedInstanceLoader

from . import codes, exports
from .models import (
    ActivationAttempt,
    ActivationCode,
    AuditEvent,
    Device,
    OSVersion,
    Ticket,
    device_text_problem,
    normalise_imei,
    validate_imei,
)


class Column(fields.Field):
    """A report column: one queryset value (``source``, or ``expression``) of a kind."""

    def __init__(self, source=None, kind=exports.TEXT, *, expression=None, column_name=None):
        if kind not in exports.KINDS:
            raise ValueError(f"unknown column kind {kind!r}")
        super().__init__(attribute=source, column_name=column_name, readonly=True)
        self.kind = kind
        self.expression = expression

    def as_expression(self):
        return self.expression if self.expression is not None else F(self.attribute)

    def export(self, instance, **kwargs):
        return exports.TEXT_FORMATTERS[self.kind](self.get_value(instance))


class ReportResource(resources.Resource):
    """A report: a named queryset and its explicit columns, exported as values."""

    name = ""
    title = ""
    model = None
    #: The column that ``--since`` / ``--until`` and the dashboard dates filter on.
    date_field = "created_at"

    def get_queryset(self):
        return self.model.objects.all()

    def column_kinds(self):
        return [field.kind for field in self.get_export_fields()]

    def report_queryset(self, queryset=None):
        """``queryset`` (or the report's own) as ordered tuples of the columns' values.

        Column values are aliased ``c0, c1, ...`` so the SQL can be wrapped (COPY).
        Ordered by primary key: stable, and it starts streaming at once.
        """
        if queryset is None:
            queryset = self.get_queryset()
        aliases = {f"c{i}": f.as_expression() for i, f in enumerate(self.get_export_fields())}
        return queryset.order_by("pk").annotate(**aliases).values_list(*aliases)

    def export(self, queryset=None, **kwargs):
        """A tablib Dataset (small exports and the import-export API)."""
        report = exports.Report(self, queryset)
        dataset = tablib.Dataset(headers=report.headers)
        for row in report.text_rows():
            dataset.append(row)
        return dataset

    @classmethod
    def sheet_title(cls):
        return (cls.title or cls.name)[:31]

    def get_user_visible_fields(self):
        return self.get_export_fields()


class TicketResource(ReportResource):
    name = "tickets"
    title = "Requests"
    model = Ticket

    reference = Column("reference")
    kind = Column("kind")
    channel = Column("channel")
    status = Column("status")
    priority = Column("priority")
    device_imei = Column("device__imei")
    device_model = Column("device__model_name")
    os_version = Column("device__os_version")
    customer = Column(
        expression=Coalesce(F("customer__email"), NullIf(F("caller_email"), Value("")))
    )
    assignee = Column("assignee__email")
    verified_by_possession = Column("verified_by_possession", exports.BOOL)
    created_at = Column("created_at", exports.DATETIME)
    first_code_at = Column("first_code_at", exports.DATETIME)
    resolved_at = Column("resolved_at", exports.DATETIME)
    worked = Column("worked", exports.BOOL)

    def get_queryset(self):
        return Ticket.objects.select_related("device", "customer", "assignee")


class RequestMetricsResource(ReportResource):
    """Per code request: how it came in, how long to a code, and whether it worked."""

    name = "request_metrics"
    title = "Request metrics"
    model = Ticket

    reference = Column("reference")
    channel = Column("channel")
    os_version = Column("device__os_version")
    device_model = Column("device__model_name")
    status = Column("status")
    created_at = Column("created_at", exports.DATETIME)
    first_code_at = Column("first_code_at", exports.DATETIME)
    resolved_at = Column("resolved_at", exports.DATETIME)
    time_to_code_seconds = Column(
        kind=exports.SECONDS,
        expression=ExpressionWrapper(
            F("first_code_at") - F("created_at"), output_field=DurationField()
        ),
    )
    worked = Column("worked", exports.BOOL)

    def get_queryset(self):
        return Ticket.objects.filter(kind=Ticket.Kind.CODE_REQUEST).select_related("device")


class DeviceResource(ReportResource):
    """Devices; its columns imei, serial, model, os_version, batch import back as-is."""

    name = "devices"
    title = "Devices"
    model = Device

    public_id = Column("public_id")
    imei = Column("imei")
    serial = Column("serial")
    model_name = Column("model_name", column_name="model")
    os_version = Column("os_version")
    batch = Column("batch")
    activation_state = Column("activation_state")
    owner = Column("owner__email")
    activated_at = Column("activated_at", exports.DATETIME)
    locked_at = Column("locked_at", exports.DATETIME)
    created_at = Column("created_at", exports.DATETIME)

    def get_queryset(self):
        return Device.objects.select_related("owner")


class ActivationCodeResource(ReportResource):
    """Code metadata only: never the digest, ciphertext, key version or hint."""

    name = "codes"
    title = "Activation codes"
    model = ActivationCode
    date_field = "issued_at"

    public_id = Column("public_id")
    device_imei = Column("device__imei")
    device_model = Column("device__model_name")
    kind = Column("kind")
    status = Column("status")
    status_reason = Column("status_reason", exports.FREE_TEXT)
    issued_by = Column("issued_by__email")
    ticket = Column("ticket__reference")
    issued_at = Column("issued_at", exports.DATETIME)
    status_changed_at = Column("status_changed_at", exports.DATETIME)
    use_count = Column("use_count", exports.INT)
    reactivation_count = Column("reactivation_count", exports.INT)
    misuse_count = Column("misuse_count", exports.INT)
    first_used_at = Column("first_used_at", exports.DATETIME)
    last_used_at = Column("last_used_at", exports.DATETIME)

    def get_queryset(self):
        return ActivationCode.objects.select_related("device", "issued_by", "ticket")


class ActivationAttemptResource(ReportResource):
    name = "attempts"
    title = "Activation attempts"
    model = ActivationAttempt

    created_at = Column("created_at", exports.DATETIME)
    # What the phone sent: not necessarily an IMEI, so treated as free text.
    imei = Column("imei", exports.FREE_TEXT)
    device = Column("device__public_id")
    code = Column("code__public_id")
    result = Column("result")
    reason = Column("reason")
    ip = Column("ip")

    def get_queryset(self):
        return ActivationAttempt.objects.select_related("device", "code")


class AuditEventResource(ReportResource):
    name = "audit"
    title = "Audit log"
    model = AuditEvent

    created_at = Column("created_at", exports.DATETIME)
    action = Column("action")
    actor = Column("actor_label")
    device_imei = Column("device__imei")
    ticket = Column("ticket__reference")
    code = Column("code__public_id")
    ip = Column("ip")
    data = Column("data", exports.JSON)

    def get_queryset(self):
        return AuditEvent.objects.select_related("device", "ticket", "code")


REPORTS = {
    resource.name: resource
    for resource in [
        TicketResource,
        RequestMetricsResource,
        DeviceResource,
        ActivationCodeResource,
        ActivationAttemptResource,
        AuditEventResource,
    ]
}


# Device batch import (admin) ------------------------------------------------------

IMPORT_HEADERS = ["imei", "serial", "model", "os_version", "factory_code"]
REQUIRED_HEADERS = {"imei", "os_version"}


class ImeiWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a spreadsheet made the IMEI a number
        return normalise_imei(super().clean(value, row, **kwargs) or "")


class TrimmedWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        return (super().clean(value, row, **kwargs) or "").strip()


class FactoryCodeField(fields.Field):
    """Shown (in the preview) as the masked code; never set from the row directly."""

    def __init__(self):
        super().__init__(attribute=None, column_name="factory_code", readonly=True)

    def export(self, instance, **kwargs):
        code = getattr(instance, "_factory_code", None)
        return code.masked if code is not None else ""


def mask(raw) -> str:
    text = str(raw or "").strip()
    if not text:
        return ""
    return "•••••-•••••-•••••-•••••-" + text[-codes.HINT_LENGTH :]


class DeviceBatchResource(resources.ModelResource):
    """A manufacturing batch: imei, serial, model, os_version, factory_code[, batch].

    A new IMEI needs a valid factory code, which becomes the device's active factory
    code. A row for a device already in the database must match it exactly and carry
    no code: it is skipped, so a devices export imports back unchanged. Anything else
    is an error for that row, and one bad row means nothing is written.
    """

    imei = fields.Field("imei", "imei", widget=ImeiWidget())
    serial = fields.Field("serial", "serial", widget=TrimmedWidget())
    model = fields.Field("model_name", "model", widget=TrimmedWidget())
    os_version = fields.Field("os_version", "os_version", widget=TrimmedWidget())
    batch = fields.Field("batch", "batch", widget=TrimmedWidget())
    factory_code = FactoryCodeField()

    CHUNK = 500

    class Meta:
        model = Device
        fields = ["imei", "serial", "model", "os_version", "batch", "factory_code"]
        import_id_fields = ["imei"]
        instance_loader_class = CachedInstanceLoader
        use_bulk = True
        batch_size = 1000
        use_transactions = True
        clean_model_instances = False
        skip_unchanged = True
        report_skipped = True
        name = "Manufacturing batch (imei, serial, model, os_version, factory_code)"

    def __init__(self, batch_name="", **kwargs):
        super().__init__(**kwargs)
        self.batch_name = batch_name
        self.row_codes = {}  # row number → canonical code or MalformedCode
        self.imei_rows = defaultdict(list)
        self.code_rows = defaultdict(list)
        self.codes_in_db = set()

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        # All or nothing: any bad row rolls the whole batch back.
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, dry_run, raise_errors, **kwargs)

    def before_import(self, dataset, **kwargs):
        headers = {(h or "").strip() for h in dataset.headers or []}
        missing = REQUIRED_HEADERS - headers
        if missing:
            raise ValueError(
                "The file needs a header row with the columns "
                f"{', '.join(IMPORT_HEADERS)}; missing: {', '.join(sorted(missing))}."
            )
        imei_field = self.fields["imei"]
        has_codes = "factory_code" in headers
        for number, row in enumerate(dataset.dict, start=1):
            self.imei_rows[imei_field.clean(row)].append(number)
            if not has_codes or not str(row.get("factory_code") or "").strip():
                continue
            try:
                canonical = codes.normalise(str(row["factory_code"]))
            except codes.MalformedCode as error:
                self.row_codes[number] = error
            else:
                self.row_codes[number] = canonical
                self.code_rows[canonical].append(number)
        self.codes_in_db = self._codes_in_database(list(self.code_rows))

    @classmethod
    def _codes_in_database(cls, canonical_codes):
        """The given codes that some row already has, under any configured key."""
        found = set()
        for start in range(0, len(canonical_codes), cls.CHUNK):
            chunk = canonical_codes[start : start + cls.CHUNK]
            by_digest = {d: c for c in chunk for d in codes.candidate_digests(c)}
            existing = ActivationCode.objects.filter(digest__in=by_digest).values_list(
                "digest", flat=True
            )
            found.update(by_digest[d] for d in existing)
        return found

    def before_import_row(self, row, **kwargs):
        # The row dict is what import-export shows for bad rows: mask the code first.
        if "factory_code" in row:
            row["factory_code"] = mask(row["factory_code"])

    def import_instance(self, instance, row, **kwargs):
        number = kwargs.get("row_number")
        new = instance.pk is None
        values = {
            name: self.fields[name].clean(row) if self.fields[name].column_name in row else ""
            for name in ["imei", "serial", "model", "os_version", "batch"]
        }
        values["batch"] = values["batch"] or self.batch_name
        errors = {}
        try:
            validate_imei(values["imei"])
        except ValidationError as error:
            errors["imei"] = error.messages
        else:
            first = self.imei_rows[values["imei"]][0]
            if first != number:
                errors["imei"] = [f"The same IMEI is already on row {first}."]
        for column, attribute in [
            ("serial", "serial"),
            ("model", "model_name"),
            ("batch", "batch"),
        ]:
            problem = device_text_problem(attribute, values[column], column)
            if problem:
                errors[column] = [f"The {problem}."]
        if values["os_version"] not in OSVersion.values:
            errors["os_version"] = [
                f"Unknown OS version {values['os_version']!r}: use one of "
                f"{', '.join(OSVersion.values)}."
            ]
        code = self.row_codes.get(number)
        if isinstance(code, codes.MalformedCode):
            errors["factory_code"] = [str(code)]
        elif code is not None and not new:
            errors["factory_code"] = [
                "This IMEI is already in the database with its code; "
                "leave factory_code empty to keep the device as it is."
            ]
        elif code is not None and code in self.codes_in_db:
            errors["factory_code"] = ["This factory code already belongs to another device."]
        elif code is not None and self.code_rows[code][0] != number:
            errors["factory_code"] = [
                f"The same factory code is already on row {self.code_rows[code][0]}."
            ]
        elif code is None and new:
            errors["factory_code"] = ["A new device needs its factory code."]
        if not new and "imei" not in errors:
            changed = [
                column
                for column, attribute in [
                    ("serial", "serial"),
                    ("model", "model_name"),
                    ("os_version", "os_version"),
                    ("batch", "batch"),
                ]
                if self.fields[column].column_name in row
                and values[column] != getattr(instance, attribute)
            ]
            if changed:
                errors.setdefault("imei", []).append(
                    "This IMEI is already in the database with a different "
                    f"{', '.join(changed)}; devices are never changed by an import."
                )
        if errors:
            raise ValidationError(errors)
        if not new:
            instance._unchanged = True
            return
        instance.imei = values["imei"]
        instance.serial = values["serial"]
        instance.model_name = values["model"]
        instance.os_version = values["os_version"]
        instance.batch = values["batch"]
        factory = ActivationCode(
            public_id=uuid.uuid4(), device=instance, kind=ActivationCode.Kind.FACTORY
        )
        factory.set_secret(code)
        instance._factory_code = factory

    def skip_row(self, instance, original, row, import_validation_errors=None):
        return bool(getattr(instance, "_unchanged", False)) and not import_validation_errors

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if not self.create_instances or not (using_transactions or not dry_run):
            self.create_instances.clear()
            return
        try:
            devices = Device.objects.bulk_create(self.create_instances, batch_size=batch_size)
            factory_codes = []
            for device in devices:
                device._factory_code.device = device
                factory_codes.append(device._factory_code)
            ActivationCode.objects.bulk_create(factory_codes, batch_size=batch_size)
        except Exception as error:  # reported as the import's error, rolled back
            self.handle_import_error(result, error, raise_errors)
        finally:
            self.create_instances.clear()

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors():
            return
        AuditEvent.record(
            AuditEvent.Action.IMPORTED,
            actor=kwargs.get("user"),
            data={
                "via": "admin",
                "rows": result.total_rows,
                "created": result.totals["new"],
                "skipped": result.totals["skip"],
                "batch": self.batch_name,
            },
        )
