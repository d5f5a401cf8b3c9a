"""Forms of 党员农贷快车: the application, the bank's steps on it, and the joint-guarantee groups."""

from datetime import date
from decimal import Decimal
from uuid import uuid4

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from funding.forms import SubmissionKeyField, submitted_key
from funding.models import (
    GROUP_SIZE,
    LARGE_LOAN_LIMIT,
    SMALL_LOAN_LIMIT,
    ZERO,
    GuaranteeGroup,
    GuaranteeMembership,
    Loan,
)
from funding.services import yuan
from guanghan import access
from guanghan.forms import PlaceFilterForm, VillageChoiceField
from guanghan.lib.money import MoneyField
from members.forms import DATE
from members.models import Member
from projects.models import HouseholdPairing, Project

BANKS = [
    "中国农业银行广汉支行",
    "四川广汉农村商业银行",
    "中国邮政储蓄银行广汉支行",
    "广汉珠江村镇银行",
    "中国建设银行广汉支行",
    "中国工商银行广汉支行",
]
MAX_TERM, MAX_RATE = 120, Decimal("24")


class DatalistInput(forms.TextInput):
    """A text input that suggests values (the banks here) and still accepts any other."""

    def __init__(self, options, list_id, attrs=None):
        super().__init__({**(attrs or {}), "list": list_id, "autocomplete": "off"})
        self.options, self.list_id = options, list_id

    def render(self, name, value, attrs=None, renderer=None):
        options = format_html_join("", '<option value="{}">', ((o,) for o in self.options))
        return super().render(name, value, attrs, renderer) + format_html(
            '<datalist id="{}">{}</datalist>', self.list_id, options
        )


def name_required_fields(form: forms.BaseForm) -> None:
    """“请填写贷款银行。” rather than Django's anonymous “这个字段是必填项。”"""
    for field in form.fields.values():
        verb = "选择" if isinstance(field, forms.ChoiceField | forms.ModelChoiceField) else "填写"
        field.error_messages["required"] = f"请{verb}{field.label}。"


def not_after_today(day: date | None, label: str) -> None:
    if day and day > timezone.localdate():
        raise forms.ValidationError(f"{label}不能晚于今天。")


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, member):
        return f"{member.village.town.name} {member.village.name} · {member.name}"


class ProjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, project):
        return f"{project.village.name} · {project.name}（{project.year}）"


class GroupChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, group):
        return f"{group.village.name} · {group.name}"


