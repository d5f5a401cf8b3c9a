from django.contrib import admin

from guanghan.admin import NoDeleteMixin
from projects.models import Enrollment, HouseholdPairing, Project, VillagePairing


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
