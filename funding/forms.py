"""Forms for money in, money out and corrections. They validate and normalise; the services post."""

from uuid import uuid4

from django import forms
from django.utils import timezone

from funding.models import SOURCES_OF, Account, Channel, Disbursement, Purpose, Source
from guanghan import access
from guanghan.forms import PlaceFilterForm
from guanghan.lib.money import MoneyField
from guanghan.models import Cadre, Department, Town
from members.models import Member
from projects.models import Project

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AccountChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, account):
        return f"{account.name}（余额 {account.balance:,.2f} 元）"


class ProjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, project):
        return f"{project.year} {project.village.town.name} {project.village.name} · {project.name}"


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, member):
        return f"{member.name}（{member.village.name}，{member.get_category_display()}）"


class CadreChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, cadre):
        return f"{cadre.name}（{cadre.department.short_name if cadre.department_id else ''}）"


def projects_for(user):
    return access.scope(user, Project.objects.all(), village="village", department="department")


class SubmissionKeyField(forms.UUIDField):
    """A hidden key made afresh for each form shown: posting the same form twice records it once (the services
    answer the line the first submission saved). A request without one is recorded without that guard."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("error_messages", {"invalid": "表单的提交标识有误，请刷新页面后重新填写。"})
        super().__init__(**kwargs)


def submitted_key(form: forms.Form):
    """The submission key a bound form carries, or None (checked on its own, before the rest of the form)."""
    bound = form["client_key"]
    try:
        return bound.field.clean(bound.data)
    except forms.ValidationError:
        return None


class LineForm(forms.Form):
    client_key = SubmissionKeyField()
    account = AccountChoiceField(label="资金账户", queryset=None, empty_label=None)
    amount = MoneyField(label="金额（元）", help_text="可直接粘贴 12,500.00 这样的数字。")
    voucher_no = forms.CharField(label="凭证号", max_length=40)
    note = forms.CharField(label="摘要", max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["client_key"].initial = uuid4
        self.fields["account"].queryset = Account.objects.writable_by(user).select_related("department")
        self.fields["voucher_no"].error_messages["required"] = "请填写凭证号（会计凭证或银行回单的编号）。"
        self.fields["voucher_no"].widget.attrs["placeholder"] = "如 ZX-2016-0123"

    def clean_voucher_no(self):
        return self.cleaned_data["voucher_no"].strip()


class ContributionForm(LineForm):
    source = forms.ChoiceField(label="资金来源", choices=Source.choices)
    received_on = forms.DateField(label="到账日期", widget=DATE)
    town = forms.ModelChoiceField(
        label="出资乡镇", queryset=Town.objects.all(), required=False, help_text="来源为“乡镇匹配”时必填。"
    )
    cadre = CadreChoiceField(
        label="捐款干部", queryset=None, required=False, help_text="来源为“党员干部自捐”时选择捐款人。"
    )
    contributor = forms.CharField(label="出资人（单位或个人）", max_length=80, required=False)

    field_order = ["account", "source", "amount", "received_on", "voucher_no", "town", "cadre", "contributor", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = Cadre.objects.select_related("department").order_by("department_id", "name")
        self.fields["received_on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        account, source = data.get("account"), data.get("source")
        if account and source and source not in SOURCES_OF[account.channel]:
            names = "、".join(Source(s).label for s in SOURCES_OF[account.channel])
            self.add_error("source", f"{account.name}的来源只能是：{names}。")
        if source == Source.TOWN_MATCH and not data.get("town"):
            self.add_error("town", "来源为“乡镇匹配”时，请选择出资乡镇。")
        if source == Source.DONATION and not (data.get("cadre") or data.get("contributor", "").strip()):
            self.add_error("cadre", "来源为“党员干部自捐”时，请选择捐款干部或填写出资人。")
        day = data.get("received_on")
        if day and day > timezone.localdate():
            self.add_error("received_on", "到账日期不能晚于今天。")
        return data

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        account = data["account"]
        data["department"] = account.department if account.channel == Channel.DEPARTMENT else None
        if data.get("cadre") and not data.get("contributor"):
            data["contributor"] = data["cadre"].name
        return data


class DisbursementForm(LineForm):
    project = ProjectChoiceField(label="投向项目", queryset=None, required=False)
    member = MemberChoiceField(label="帮扶对象", queryset=None, required=False)
    purpose = forms.ChoiceField(label="用途", choices=Purpose.choices)
    paid_on = forms.DateField(label="支付日期", widget=DATE)
    approved_by = forms.CharField(label="审批人", max_length=40)

    field_order = ["account", "project", "member", "purpose", "amount", "paid_on", "voucher_no", "approved_by", "note"]

    def __init__(self, *args, project=None, member=None, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.user
        projects = projects_for(user).exclude(status=Project.Status.DROPPED).select_related("village__town")
        people = access.scope_people(user, Member.objects.all()) | Member.objects.filter(
            enrollments__project__in=projects_for(user)
        )
        self.fields["project"].queryset = projects
        self.fields["member"].queryset = Member.objects.filter(pk__in=people.values("pk")).select_related("village")
        # Offer a short list (the chosen project's members, or this year's and last year's projects); the querysets
        # above still decide what is accepted.
        if project is not None:
            self.fields["project"].initial = project.pk
            self.fields["project"].widget.choices = [
                (project.pk, ProjectChoiceField.label_from_instance(None, project))
            ]
            offered = project.enrollments.filter(left_on__isnull=True).select_related("member__village")
            self.fields["member"].widget.choices = [("", "（不指定，拨付给项目）")] + [
                (e.member_id, MemberChoiceField.label_from_instance(None, e.member)) for e in offered
            ]
        elif member is not None:
            self.fields["member"].initial = member.pk
            self.fields["member"].widget.choices = [(member.pk, MemberChoiceField.label_from_instance(None, member))]
            offered = projects.filter(enrollments__member=member).distinct()
            self.fields["project"].widget.choices = [("", "（不指定项目）")] + [
                (p.pk, ProjectChoiceField.label_from_instance(None, p)) for p in offered
            ]
        else:
            year = timezone.localdate().year
            recent = projects.filter(
                year__gte=(projects.order_by("-year").values_list("year", flat=True).first() or year) - 1
            )
            self.fields["project"].widget.choices = [("", "请选择项目")] + [
                (p.pk, ProjectChoiceField.label_from_instance(None, p))
                for p in recent.order_by("-year", "village__code", "name")
            ]
            self.fields["member"].widget.choices = [("", "（不指定）")]
            self.fields["member"].help_text = "拨付给个人时，请从该对象的信息页点“拨付资金”进入。"
        self.fields["paid_on"].initial = timezone.localdate()
        self.fields["approved_by"].error_messages["required"] = "请填写审批人姓名。"

    def clean(self):
        data = super().clean()
        project, member = data.get("project"), data.get("member")
        if not project and not member and "project" not in self.errors and "member" not in self.errors:
            self.add_error("project", "请选择资金投向的项目或帮扶对象。")
        if project and member and member.village.town_id != project.village.town_id:
            self.add_error("member", f"{member.name} 不在项目“{project.name}”所在乡镇，请核对。")
        day = data.get("paid_on")
        if day and day > timezone.localdate():
            self.add_error("paid_on", "支付日期不能晚于今天。")
        return data


class ReverseForm(forms.Form):
    client_key = SubmissionKeyField()
    on = forms.DateField(label="冲销日期", widget=DATE)
    reason = forms.CharField(
        label="冲销原因", max_length=150, widget=forms.TextInput(attrs={"placeholder": "如 金额录入错误"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()
        self.fields["client_key"].initial = uuid4
        self.fields["reason"].error_messages["required"] = "请填写冲销原因。"


class LineFilterForm(PlaceFilterForm):
    q = forms.CharField(label="凭证号或摘要", required=False, max_length=40)
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)
    channel = forms.ChoiceField(label="渠道", required=False, choices=[("", "全部渠道"), *Channel.choices[:2]])
    department = forms.ModelChoiceField(
        label="部门", queryset=Department.objects.all(), required=False, empty_label="全部部门"
    )
    project = forms.ModelChoiceField(queryset=Project.objects.all(), required=False, widget=forms.HiddenInput)
    member = forms.ModelChoiceField(queryset=Member.objects.all(), required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["department"].queryset = access.departments_visible_to(user)

    def filter(self, lines):
        data = self.cleaned_data if self.is_valid() else {}
        model = lines.model
        if data.get("q"):
            lines = lines.filter(voucher_no__icontains=data["q"]) | lines.filter(note__icontains=data["q"])
        if data.get("year"):
            lines = lines.posted_in(data["year"])
        if data.get("channel"):
            lines = lines.filter(account__channel=data["channel"])
        if data.get("department"):
            lines = lines.filter(account__department=data["department"])
        place = "village" if model is Disbursement else "town"
        if data.get("town"):
            lines = lines.filter(**({"village__town": data["town"]} if place == "village" else {"town": data["town"]}))
        if data.get("village") and model is Disbursement:
            lines = lines.filter(village=data["village"])
        for field in ("project", "member"):
            if data.get(field) and model is Disbursement:
                lines = lines.filter(**{field: data[field]})
        return lines


class ContributionFilterForm(LineFilterForm):
    source = forms.ChoiceField(label="来源", required=False, choices=[("", "全部来源"), *Source.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["village"], self.fields["project"], self.fields["member"]

    def filter(self, lines):
        lines = super().filter(lines)
        source = self.cleaned_data.get("source") if self.is_valid() else None
        return lines.filter(source=source) if source else lines


class DisbursementFilterForm(LineFilterForm):
    purpose = forms.ChoiceField(label="用途", required=False, choices=[("", "全部用途"), *Purpose.choices])

    def filter(self, lines):
        lines = super().filter(lines)
        purpose = self.cleaned_data.get("purpose") if self.is_valid() else None
        return lines.filter(purpose=purpose) if purpose else lines