class LoanForm(forms.ModelForm):
    class Meta:
        model = Loan
        fields = [
            "member",
            "product",
            "amount_requested",
            "guarantee_group",
            "bank",
            "purpose",
            "project",
            "term_months",
            "annual_rate",
            "method",
            "relaxed_terms",
            "applied_on",
        ]
        field_classes = {
            "member": MemberChoiceField,
            "project": ProjectChoiceField,
            "guarantee_group": GroupChoiceField,
            "amount_requested": MoneyField,
        }
        widgets = {"applied_on": DATE, "bank": DatalistInput(BANKS, "banks")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        people = access.scope_people(user, Member.objects.in_registry()).select_related("village__town")
        self.fields["member"].queryset = people.order_by("village__town__code", "village__code", "name", "pk")
        projects = access.scope(user, Project.objects.active(), village="village", department="department")
        self.fields["project"].queryset = projects.select_related("village").order_by("village__code", "-year", "name")
        groups = GuaranteeGroup.objects.visible_to(user).filter(dissolved_on__isnull=True).select_related("village")
        self.fields["guarantee_group"].queryset = groups.order_by("village__code", "name")
        self.fields["member"].empty_label = "请选择借款人"
        self.fields["product"].choices = [("", "请选择贷款品种"), *Loan.Product.choices]
        self.fields["guarantee_group"].help_text = "大额联保贷款必填：借款人所在的联保小组。"
        self.fields["project"].empty_label = self.fields["guarantee_group"].empty_label = "不填"
        self.fields["applied_on"].initial = timezone.localdate
        self.fields["term_months"].widget.attrs.update(min=1, max=MAX_TERM)
        self.fields["annual_rate"].widget.attrs.update(min=0, max=MAX_RATE, step="0.01")
        name_required_fields(self)
        self.fields["member"].error_messages["invalid_choice"] = "请从列表中选择您工作范围内的借款人。"
        self.fields["project"].error_messages["invalid_choice"] = "请从列表中选择您工作范围内的项目。"
        self.fields["guarantee_group"].error_messages["invalid_choice"] = "请从列表中选择您工作范围内的联保小组。"
        self.fields["term_months"].error_messages["invalid"] = "期限请填写 1 到 120 之间的整数（月）。"
        self.fields["annual_rate"].error_messages.update(
            invalid="年利率请填写数字，例如 4.35。",
            max_decimal_places="年利率最多保留两位小数。",
            max_digits="年利率应在 0 到 24（%）之间。",
            max_whole_digits="年利率应在 0 到 24（%）之间。",
        )

    def clean_term_months(self):
        months = self.cleaned_data["term_months"]
        if not 1 <= months <= MAX_TERM:
            raise forms.ValidationError(f"期限应在 1 到 {MAX_TERM} 个月之间。")
        return months

    def clean_annual_rate(self):
        rate = self.cleaned_data["annual_rate"]
        if not ZERO <= rate <= MAX_RATE:
            raise forms.ValidationError("年利率应在 0 到 24（%）之间。")
        return rate

    def clean_applied_on(self):
        not_after_today(self.cleaned_data["applied_on"], "申请日期")
        return self.cleaned_data["applied_on"]

    def clean(self):
        cleaned = super().clean()
        member, product, amount = cleaned.get("member"), cleaned.get("product"), cleaned.get("amount_requested")
        group, project = cleaned.get("guarantee_group"), cleaned.get("project")
        if amount and product == Loan.Product.SMALL and amount > SMALL_LOAN_LIMIT:
            self.add_error(
                "amount_requested",
                f"小额信用贷款的申请金额不能超过 {yuan(SMALL_LOAN_LIMIT)}；更多请选择大额联保贷款。",
            )
        if amount and product == Loan.Product.LARGE and not SMALL_LOAN_LIMIT < amount <= LARGE_LOAN_LIMIT:
            self.add_error(
                "amount_requested",
                f"大额联保贷款的申请金额应超过 {yuan(SMALL_LOAN_LIMIT)}、不超过 {yuan(LARGE_LOAN_LIMIT)}。",
            )
        if product == Loan.Product.LARGE and not group and "guarantee_group" not in self.errors:
            self.add_error("guarantee_group", "大额联保贷款须选择借款人所在的联保小组。")
        if group and member and not GuaranteeMembership.objects.filter(group=group, member=member).exists():
            self.add_error("guarantee_group", f"借款人 {member.name} 不是联保小组“{group.name}”的成员。")
        if project and member and project.village.town_id != member.village.town_id:
            self.add_error("project", f"项目“{project.name}”不在借款人 {member.name} 所在乡镇，请核对。")
        return cleaned


class LoanFilterForm(PlaceFilterForm):
    q = forms.CharField(label="借款人姓名", required=False, max_length=30)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部状态"), *Loan.Status.choices])
    product = forms.ChoiceField(label="贷款品种", required=False, choices=[("", "全部品种"), *Loan.Product.choices])
    bank = forms.CharField(label="贷款银行", required=False, max_length=40, widget=DatalistInput(BANKS, "banks"))
    overdue = forms.ChoiceField(label="逾期", required=False, choices=[("", "不限"), ("1", "只看逾期贷款")])
    member = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # Reached from the leaders' overdue page: the borrowers its cadres are paired with now (党员帮户). Hidden like
    # `member`, so the list renders no extra select.
    department = forms.ModelChoiceField(
        label="帮扶部门",
        queryset=None,
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "该部门不在您的工作范围内，已忽略“帮扶部门”条件。"},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["department"].queryset = access.departments_visible_to(user).order_by("name")

    def filter(self, loans, *, today: date):
        """The loans matching the valid filters, annotated with their arrears as of `today`."""
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("department"):
            paired = HouseholdPairing.objects.filter(ended_on__isnull=True, cadre__department=data["department"])
            loans = loans.filter(member__in=paired.values("member_id"))
        for field, lookup in [
            ("q", "member__name__contains"),
            ("status", "status"),
            ("product", "product"),
            ("bank", "bank__contains"),
            ("town", "member__village__town"),
            ("village", "member__village"),
            ("member", "member_id"),
        ]:
            if data.get(field):
                loans = loans.filter(**{lookup: data[field]})
        return loans.overdue(today=today) if data.get("overdue") else loans.with_arrears(today=today)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label="审批结果", choices=[("approve", "批准"), ("refuse", "不批准")], widget=forms.RadioSelect
    )
    amount = MoneyField(label="批准金额（元）", required=False, help_text="不填则按申请金额批准。")
    decided_on = forms.DateField(label="审批日期", widget=DATE)
    reason = forms.CharField(label="未批准原因", required=False, max_length=200)

    def __init__(self, *args, loan, **kwargs):
        super().__init__(*args, prefix="decide", **kwargs)
        self.loan = loan
        self.fields["amount"].initial = loan.amount_requested
        self.fields["decided_on"].initial = timezone.localdate
        name_required_fields(self)

    def clean(self):
        cleaned = super().clean()
        day, amount = cleaned.get("decided_on"), cleaned.get("amount")
        if cleaned.get("decision") == "approve":
            cleaned["amount"] = amount = amount or self.loan.amount_requested
            if amount > self.loan.amount_requested:
                self.add_error("amount", f"批准金额不能超过申请金额 {yuan(self.loan.amount_requested)}。")
        elif cleaned.get("decision") == "refuse" and not cleaned.get("reason", "").strip():
            self.add_error("reason", "不批准时请填写未批准原因。")
        if day and day > timezone.localdate():
            self.add_error("decided_on", "审批日期不能晚于今天。")
        elif day and day < self.loan.applied_on:
            self.add_error("decided_on", f"审批日期不能早于申请日期 {self.loan.applied_on:%Y-%m-%d}。")
        return cleaned


