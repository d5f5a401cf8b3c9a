"""Forms for the liaison officers, their assignments, and the filters of the overview and the unvisited-villages list.

They validate and normalise; the views write.
"""

from datetime import date

from django import forms
from django.db.models import Q
from django.utils import timezone

from guanghan.forms import PlaceFilterForm, VillageChoiceField
from guanghan.models import Cadre, Village
from members.forms import DATE
from supervision.models import Assignment

EARLIEST = date(2000, 1, 1)


def date_field(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=DATE,
        error_messages={"required": f"请填写{label}。", "invalid": f"{label}请按 2016-03-01 的格式填写。"},
        **kwargs,
    )


def _plausible(form: forms.Form, name: str) -> None:
    day = form.cleaned_data.get(name)
    if day and day < EARLIEST:
        form.add_error(name, f"{form.fields[name].label}不能早于 2000 年。")


class OnDateForm(forms.Form):
    """`?on=`: the day the figures are taken on (today by default; the demo data is from 2015–2016)."""

    on = date_field("统计日期", required=False, help_text="默认今天。")

    def day(self) -> date:
        data = self.cleaned_data if self.is_valid() else {}
        return data.get("on") or timezone.localdate()

    def clean(self):
        cleaned = super().clean()
        _plausible(self, "on")
        return cleaned


class OfficerFilterForm(PlaceFilterForm, OnDateForm):
    q = forms.CharField(label="姓名或部门", required=False, max_length=30)

    def filter(self, officers, *, on: date):
        """Town and village select the officers assigned there on `on`; the search looks at name and department."""
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("q"):
            q = data["q"].strip()
            officers = officers.filter(
                Q(cadre__name__contains=q) | Q(cadre__department__name__contains=q) | Q(cadre__department__short_name=q)
            )
        active = Assignment.objects.active(on)
        if data.get("village"):
            officers = officers.filter(pk__in=active.filter(village=data["village"]).values("officer_id"))
        elif data.get("town"):
            officers = officers.filter(pk__in=active.filter(village__town=data["town"]).values("officer_id"))
        return officers


class UnvisitedFilterForm(PlaceFilterForm, OnDateForm):
    all = forms.BooleanField(label="包括未派驻联络员的村", required=False)

    def filter(self, villages):
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("village"):
            villages = villages.filter(pk=data["village"].pk)
        elif data.get("town"):
            villages = villages.filter(town=data["town"])
        return villages

    def include_unassigned(self) -> bool:
        return bool(self.is_valid() and self.cleaned_data.get("all"))


class OverviewForm(OnDateForm):
    year = forms.IntegerField(
        label="年度",
        required=False,
        min_value=2000,
        max_value=2100,
        error_messages={
            "invalid": "年度请填写四位数字，例如 2016。",
            "min_value": "年度不能早于 2000 年。",
            "max_value": "年度不能晚于 2100 年。",
        },
    )
    month = forms.TypedChoiceField(
        label="月份",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "全年"), *((m, f"{m} 月") for m in range(1, 13))],
        error_messages={"invalid_choice": "月份请选择 1 到 12 月。"},
    )

    def period(self) -> tuple[int, int | None]:
        """(year, month or None): the year defaults to the year of the day the figures are taken on."""
        data = self.cleaned_data if self.is_valid() else {}
        return data.get("year") or self.day().year, data.get("month")


class CadreChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, cadre):
        department = cadre.department.short_name if cadre.department_id else "无部门"
        return f"{cadre.name}（{department}，{cadre.position or '—'}）"


class OfficerForm(forms.Form):
    cadre = CadreChoiceField(
        label="干部",
        queryset=Cadre.objects.none(),
        empty_label="请选择干部",
        error_messages={"required": "请选择干部。", "invalid_choice": "请从列表中选择尚未担任联络员的在职干部。"},
    )
    position = forms.CharField(
        label="挂职职务",
        max_length=40,
        initial="村党支部副书记",
        error_messages={"required": "请填写挂职职务。", "max_length": "挂职职务最多 40 个字。"},
    )
    appointed_on = date_field("选派日期", initial=timezone.localdate)
    village = VillageChoiceField(
        label="派驻村（社区）",
        queryset=Village.objects.none(),
        required=False,
        empty_label="暂不派驻",
        help_text="选择后同时从选派日期起派驻该村；也可稍后在联络员页面派驻。",
        error_messages={"invalid_choice": "请从列表中选择村（社区）。"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = (
            Cadre.objects.filter(is_active=True, liaison_officer__isnull=True)
            .select_related("department")
            .order_by("department__name", "name", "pk")
        )
        self.fields["village"].queryset = Village.objects.filter(is_active=True).select_related("town")
        self.fields["village"].queryset = self.fields["village"].queryset.order_by("town__code", "code")

    def clean_position(self):
        return self.cleaned_data["position"].strip()

    def clean(self):
        cleaned = super().clean()
        _plausible(self, "appointed_on")
        return cleaned


class AssignmentForm(forms.Form):
    village = VillageChoiceField(
        label="派驻村（社区）",
        queryset=Village.objects.none(),
        empty_label="请选择村（社区）",
        error_messages={"required": "请选择派驻的村（社区）。", "invalid_choice": "请从列表中选择村（社区）。"},
    )
    started_on = date_field("开始日期", initial=timezone.localdate)

    def __init__(self, *args, officer, **kwargs):
        super().__init__(*args, **kwargs)
        self.officer = officer
        villages = Village.objects.filter(is_active=True).select_related("town").order_by("town__code", "code")
        self.fields["village"].queryset = villages

    def clean(self):
        cleaned = super().clean()
        started = cleaned.get("started_on")
        if started and started < self.officer.appointed_on:
            self.add_error("started_on", f"开始日期不能早于选派日期 {self.officer.appointed_on:%Y-%m-%d}。")
        return cleaned


class AssignmentEndForm(forms.Form):
    ended_on = date_field("结束日期")

    def __init__(self, *args, assignment, **kwargs):
        super().__init__(*args, **kwargs)
        self.assignment = assignment

    def clean_ended_on(self):
        ended = self.cleaned_data["ended_on"]
        if ended < self.assignment.started_on:
            raise forms.ValidationError(f"结束日期不能早于开始日期 {self.assignment.started_on:%Y-%m-%d}。")
        return ended
