"""What agents maintain: help entries, support contacts by country, canned replies."""

from django.contrib import admin

from ..models import CannedReply, HelpEntry, HelpFeedback, SupportContact
from .common import ReadOnlyAdmin


@admin.register(HelpEntry)
class HelpEntryAdmin(admin.ModelAdmin):
    list_display = ["title", "section", "language", "revision", "last_reviewed", "is_published"]
    list_filter = ["language", "section", "is_published"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(SupportContact)
class SupportContactAdmin(admin.ModelAdmin):
    list_display = ["country", "country_code", "phone", "hours", "position"]
    list_editable = ["position"]
    search_fields = ["country", "country_code"]


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    """Replies agents insert on a request's page; the model refuses any with a code."""

    list_display = ["title", "preview"]
    search_fields = ["title", "body"]

    @admin.display(description="text")
    def preview(self, obj):
        return obj.body if len(obj.body) <= 80 else obj.body[:79] + "…"


@admin.register(HelpFeedback)
class HelpFeedbackAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "entry", "helpful", "reason"]
    list_filter = ["helpful"]
    list_select_related = ["entry"]