class DisburseForm(forms.Form):
    disbursed_on = forms.DateField(label="放款日期", widget=DATE)
    contract_no = forms.CharField(label="借款合同号", max_length=40)

    def __init__(self, *args, loan, **kwargs):
        super().__init__(*args, prefix="disburse", **kwargs)
        self.loan = loan
        self.fields["disbursed_on"].initial = timezone.localdate
        name_required_fields(self)

    def clean_disbursed_on(self):
        day = self.cleaned_data["disbursed_on"]
        not_after_today(day, "放款日期")
        if self.loan.decided_on and day < self.loan.decided_on:
            raise forms.ValidationError(f"放款日期不能早于审批日期 {self.loan.decided_on:%Y-%m-%d}。")
        return day


class RepayForm(forms.Form):
    client_key = SubmissionKeyField()
    paid_on = forms.DateField(label="还款日期", widget=DATE)
    principal = MoneyField(label="本金（元）", required=False, allow_zero=True)
    interest = MoneyField(label="利息（元）", required=False, allow_zero=True)
    voucher_no = forms.CharField(label="回单号", required=False, max_length=40)
    note = forms.CharField(label="说明", required=False, max_length=200)

    def __init__(self, *args, loan, next_due=None, **kwargs):
        super().__init__(*args, prefix="repay", **kwargs)
        self.loan = loan
        self.fields["client_key"].initial = uuid4
        self.fields["paid_on"].initial = timezone.localdate
        if next_due is not None:  # what clears the next unpaid instalment
            self.fields["principal"].initial = max(next_due.cum_principal - loan.paid_principal, ZERO)
            self.fields["interest"].initial = max(next_due.cum_interest - loan.paid_interest, ZERO)
        name_required_fields(self)

    def submitted_key(self):
        return submitted_key(self)

    def clean_paid_on(self):
        day = self.cleaned_data["paid_on"]
        not_after_today(day, "还款日期")
        if self.loan.disbursed_on and day < self.loan.disbursed_on:
            raise forms.ValidationError(f"还款日期不能早于放款日期 {self.loan.disbursed_on:%Y-%m-%d}。")
        return day

    def clean(self):
        cleaned = super().clean()
        cleaned["principal"] = principal = cleaned.get("principal") or ZERO
        cleaned["interest"] = cleaned.get("interest") or ZERO
        if not self.errors and principal + cleaned["interest"] <= 0:
            self.add_error(None, "请填写还款本金或利息（至少一项大于 0）。")
        owed = self.loan.outstanding_principal
        if principal > owed:
            self.add_error("principal", f"还款本金 {yuan(principal)} 超过尚欠本金 {yuan(owed)}。")
        return cleaned


