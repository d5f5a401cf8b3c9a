from django.contrib import admin

from guanghan.admin import NoDeleteMixin
from guanghan.models import Department
from projects.models import (
    Attendance,
    Consultation,
    Enrollment,
    HouseholdPairing,
    Project,
    Training,
    VillagePairing,
)


@admin.register(Project)
class ProjectAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "year", "village", "industry", "status", "is_key", "is_demo_base", "department"]
    list_filter = ["year", "status", "is_key", "is_demo_base", "for_residents", "industry", "village__town"]
    list_select_related = ["village", "industry", "department"]
    search_fields = ["name", "product", "village__name"]
    autocomplete_fields = ["village", "branch", "association", "department"]
    readonly_fields = ["is_key", "key_slot", "recommended_by", "created_at"]
    show_full_result_count = False


@admin.register(Enrollment)
class EnrollmentAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["member", "project", "role", "enrolled_on", "left_on"]
    list_filter = ["role", "project__year"]
    list_select_related = ["member", "project"]
    search_fields = ["member__name", "=member__id_number", "project__name"]
    raw_id_fields = ["member", "project", "by"]
    show_full_result_count = False


@admin.register(VillagePairing)
class VillagePairingAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["department", "village", "year", "started_on", "ended_on"]
    list_filter = ["year", "department", "village__town"]
    list_select_related = ["department", "village"]
    search_fields = ["department__name", "department__short_name", "village__name"]
    autocomplete_fields = ["department", "village"]


@admin.register(HouseholdPairing)
class HouseholdPairingAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["cadre", "member", "started_on", "ended_on", "end_reason"]
    list_filter = [("ended_on", admin.EmptyFieldListFilter), "cadre__department"]
    list_select_related = ["cadre", "member"]
    search_fields = ["cadre__name", "member__name", "=member__id_number"]
    raw_id_fields = ["cadre", "member"]
    show_full_result_count = False


# Trainings and the advisory group's consultations. (This import can join the one at the top of the file.)


class AttendanceInline(admin.TabularInline):
    model = Attendance
    raw_id_fields = ["member"]
    extra = 0

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Training)
class TrainingAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["title", "kind", "held_on", "town", "department", "trainer"]
    list_filter = ["kind", "held_on", "town", "department"]
    list_select_related = ["town", "department"]
    search_fields = ["title", "trainer", "place"]
    autocomplete_fields = ["town", "department"]
    raw_id_fields = ["project"]
    filter_horizontal = ["skills"]
    readonly_fields = ["created_by", "created_at"]
    inlines = [AttendanceInline]
    show_full_result_count = False


@admin.register(Attendance)
class AttendanceAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["member", "training", "passed", "remark"]
    list_filter = ["passed", "training__kind", "training__town"]
    list_select_related = ["member", "training"]
    search_fields = ["member__name", "=member__id_number", "training__title"]
    raw_id_fields = ["member", "training"]
    show_full_result_count = False


@admin.register(Consultation)
class ConsultationAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["project", "department", "kind", "stage", "consulted_on", "followed_up_on"]
    list_filter = ["kind", "stage", "department", ("followed_up_on", admin.EmptyFieldListFilter)]
    list_select_related = ["project", "department"]
    search_fields = ["project__name", "advice", "follow_up"]
    raw_id_fields = ["project"]
    readonly_fields = ["by", "created_at"]
    show_full_result_count = False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "department":
            kwargs["queryset"] = Department.objects.filter(is_advisory=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
