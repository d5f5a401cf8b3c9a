"""The visit form (made for a phone) and the rectification forms."""

from datetime import timedelta

from django import forms
from django.utils import timezone

from guanghan.forms import PlaceFilterForm, VillageChoiceField
from guanghan.models import Department
from projects.models import Project, VillagePairing
from supervision.models import CHECKS, Check, Rectification, Visit

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
RECTIFY_DAYS = 30
REMARK_OF = {"funds_clear": "funds_remark", "effect_visible": "effect_remark", "people_satisfied": "people_remark"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input; each is checked and shrunk by the service before anything is saved."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"})
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(PhotosField, self).clean(f, initial) for f in files]


class ProjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, project):
        return f"{project.year} · {project.name}"


class VisitForm(forms.Form):
    client_key = forms.UUIDField(widget=forms.HiddenInput)
    village = VillageChoiceField(label="村（社区）", queryset=None, empty_label=None)
    project = ProjectChoiceField(
        label="督查的项目（可不选）", queryset=None, required=False, empty_label="（不针对具体项目）"
    )
    visited_on = forms.DateField(label="督查日期", widget=DATE)
    kind = forms.ChoiceField(label="方式", choices=Visit.Kind.choices, widget=forms.RadioSelect)
    funds_clear = forms.ChoiceField(label="资金走向清楚", choices=Check.choices, widget=forms.RadioSelect)
    funds_remark = forms.CharField(label="资金走向说明", max_length=200, required=False)
    effect_visible = forms.ChoiceField(label="效果明显", choices=Check.choices, widget=forms.RadioSelect)
    effect_remark = forms.CharField(label="效果说明", max_length=200, required=False)
    people_satisfied = forms.ChoiceField(label="群众满意", choices=Check.choices, widget=forms.RadioSelect)
    people_remark = forms.CharField(label="群众意见", max_length=200, required=False)
    notes = forms.CharField(label="督查记录", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField(label="照片（可多张，每张不超过 10 MB）", required=False)
    rectify_owner = forms.ChoiceField(label="整改责任方", required=False)
    rectify_deadline = forms.DateField(label="整改期限", required=False, widget=DATE)

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["village"].queryset = villages
        self.fields["project"].queryset = Project.objects.filter(village__in=villages).exclude(
            status=Project.Status.DROPPED
        )
        self.fields["project"].widget.choices = [("", "（不针对具体项目）")] + [
            (p.pk, f"{p.village.name} · {p.year} · {p.name}")
            for p in self.fields["project"].queryset.select_related("village").order_by("village__code", "-year")
        ]
        self.fields["visited_on"].initial = today
        self.fields["kind"].initial = Visit.Kind.ROUTINE
        departments = Department.objects.filter(village_pairings__village__in=villages).distinct().order_by("name")
        self.fields["rectify_owner"].choices = [("village", "本村（社区）")] + [
            (f"department:{d.pk}", f"帮扶部门：{d.short_name}") for d in departments
        ]
        self.fields["rectify_deadline"].initial = today + timedelta(days=RECTIFY_DAYS)
        for name in (*REMARK_OF, "kind"):
            self.fields[name].widget.attrs.update({"class": "btn-check", "autocomplete": "off"})
        for name, label in CHECKS:
            self.fields[name].error_messages["required"] = f"请选择“{label}”：是、部分或否。"
        self.fields["village"].error_messages["invalid_choice"] = "只能记录您派驻的村（社区）的督查。"

    def clean(self):
        data = super().clean()
        village, project = data.get("village"), data.get("project")
        if village and project and project.village_id != village.pk:
            self.add_error("project", f"“{project.name}”不是{village.name}的项目。")
        day = data.get("visited_on")
        if day and day > timezone.localdate():
            self.add_error("visited_on", "督查日期不能晚于今天。")
        findings = [label for name, label in CHECKS if data.get(name) and data[name] != Check.YES]
        if findings:
            for name, label in CHECKS:
                remark = REMARK_OF[name]
                if data.get(name) and data[name] != Check.YES and not data.get(remark, "").strip():
                    self.add_error(remark, f"“{label}”不是“是”，请写明发现的问题。")
            deadline = data.get("rectify_deadline")
            if not deadline:
                self.add_error("rectify_deadline", "发现问题时请填写整改期限。")
            elif day and deadline < day:
                self.add_error("rectify_deadline", "整改期限不能早于督查日期。")
            owner = data.get("rectify_owner") or "village"
            if owner.startswith("department:") and village:
                department_id = int(owner.split(":")[1])
                if not VillagePairing.objects.filter(village=village, department_id=department_id).exists():
                    self.add_error("rectify_owner", f"该部门没有帮扶{village.name}，请重新选择责任方。")
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        owner = data.get("rectify_owner") or "village"
        department = None
        if owner.startswith("department:"):
            department = Department.objects.get(pk=int(owner.split(":")[1]))
            owner = Rectification.Owner.DEPARTMENT
        return {
            "village": data["village"],
            "project": data.get("project"),
            "visited_on": data["visited_on"],
            "kind": data["kind"],
            "checks": {
                key: data[key]
                for key in (
                    "funds_clear",
                    "funds_remark",
                    "effect_visible",
                    "effect_remark",
                    "people_satisfied",
                    "people_remark",
                )
            },
            "notes": data.get("notes", ""),
            "photos": data.get("photos") or [],
            "client_key": data["client_key"],
            "rectify_owner": owner,
            "rectify_department": department,
            "rectify_deadline": data.get("rectify_deadline"),
        }


class VisitFilterForm(PlaceFilterForm):
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label="方式", required=False, choices=[("", "全部方式"), *Visit.Kind.choices])
    findings = forms.ChoiceField(
        label="发现问题", required=False, choices=[("", "不限"), ("1", "有发现问题"), ("0", "三项均达标")]
    )

    def filter(self, visits):
        data = self.cleaned_data if self.is_valid() else {}
        for field, lookup in [("town", "village__town"), ("village", "village"), ("kind", "kind")]:
            if data.get(field):
                visits = visits.filter(**{lookup: data[field]})
        if data.get("year"):
            visits = visits.filter(visited_on__year=data["year"])
        all_yes = {"funds_clear": Check.YES, "effect_visible": Check.YES, "people_satisfied": Check.YES}
        if data.get("findings") == "1":
            visits = visits.exclude(**all_yes)
        elif data.get("findings") == "0":
            visits = visits.filter(**all_yes)
        return visits


class RectificationFilterForm(PlaceFilterForm):
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部状态"), ("open", "未完成（待整改或退回）"), *Rectification.Status.choices],
    )
    overdue = forms.ChoiceField(label="逾期", required=False, choices=[("", "不限"), ("1", "只看逾期")])
    department = forms.ModelChoiceField(
        label="责任部门", queryset=Department.objects.all(), required=False, empty_label="全部部门"
    )

    def filter(self, rectifications, *, today):
        data = self.cleaned_data if self.is_valid() else {}
        for field, lookup in [("town", "village__town"), ("village", "village"), ("department", "owner_department")]:
            if data.get(field):
                rectifications = rectifications.filter(**{lookup: data[field]})
        status = data.get("status")
        if status == "open":
            rectifications = rectifications.open()
        elif status:
            rectifications = rectifications.filter(status=status)
        if data.get("overdue"):
            rectifications = rectifications.overdue(today)
        return rectifications


class StepForm(forms.Form):
    on = forms.DateField(label="日期", widget=DATE)
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()

    def clean_on(self):
        day = self.cleaned_data["on"]
        if day > timezone.localdate():
            raise forms.ValidationError("日期不能晚于今天。")
        return day
