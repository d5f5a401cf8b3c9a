from datetime import date

from django import forms

from guanghan.forms import PlaceFilterForm, VillageChoiceField
from guanghan.models import Association, Cadre, Department, Industry, PartyBranch, Village
from members.forms import DATE, at_least
from projects.models import Enrollment, HouseholdContact, Project, VillagePairing


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = [
            "village",
            "year",
            "name",
            "industry",
            "product",
            "branch",
            "association",
            "maturity",
            "expected_benefit",
            "is_demo_base",
            "for_residents",
            "department",
            "description",
        ]
        field_classes = {"village": VillageChoiceField}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"village": {"invalid_choice": "请从列表中选择您工作范围内的村（社区）。"}}

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages.select_related("town").order_by("town__code", "code")
        self.fields["village"].empty_label = "请选择村（社区）"
        self.fields["branch"].queryset = PartyBranch.objects.filter(village__in=villages, is_active=True)
        self.fields["association"].queryset = Association.objects.filter(village__in=villages, is_active=True)
        self.fields["industry"].queryset = Industry.objects.filter(is_active=True)
        self.fields["department"].queryset = Department.objects.filter(is_active=True)
        self.fields["year"].initial = date.today().year
        at_least(self.fields["expected_benefit"], 0, "预期年增收不能为负数。")
        at_least(self.fields["maturity"], 1, "成熟度为 1 到 5 的整数。")
        self.fields["maturity"].max_value = 5
        self.fields["maturity"].widget.attrs["max"] = 5

    def clean_maturity(self):
        value = self.cleaned_data["maturity"]
        if value > 5:
            raise forms.ValidationError("成熟度为 1 到 5 的整数。")
        return value

    def clean(self):
        cleaned = super().clean()
        village = cleaned.get("village")
        for name, label in (("branch", "党支部"), ("association", "协会")):
            carrier = cleaned.get(name)
            if carrier and village and carrier.village_id != village.pk:
                self.add_error(name, f"“{carrier.name}”不是{village.name}的{label}，请重新选择。")
        return cleaned


class ProjectMoveForm(forms.Form):
    to_status = forms.ChoiceField(label="改为")
    on = forms.DateField(label="日期", widget=DATE, initial=date.today)
    reason = forms.CharField(label="终止原因", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=500)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [s for s in project.allowed_statuses() if s != Project.Status.SELECTED]
        self.fields["to_status"].choices = [(s, Project.Status(s).label) for s in choices]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("to_status") == Project.Status.DROPPED and not cleaned.get("reason"):
            self.add_error("reason", "终止项目请写明原因。")
        if cleaned.get("on") and cleaned["on"] > date.today():
            self.add_error("on", "日期不能晚于今天。")
        return cleaned


class EnrollForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput)
    role = forms.ChoiceField(label="角色", choices=Enrollment.Role.choices, initial=Enrollment.Role.PARTICIPANT)
    enrolled_on = forms.DateField(label="纳入日期", widget=DATE, initial=date.today)


class ProjectFilterForm(PlaceFilterForm):
    q = forms.CharField(label="项目名称或产品", required=False, max_length=40)
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)
    industry = forms.ModelChoiceField(
        label="产业", queryset=Industry.objects.all(), required=False, empty_label="全部产业"
    )
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部状态"), *Project.Status.choices])
    key = forms.ChoiceField(label="重点", required=False, choices=[("", "不限"), ("1", "重点培植项目")])
    demo = forms.ChoiceField(label="示范基地", required=False, choices=[("", "不限"), ("1", "党员创业示范基地")])
    residents = forms.ChoiceField(label="帮扶对象", required=False, choices=[("", "不限"), ("1", "困难群众帮扶项目")])
    department = forms.ModelChoiceField(
        label="帮扶部门", queryset=Department.objects.all(), required=False, empty_label="全部部门"
    )

    def filter(self, projects):
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("q"):
            projects = projects.filter(name__contains=data["q"]) | projects.filter(product__contains=data["q"])
        for field, lookup in [
            ("town", "village__town"),
            ("village", "village"),
            ("year", "year"),
            ("industry", "industry"),
            ("status", "status"),
            ("department", "department"),
        ]:
            if data.get(field):
                projects = projects.filter(**{lookup: data[field]})
        if data.get("key"):
            projects = projects.filter(is_key=True)
        if data.get("demo"):
            projects = projects.filter(is_demo_base=True)
        if data.get("residents"):
            projects = projects.filter(for_residents=True)
        return projects


class CadreChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, cadre):
        return f"{cadre.name}（{cadre.department.short_name if cadre.department_id else '无部门'} {cadre.position}）"


class VillagePairingForm(forms.ModelForm):
    class Meta:
        model = VillagePairing
        fields = ["department", "village", "year", "started_on"]
        field_classes = {"village": VillageChoiceField}
        widgets = {"started_on": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = Village.objects.filter(is_active=True).select_related("town")
        self.fields["department"].queryset = Department.objects.filter(is_active=True)
        self.fields["year"].initial = date.today().year


class HouseholdPairForm(forms.Form):
    cadre = CadreChoiceField(label="帮扶干部", queryset=Cadre.objects.none(), empty_label="请选择干部")
    started_on = forms.DateField(label="结对日期", widget=DATE, initial=date.today)

    def __init__(self, *args, cadres, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = cadres.select_related("department").order_by("department__name", "name")
        self.fields["cadre"].error_messages["invalid_choice"] = "请从列表中选择本部门在职干部。"


class HandOverForm(HouseholdPairForm):
    reason = forms.CharField(label="交接原因", max_length=100, initial="帮扶干部工作调动")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].label = "接手干部"
        self.fields["started_on"].label = "交接日期"


class ContactForm(forms.ModelForm):
    class Meta:
        model = HouseholdContact
        fields = ["contacted_on", "kind", "summary"]
        widgets = {"contacted_on": DATE, "summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, pairing, **kwargs):
        super().__init__(*args, **kwargs)
        self.pairing = pairing
        self.fields["contacted_on"].initial = date.today()
        self.fields["summary"].error_messages["required"] = "请写明这次联系做了什么。"

    def clean_contacted_on(self):
        day = self.cleaned_data["contacted_on"]
        if day > date.today():
            raise forms.ValidationError("联系日期不能晚于今天。")
        if day < self.pairing.started_on:
            raise forms.ValidationError(f"联系日期不能早于结对日期 {self.pairing.started_on:%Y-%m-%d}。")
        return day