class ReverseForm(forms.Form):
    client_key = SubmissionKeyField()
    reversed_on = forms.DateField(label="冲销日期", widget=DATE)
    reason = forms.CharField(label="冲销原因", max_length=180)

    def __init__(self, *args, repayment, **kwargs):
        super().__init__(*args, prefix=f"reverse{repayment.pk}", **kwargs)
        self.repayment = repayment
        self.fields["reversed_on"].initial = timezone.localdate
        self.fields["client_key"].initial = uuid4
        name_required_fields(self)

    def submitted_key(self):
        return submitted_key(self)

    def clean_reversed_on(self):
        day = self.cleaned_data["reversed_on"]
        not_after_today(day, "冲销日期")
        if day < self.repayment.paid_on:
            raise forms.ValidationError(f"冲销日期不能早于原还款日期 {self.repayment.paid_on:%Y-%m-%d}。")
        return day


# 联保小组 ------------------------------------------------------------------------------------------------------------


class GroupMemberField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, member):
        return member.name


class GuaranteeGroupForm(forms.Form):
    """Choose the village first (the page reloads with ?village=), then three to five of its people."""

    village = VillageChoiceField(label="村（社区）", queryset=None, empty_label="请选择村（社区）")
    name = forms.CharField(label="小组名称", max_length=60)
    formed_on = forms.DateField(label="成立日期", widget=DATE)
    members = GroupMemberField(
        label=f"成员（{GROUP_SIZE[0]} 到 {GROUP_SIZE[1]} 户）",
        queryset=Member.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, village_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        villages = access.villages_visible_to(user)
        self.fields["village"].queryset = villages.order_by("town__code", "code")
        self.fields["formed_on"].initial = timezone.localdate
        self.village_chosen = str(village_id or "").isdigit() and villages.filter(pk=village_id).exists()
        if self.village_chosen:
            people = access.scope_people(user, Member.objects.in_registry()).filter(village_id=village_id)
            self.fields["members"].queryset = people.order_by("name", "pk")
        name_required_fields(self)
        self.fields["village"].error_messages["invalid_choice"] = "请从列表中选择您工作范围内的村（社区）。"
        self.fields["members"].error_messages.update(
            required=f"请勾选 {GROUP_SIZE[0]} 到 {GROUP_SIZE[1]} 户成员。",
            invalid_choice="成员须是所选村（社区）、您工作范围内的人员，请重新勾选。",
        )

    def clean_formed_on(self):
        not_after_today(self.cleaned_data["formed_on"], "成立日期")
        return self.cleaned_data["formed_on"]

    def clean_members(self):
        members = self.cleaned_data["members"]
        low, high = GROUP_SIZE
        if not low <= len(members) <= high:
            raise forms.ValidationError(f"联保小组须有 {low} 到 {high} 户成员，现在选了 {len(members)} 户。")
        return members

    def clean(self):
        cleaned = super().clean()
        village, name = cleaned.get("village"), cleaned.get("name")
        if village and name and GuaranteeGroup.objects.filter(village=village, name=name).exists():
            self.add_error("name", f"{village.name}已有名为“{name}”的联保小组，请换个名称。")
        return cleaned


class GroupFilterForm(PlaceFilterForm):
    q = forms.CharField(label="小组名称或成员姓名", required=False, max_length=30)

    def filter(self, groups):
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("q"):
            member = GuaranteeMembership.objects.filter(group=OuterRef("pk"), member__name__contains=data["q"])
            groups = groups.filter(Q(name__contains=data["q"]) | Exists(member))
        if data.get("village"):
            groups = groups.filter(village=data["village"])
        elif data.get("town"):
            groups = groups.filter(village__town=data["town"])
        return groups
