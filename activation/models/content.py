"""The help centre's content and feedback, support contacts, and agents' canned replies."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .rules import looks_like_code


class HelpEntry(models.Model):
    """One topic of the help centre in one language, edited from the support article."""

    class Section(models.TextChoices):
        SYMPTOMS = "symptoms", _("What you see")
        CAUSE = "cause", _("Why it happens")
        RESOLUTION = "resolution", _("What to do")
        FAQ = "faq", _("Questions")
        CONTACT = "contact", _("Contact support")

    slug = models.SlugField(max_length=80)
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")
    section = models.CharField(max_length=12, choices=Section)
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField(help_text=_("Paragraphs separated by a blank line."))
    article_id = models.CharField(max_length=20, default="KB2431699")
    revision = models.CharField(max_length=10, default="1")
    last_reviewed = models.DateField()
    is_published = models.BooleanField(default=True)

    class Meta:
        ordering = ["section", "position", "title"]
        verbose_name = _("help entry")
        verbose_name_plural = _("help entries")
        constraints = [
            models.UniqueConstraint(fields=["slug", "language"], name="helpentry_slug_language"),
        ]

    def __str__(self):
        return f"{self.title} [{self.language}]"


class SupportContact(models.Model):
    country_code = models.CharField(_("country code"), max_length=2, unique=True)
    country = models.CharField(max_length=80)
    phone = models.CharField(max_length=60)
    hours = models.CharField(max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["position", "country"]

    def __str__(self):
        return f"{self.country}: {self.phone}"


class HelpFeedback(models.Model):
    """An anonymous "Was this helpful?" answer."""

    entry = models.ForeignKey(HelpEntry, on_delete=models.CASCADE, related_name="feedback")
    helpful = models.BooleanField()
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{'Yes' if self.helpful else 'No'} on {self.entry_id}"


class CannedReply(models.Model):
    """A reply agents reuse; it can never carry an activation code."""

    title = models.CharField(max_length=120, unique=True)
    body = models.TextField()

    class Meta:
        ordering = ["title"]
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")

    def __str__(self):
        return self.title

    def clean(self):
        if looks_like_code(self.body):
            raise ValidationError(
                {"body": _("A canned reply can never contain an activation code.")},
                code="contains_code",
            )
