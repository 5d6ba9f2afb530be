"""Customer forms: they normalise and check input; views and model methods act on it."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import OSVersion, looks_like_code, normalise_imei, validate_imei

NO_CODES = _(
    "Please remove the activation code from your text: codes never go into messages. "
    "Support can see your phone’s codes already."
)


def _text_without_code(value):
    value = (value or "").strip()
    if looks_like_code(value):
        raise ValidationError(NO_CODES, code="contains_code")
    return value


class DeviceForm(forms.Form):
    imei = forms.CharField(
        label=_("IMEI"),
        max_length=40,
        help_text=_("15 digits. Dial *#06# on the phone, or see Settings > About > More info."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    model_name = forms.CharField(
        label=_("Model"),
        max_length=80,
        required=False,
        help_text=_("For example Lumia 920. Optional."),
    )
    os_version = forms.ChoiceField(
        label=_("Windows Phone version"),
        choices=OSVersion.choices,
        initial=OSVersion.WP81,
        help_text=_("See Settings > About on the phone."),
    )

    def clean_imei(self):
        imei = normalise_imei(self.cleaned_data["imei"])
        validate_imei(imei)
        return imei

    def clean_model_name(self):
        return self.cleaned_data["model_name"].strip()


class CodeRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("What happened on the phone?"),
        max_length=2000,
        help_text=_(
            "For example: “After a reset the phone shows ACTIVATE WINDOWS PHONE and the "
            "code is refused.”"
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Please say what happened on the phone.")},
    )
    request_code = forms.CharField(
        label=_("Request code shown on your phone (optional)"),
        max_length=40,
        required=False,
        help_text=_(
            "If the activation screen shows a short request code, type it here: it proves "
            "you have the phone and can get you a code at once."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_reason(self):
        reason = _text_without_code(self.cleaned_data["reason"])
        if not reason:
            raise ValidationError(_("Please say what happened on the phone."), code="required")
        return reason

    def clean_request_code(self):
        return " ".join(self.cleaned_data["request_code"].split())


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write a message first.")},
    )

    def clean_body(self):
        body = _text_without_code(self.cleaned_data["body"])
        if not body:
            raise ValidationError(_("Write a message first."), code="required")
        return body


class OutcomeForm(forms.Form):
    worked = forms.TypedChoiceField(
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
    )


class HelpFeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(
        label=_("Was this helpful?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        error_messages={"required": _("Choose Yes or No.")},
    )
    reason = forms.CharField(
        label=_("What could be better? (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_reason(self):
        return _text_without_code(self.cleaned_data["reason"])


class HelpSearchForm(forms.Form):
    q = forms.CharField(label=_("Search the help"), max_length=100, required=False)

    def clean_q(self):
        return " ".join(self.cleaned_data["q"].split())
