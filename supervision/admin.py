"""Admin screens for the system administrator. Visits, rectifications and questionnaires are entered on the pages
(a visit's findings open rectifications there, and a rectification moves only through its steps), so here they can
be looked up and corrected but not added; a rectification's status and its steps are read-only."""

from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html

from guanghan.admin import NoDeleteMixin
from supervision.models import (
    Assignment,
    LiaisonOfficer,
    Questionnaire,
    Rectification,
    RectificationStep,
    Response,
    Visit,
    VisitPhoto,
)


class NoAddMixin:
    def has_add_permission(self, request, obj=None):
        return False


class ReadOnlyInline(NoAddMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_change_permission(self, request, obj=None):
        return False


@admin.display(description="联络员", ordering="officer__cadre__name")
def officer_name(obj):
    return obj.officer.cadre.name if obj.officer_id else "—"


@admin.display(description="乡镇", ordering="village__town__name")
def town_name(obj):
    return obj.village.town.name


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    can_delete = False
    autocomplete_fields = ["village"]


@admin.register(LiaisonOfficer)
class LiaisonOfficerAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "department", "position", "appointed_on", "is_active"]
    list_filter = ["is_active", "appointed_on", "cadre__department"]
    list_select_related = ["cadre__department"]
    search_fields = ["cadre__name", "cadre__department__name", "cadre__department__short_name", "position"]
    autocomplete_fields = ["cadre"]
    inlines = [AssignmentInline]

    @admin.display(description="姓名", ordering="cadre__name")
    def name(self, obj):
        return obj.cadre.name

    @admin.display(description="所在部门", ordering="cadre__department__name")
    def department(self, obj):
        return obj.cadre.department.short_name if obj.cadre.department_id else "—"


@admin.register(Assignment)
class AssignmentAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = [officer_name, "village", town_name, "started_on", "ended_on"]
    list_filter = [("ended_on", admin.EmptyFieldListFilter), "village__town", "started_on"]
    list_select_related = ["officer__cadre", "village__town"]
    search_fields = ["officer__cadre__name", "village__name", "village__code", "village__town__name"]
    autocomplete_fields = ["officer", "village"]


class VisitPhotoInline(ReadOnlyInline):
    model = VisitPhoto
    fields = ["preview", "caption", "width", "height", "uploaded_at"]
    readonly_fields = fields

    @admin.display(description="照片")
    def preview(self, obj):
        return format_html('<a href="{}" target="_blank">查看照片</a>', reverse("supervision:photo", args=[obj.pk]))


class RectificationInline(ReadOnlyInline):
    model = Rectification
    fields = ["finding", "problem", "owner", "owner_department", "deadline", "status"]
    readonly_fields = fields


@admin.register(Visit)
class VisitAdmin(NoDeleteMixin, NoAddMixin, admin.ModelAdmin):
    list_display = [
        "visited_on",
        "village",
        town_name,
        officer_name,
        "kind",
        "funds_clear",
        "effect_visible",
        "people_satisfied",
        "by",
    ]
    list_filter = ["kind", "funds_clear", "effect_visible", "people_satisfied", "village__town", "visited_on"]
    list_select_related = ["village__town", "officer__cadre", "by"]
    search_fields = ["village__name", "officer__cadre__name", "project__name", "notes", "by__display_name"]
    date_hierarchy = "visited_on"
    raw_id_fields = ["village", "project", "officer"]
    readonly_fields = ["by", "created_at", "client_key"]
    inlines = [VisitPhotoInline, RectificationInline]
    show_full_result_count = False


@admin.register(VisitPhoto)
class VisitPhotoAdmin(NoDeleteMixin, NoAddMixin, admin.ModelAdmin):
    list_display = ["__str__", "visit", "village", "caption", "width", "height", "uploaded_at"]
    list_filter = ["uploaded_at", "visit__village__town"]
    list_select_related = ["visit__village"]
    search_fields = ["caption", "visit__village__name", "visit__officer__cadre__name"]
    fields = ["visit", "preview", "caption", "width", "height", "uploaded_at"]
    readonly_fields = ["visit", "preview", "width", "height", "uploaded_at"]
    show_full_result_count = False

    @admin.display(description="村（社区）", ordering="visit__village__name")
    def village(self, obj):
        return obj.visit.village.name

    @admin.display(description="照片")
    def preview(self, obj):
        url = reverse("supervision:photo", args=[obj.pk])
        return format_html('<a href="{0}" target="_blank"><img src="{0}" alt="督查照片" width="320"></a>', url)


class RectificationStepInline(ReadOnlyInline):
    model = RectificationStep
    fields = ["action", "on", "note", "by", "at"]
    readonly_fields = fields


@admin.register(Rectification)
class RectificationAdmin(NoDeleteMixin, NoAddMixin, admin.ModelAdmin):
    list_display = ["__str__", "village", town_name, "finding", "owner", "owner_department", "deadline", "status"]
    list_filter = ["status", "owner", "finding", "deadline", "owner_department", "village__town"]
    list_select_related = ["village__town", "owner_department"]
    search_fields = ["problem", "village__name", "owner_department__name", "owner_department__short_name"]
    date_hierarchy = "deadline"
    raw_id_fields = ["visit", "village", "project"]
    autocomplete_fields = ["owner_department"]
    # The status moves only through its steps (报告完成 / 验收 / 退回) on the rectification's page.
    readonly_fields = ["status", "closed_on", "opened_by", "opened_at"]
    inlines = [RectificationStepInline]
    show_full_result_count = False


@admin.register(RectificationStep)
class RectificationStepAdmin(NoDeleteMixin, NoAddMixin, admin.ModelAdmin):
    list_display = ["__str__", "rectification", "action", "on", "by", "at"]
    list_filter = ["action", "on", "rectification__village__town"]
    list_select_related = ["rectification", "by"]
    search_fields = ["note", "rectification__problem", "rectification__village__name", "by__display_name"]
    readonly_fields = ["rectification", "action", "on", "by", "at"]
    show_full_result_count = False


class ResponseInline(admin.TabularInline):
    model = Response
    extra = 0
    can_delete = False


@admin.register(Questionnaire)
class QuestionnaireAdmin(NoDeleteMixin, NoAddMixin, admin.ModelAdmin):
    list_display = ["held_on", "village", town_name, officer_name, "answers", "note", "by"]
    list_filter = ["held_on", "village__town"]
    list_select_related = ["village__town", "officer__cadre", "by"]
    search_fields = ["village__name", "note", "officer__cadre__name", "responses__respondent"]
    date_hierarchy = "held_on"
    raw_id_fields = ["village", "project", "officer"]
    readonly_fields = ["by", "created_at"]
    inlines = [ResponseInline]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(answer_count=Count("responses"))

    @admin.display(description="答卷数", ordering="answer_count")
    def answers(self, obj):
        return obj.answer_count


@admin.register(Response)
class ResponseAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["__str__", "questionnaire", "village", "held_on", "respondent", "answer", "comment"]
    list_filter = ["answer", "questionnaire__held_on", "questionnaire__village__town"]
    list_select_related = ["questionnaire__village"]
    search_fields = ["respondent", "comment", "questionnaire__village__name"]
    raw_id_fields = ["questionnaire"]
    show_full_result_count = False

    @admin.display(description="村（社区）", ordering="questionnaire__village__name")
    def village(self, obj):
        return obj.questionnaire.village.name

    @admin.display(description="调查日期", ordering="questionnaire__held_on")
    def held_on(self, obj):
        return obj.questionnaire.held_on
