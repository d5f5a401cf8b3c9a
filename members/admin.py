"""Admin screens for the registry (system administrator). Nothing is deleted here either."""

from django import forms
from django.contrib import admin

from guanghan.admin import NoDeleteMixin
from guanghan.models import Industry, PovertyCause, Skill
from members.models import LISTS, ImportBatch, Lifting, Member, MemberListTally, StatusChange, Survey


class ListsAdminForm(forms.ModelForm):
    """A member's or a survey's lists (lookup ids in its row) as the lookups' names to tick."""

    other_cause_ids = forms.ModelMultipleChoiceField(
        PovertyCause.objects.all(), label="其他致贫原因", required=False, widget=forms.CheckboxSelectMultiple
    )
    skill_ids = forms.ModelMultipleChoiceField(
        Skill.objects.all(), label="生存技能", required=False, widget=forms.CheckboxSelectMultiple
    )
    aspiration_ids = forms.ModelMultipleChoiceField(
        Industry.objects.all(), label="致富愿景", required=False, widget=forms.CheckboxSelectMultiple
    )

    def _clean_ids(self, name: str) -> list[int]:
        return sorted(item.pk for item in self.cleaned_data[name])

    def clean_other_cause_ids(self):
        return self._clean_ids("other_cause_ids")

    def clean_skill_ids(self):
        return self._clean_ids("skill_ids")

    def clean_aspiration_ids(self):
        return self._clean_ids("aspiration_ids")


class MemberAdminForm(ListsAdminForm):
    class Meta:
        model = Member
        fields = list(LISTS.values())  # the admin adds the others


class SurveyAdminForm(ListsAdminForm):
    class Meta:
        model = Survey
        fields = list(LISTS.values())


@admin.register(Member)
class MemberAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "category", "gender", "birth_date", "village", "area", "status", "registered_on"]
    list_filter = ["category", "status", "area", "allowance", "gender", "village__town"]
    list_select_related = ["village"]
    search_fields = ["name", "=id_number", "phone"]
    autocomplete_fields = ["village", "branch", "main_cause"]
    readonly_fields = ["created_at", "updated_at", "import_batch"]
    form = MemberAdminForm
    show_full_result_count = False
    date_hierarchy = "registered_on"


@admin.register(Survey)
class SurveyAdmin(NoDeleteMixin, admin.ModelAdmin):
    form = SurveyAdminForm
    list_display = ["member", "surveyed_on", "surveyor_name", "income_per_capita", "household_size", "main_cause"]
    list_filter = ["allowance", "health", "main_cause"]
    list_select_related = ["member", "main_cause"]
    search_fields = ["member__name", "=member__id_number", "surveyor_name"]
    raw_id_fields = ["member", "surveyor", "import_batch"]
    date_hierarchy = "surveyed_on"
    show_full_result_count = False


@admin.register(StatusChange)
class StatusChangeAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["member", "from_status", "to_status", "changed_on", "removal_reason", "by"]
    list_filter = ["to_status", "from_status", "removal_reason"]
    list_select_related = ["member", "by"]
    search_fields = ["member__name", "=member__id_number", "reason"]
    raw_id_fields = ["member", "by"]
    date_hierarchy = "changed_on"


@admin.register(Lifting)
class LiftingAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["member", "assessed_on", "verified_on", "notice_start", "notice_end", "closed_on", "cancelled_on"]
    list_filter = [("closed_on", admin.EmptyFieldListFilter), ("cancelled_on", admin.EmptyFieldListFilter)]
    list_select_related = ["member"]
    search_fields = ["member__name", "=member__id_number"]
    raw_id_fields = ["member", "started_by"]
    date_hierarchy = "assessed_on"


@admin.register(ImportBatch)
class ImportBatchAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = [
        "file_name",
        "uploaded_by",
        "status",
        "rows_total",
        "created_count",
        "updated_count",
        "error_count",
        "created_at",
    ]
    list_filter = ["status"]
    list_select_related = ["uploaded_by"]
    search_fields = ["file_name", "sha256", "uploaded_by__username"]
    readonly_fields = [f.name for f in ImportBatch._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(MemberListTally)
class MemberListTallyAdmin(admin.ModelAdmin):
    """Read only: the members' triggers keep the tally (a direct write is refused in the database)."""

    list_display = ["list", "item", "members"]
    list_filter = ["list"]
    list_select_related = True  # no foreign keys: nothing to follow
    search_fields = ["=item"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
