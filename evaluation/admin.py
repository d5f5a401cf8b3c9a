"""Admin screens. Rows of a closed year are read-only here too (the database refuses changes anyway)."""

from django.contrib import admin

from evaluation.models import Agreement, AssessmentYear, Block, Result, RuleBand, Score, YearEvent
from guanghan.admin import NoDeleteMixin


class ClosedYearReadOnly(NoDeleteMixin):
    """Rows hanging on a closed year cannot be changed in the admin."""

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.year.is_closed:
            return False
        return super().has_change_permission(request, obj)


@admin.register(AssessmentYear)
class AssessmentYearAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["year", "title", "closed_at", "closed_by"]
    list_filter = [("closed_at", admin.EmptyFieldListFilter)]
    list_select_related = ["closed_by"]
    search_fields = ["=year", "title"]
    readonly_fields = ["closed_at", "closed_by"]


@admin.register(YearEvent)
class YearEventAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["year", "action", "reason", "by", "at"]
    list_filter = ["action", "year"]
    list_select_related = ["year", "by"]
    search_fields = ["reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Block)
class BlockAdmin(ClosedYearReadOnly, admin.ModelAdmin):
    list_display = ["year", "code", "weight", "max_points", "order"]
    list_filter = ["year", "code"]
    list_select_related = ["year"]
    search_fields = ["=year__year", "code"]


@admin.register(RuleBand)
class RuleBandAdmin(ClosedYearReadOnly, admin.ModelAdmin):
    list_display = ["year", "grade", "lower", "upper", "kind", "percentage"]
    list_filter = ["year", "kind"]
    list_select_related = ["year"]
    search_fields = ["grade"]


@admin.register(Score)
class ScoreAdmin(ClosedYearReadOnly, admin.ModelAdmin):
    list_display = ["year", "department", "block", "suggested", "given", "remark", "by"]
    list_filter = ["year", "block__code", ("remark", admin.EmptyFieldListFilter)]
    list_select_related = ["year", "department", "block", "by"]
    search_fields = ["department__name", "department__short_name", "remark"]
    readonly_fields = ["year", "department", "block", "suggested", "basis", "by", "version"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False


@admin.register(Result)
class ResultAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["year", "rank", "department", "total", "grade", "kind", "percentage", "points"]
    list_filter = ["year", "kind", "grade"]
    list_select_related = ["year", "department"]
    search_fields = ["department__name", "department__short_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Agreement)
class AgreementAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["year", "department", "village", "signed_on", "projects_started", "money_invested", "by"]
    list_filter = ["year", "department", "village__town"]
    list_select_related = ["department", "village", "by"]
    search_fields = ["department__name", "department__short_name", "village__name"]
    raw_id_fields = ["village", "by"]
    autocomplete_fields = ["department"]
    show_full_result_count = False
