"""Admin screens for the county's system administrator: search, filters, no hard deletes."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
from import_export.admin import ImportExportModelAdmin

from guanghan.access import ROLE_LABELS
from guanghan.account_rules import account_errors
from guanghan.models import (
    Association,
    Cadre,
    Department,
    ExportRecord,
    Industry,
    PartyBranch,
    PovertyCause,
    SensitiveRead,
    Skill,
    Town,
    User,
    Village,
)


class NoDeleteMixin:
    """Records are retired (is_active), never deleted: history and references must stay whole."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PovertyCause, Skill, Industry)
class LookupAdmin(NoDeleteMixin, ImportExportModelAdmin):
    list_display = ["name", "code", "order", "is_active"]
    list_editable = ["order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]


@admin.register(Town)
class TownAdmin(NoDeleteMixin, ImportExportModelAdmin):
    list_display = ["name", "code", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]


@admin.register(Village)
class VillageAdmin(NoDeleteMixin, ImportExportModelAdmin):
    list_display = ["name", "code", "town", "kind", "is_active"]
    list_filter = ["kind", "is_active", "town"]
    list_select_related = ["town"]
    search_fields = ["name", "code", "town__name"]
    autocomplete_fields = ["town"]
    show_full_result_count = False


@admin.register(Department)
class DepartmentAdmin(NoDeleteMixin, ImportExportModelAdmin):
    list_display = ["name", "short_name", "is_advisory", "is_active"]
    list_filter = ["is_advisory", "is_active"]
    search_fields = ["name", "short_name"]


@admin.register(PartyBranch)
class PartyBranchAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "village", "town_name", "department", "member_count", "is_active"]
    list_filter = ["is_active", "village__town", "department"]
    list_select_related = ["village__town", "department"]
    search_fields = ["name", "village__name", "department__name"]
    autocomplete_fields = ["village", "department"]
    show_full_result_count = False

    @admin.display(description="乡镇", ordering="village__town__name")
    def town_name(self, obj):
        return obj.village.town.name if obj.village_id else "—"


@admin.register(Association)
class AssociationAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "village", "industry", "branch", "member_count", "is_active"]
    list_filter = ["is_active", "industry", "village__town"]
    list_select_related = ["village", "industry", "branch"]
    search_fields = ["name", "village__name"]
    autocomplete_fields = ["village", "branch"]


@admin.register(Cadre)
class CadreAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "department", "position", "is_party_member", "is_active"]
    list_filter = ["is_active", "is_party_member", "department"]
    list_select_related = ["department"]
    search_fields = ["name", "phone", "department__name", "department__short_name"]
    autocomplete_fields = ["department"]
    show_full_result_count = False


class ScopeCheck:
    """Roles and scope checked as in 用户管理 (guanghan.account_rules)."""

    def clean(self):
        cleaned = super().clean()
        errors = account_errors(
            roles={group.name for group in cleaned.get("groups") or []},
            town=cleaned.get("town"),
            department=cleaned.get("department"),
            cadre=cleaned.get("cadre"),
        )
        for name, message in errors.items():
            field = "groups" if name == "roles" else name
            self.add_error(field if field in self.fields else None, message)
        return cleaned


class UserChangeScopeForm(ScopeCheck, UserChangeForm):
    pass


class UserCreationScopeForm(ScopeCheck, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "display_name", "groups", "town", "department"]

    def save(self, commit=True):
        user = super().save(commit=False)
        # The administrator knows this password: the user replaces it at the first login.
        user.must_change_password = True
        if commit:
            user.save()
            self.save_m2m()
        return user


class ResetPasswordForm(AdminPasswordChangeForm):
    """A password the administrator sets for someone else must be changed by its owner at the next login."""

    def save(self, commit=True):
        user = super().save(commit=False)
        user.must_change_password = True
        if commit:
            user.save()
        return user


@admin.register(User)
class GuanghanUserAdmin(NoDeleteMixin, UserAdmin):
    form = UserChangeScopeForm
    add_form = UserCreationScopeForm
    change_password_form = ResetPasswordForm
    readonly_fields = ["password_changed_at"]
    list_display = ["username", "display_name", "role_names", "town", "department", "is_active", "last_login"]
    list_filter = ["groups", "is_active", "is_superuser", "town", "department"]
    list_select_related = ["town", "department"]
    search_fields = ["username", "display_name", "town__name", "department__name"]
    autocomplete_fields = ["town", "department", "cadre"]
    ordering = ["username"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("个人信息", {"fields": ["display_name", "email"]}),
        ("角色与工作范围", {"fields": ["groups", "town", "department", "cadre"]}),
        ("权限", {"fields": ["is_active", "is_staff", "is_superuser", "user_permissions"]}),
        ("密码策略", {"fields": ["must_change_password", "password_changed_at"]}),
        ("重要日期", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "display_name", "password1", "password2"]}),
        ("角色与工作范围", {"fields": ["groups", "town", "department"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="角色")
    def role_names(self, obj):
        return "、".join(ROLE_LABELS.get(group.name, group.name) for group in obj.groups.all()) or "—"


class LogAdmin(NoDeleteMixin, admin.ModelAdmin):
    """Read-only: the log is evidence (the database refuses changes too)."""

    list_select_related = ["user"]
    date_hierarchy = "at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SensitiveRead)
class SensitiveReadAdmin(LogAdmin):
    list_display = ["at", "user", "subject", "object_name", "fields", "reason", "address"]
    list_filter = ["subject", "fields", "at"]
    search_fields = ["object_name", "object_id", "user__username", "user__display_name", "address"]


@admin.register(ExportRecord)
class ExportRecordAdmin(LogAdmin):
    list_display = ["at", "user", "path", "query", "filename", "rows", "address"]
    list_filter = ["path", "at"]
    search_fields = ["path", "query", "filename", "user__username", "user__display_name", "address"]
