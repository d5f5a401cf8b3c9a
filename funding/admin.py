"""Admin screens for the system administrator. Posted money lines are read-only here: money moves only through the
services (which lock, check the balance and journal), and corrections are reversing lines made on the pages."""

from django.contrib import admin

from funding.models import (
    Account,
    Contribution,
    Disbursement,
    FundTarget,
    GuaranteeGroup,
    GuaranteeMembership,
    Loan,
    LoanInstalment,
    Posting,
    PostingMonth,
    Repayment,
)
from guanghan.admin import NoDeleteMixin


class ReadOnlyAdmin(NoDeleteMixin, admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "channel", "department", "balance", "line_count", "opened_on"]
    list_filter = ["channel"]
    list_select_related = ["department"]
    search_fields = ["name", "department__name", "department__short_name"]
    readonly_fields = ["balance", "line_count"]
    autocomplete_fields = ["department"]


@admin.register(Contribution)
class ContributionAdmin(ReadOnlyAdmin):
    list_display = ["received_on", "account", "source", "amount", "voucher_no", "department", "town", "by"]
    list_filter = ["source", "account__channel", "received_on"]
    list_select_related = ["account", "department", "town", "by"]
    search_fields = ["voucher_no", "contributor", "note", "department__name", "cadre__name"]
    date_hierarchy = "received_on"


@admin.register(Disbursement)
class DisbursementAdmin(ReadOnlyAdmin):
    list_display = ["paid_on", "account", "amount", "purpose", "village", "project", "member", "voucher_no", "by"]
    list_filter = ["purpose", "account__channel", "village__town", "paid_on"]
    list_select_related = ["account", "village", "project", "member", "by"]
    search_fields = ["voucher_no", "approved_by", "note", "project__name", "member__name", "village__name"]
    date_hierarchy = "paid_on"


@admin.register(Posting)
class PostingAdmin(ReadOnlyAdmin):
    list_display = ["account", "seq", "posted_on", "amount", "balance_after", "contribution", "disbursement"]
    list_filter = ["account__channel", "account"]
    list_select_related = ["account", "contribution", "disbursement"]
    search_fields = ["contribution__voucher_no", "disbursement__voucher_no"]


@admin.register(PostingMonth)
class PostingMonthAdmin(ReadOnlyAdmin):
    list_display = ["account", "month_label", "money_in", "money_out", "lines"]
    list_filter = ["account__channel", "account"]
    list_select_related = ["account"]
    search_fields = ["account__name", "account__department__name"]
    date_hierarchy = "month"

    @admin.display(description="月份", ordering="month")
    def month_label(self, obj):
        return f"{obj.month.year}年{obj.month.month}月"


@admin.register(FundTarget)
class FundTargetAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["year", "channel", "source", "department", "amount", "note"]
    list_filter = ["year", "channel", "source"]
    list_select_related = ["department"]
    search_fields = ["note", "department__name"]
    autocomplete_fields = ["department"]


class GuaranteeMembershipInline(admin.TabularInline):
    model = GuaranteeMembership
    raw_id_fields = ["member"]
    extra = 0
    can_delete = False


@admin.register(GuaranteeGroup)
class GuaranteeGroupAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "village", "formed_on", "dissolved_on"]
    list_filter = ["village__town", ("dissolved_on", admin.EmptyFieldListFilter)]
    list_select_related = ["village"]
    search_fields = ["name", "village__name", "memberships__member__name"]
    raw_id_fields = ["village", "by"]
    inlines = [GuaranteeMembershipInline]


@admin.register(GuaranteeMembership)
class GuaranteeMembershipAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["group", "member", "joined_on"]
    list_filter = ["group__village__town"]
    list_select_related = ["group", "member"]
    search_fields = ["group__name", "member__name"]
    raw_id_fields = ["group", "member"]


class InstalmentInline(admin.TabularInline):
    model = LoanInstalment
    extra = 0
    can_delete = False
    readonly_fields = ["number", "due_on", "principal", "interest", "cum_principal", "cum_interest"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Loan)
class LoanAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["member", "bank", "product", "amount_approved", "status", "applied_on", "disbursed_on"]
    list_filter = ["status", "product", "bank", "method", "member__village__town"]
    list_select_related = ["member"]
    search_fields = ["member__name", "=member__id_number", "bank", "contract_no"]
    raw_id_fields = ["member", "project", "guarantee_group", "by"]
    readonly_fields = ["status", "paid_principal", "paid_interest", "settled_on", "created_at"]
    inlines = [InstalmentInline]
    show_full_result_count = False


@admin.register(LoanInstalment)
class LoanInstalmentAdmin(ReadOnlyAdmin):
    list_display = ["loan", "number", "due_on", "principal", "interest"]
    list_filter = ["due_on"]
    list_select_related = ["loan"]
    search_fields = ["loan__member__name", "loan__contract_no"]


@admin.register(Repayment)
class RepaymentAdmin(ReadOnlyAdmin):
    list_display = ["loan", "paid_on", "principal", "interest", "voucher_no", "by"]
    list_filter = ["paid_on"]
    list_select_related = ["loan", "by"]
    search_fields = ["loan__member__name", "voucher_no"]
    date_hierarchy = "paid_on"
