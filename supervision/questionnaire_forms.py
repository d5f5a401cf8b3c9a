"""The questionnaire form (made for a phone: one row per respondent, three big answer buttons) and the list filter."""

from django import forms
from django.utils import timezone

from guanghan.forms import PlaceFilterForm, VillageChoiceField
from projects.models import Project
from supervision.models import Answer

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
FIRST_ROWS = 10  # rows on a fresh form; the “add 10 more rows” button adds as many again
MAX_ROWS = 300


class ProjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, project):
        return f"{project.village.name} · {project.year} · {project.name}"


class QuestionnaireForm(forms.Form):
    village = VillageChoiceField(label="调查的村（社区）", queryset=None, empty_label="请选择村（社区）")
    project = ProjectChoiceField(
        label="针对的项目（可不选）", queryset=None, required=False, empty_label="（不针对具体项目）"
    )
    held_on = forms.DateField(label="调查日期", widget=DATE)
    note = forms.CharField(label="说明（可不填）", max_length=200, required=False)

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        villages = villages.select_related("town").order_by("town__code", "code")
        self.fields["village"].queryset = villages
        self.fields["project"].queryset = (
            Project.objects.filter(village__in=villages)
            .exclude(status=Project.Status.DROPPED)
            .select_related("village")
            .order_by("village__code", "-year", "name")
        )
        self.fields["held_on"].initial = timezone.localdate
        messages = {
            "village": {
                "required": "请选择调查的村（社区）。",
                "invalid_choice": "请从列表中选择您工作范围内的村（社区）。",
            },
            "project": {"invalid_choice": "请从列表中选择项目，或选“不针对具体项目”。"},
            "held_on": {"required": "请填写调查日期。", "invalid": "调查日期应为 2016-05-01 这样的日期。"},
            "note": {"max_length": "说明最多 200 个字。"},
        }
        for name, errors in messages.items():
            self.fields[name].error_messages.update(errors)

    def clean_held_on(self):
        day = self.cleaned_data["held_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("调查日期不能晚于今天。")
        return day

    def clean(self):
        cleaned = super().clean()
        village, project = cleaned.get("village"), cleaned.get("project")
        if village and project and project.village_id != village.pk:
            self.add_error("project", f"“{project.name}”不是{village.name}的项目，请重新选择。")
        return cleaned


class ResponseForm(forms.Form):
    """One respondent: an optional name, the answer, an optional comment. A row left empty is skipped."""

    respondent = forms.CharField(
        label="受访人（可不填）",
        max_length=30,
        required=False,
        error_messages={"max_length": "受访人姓名最多 30 个字。"},
    )
    answer = forms.ChoiceField(
        label="评价",
        choices=Answer.choices,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "btn-check", "autocomplete": "off"}),
        error_messages={"invalid_choice": "评价只能是满意、基本满意或不满意。"},
    )
    comment = forms.CharField(
        label="意见建议（可不填）",
        max_length=200,
        required=False,
        error_messages={"max_length": "意见建议最多 200 个字。"},
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("answer") and (cleaned.get("respondent") or cleaned.get("comment")):
            self.add_error("answer", "这一行填了受访人或意见，请选择评价（或清空这一行）。")
        return cleaned


class BaseResponseFormSet(forms.BaseFormSet):
    default_error_messages = {
        "missing_management_form": "表单数据不完整，请刷新页面后重新填写。",
        "too_many_forms": f"一份问卷最多录入 {MAX_ROWS} 份答卷，请分成几份问卷录入。",
    }

    def clean(self):
        if any(self.errors) or not self.management_form.is_valid():
            return
        if not self.answers():
            raise forms.ValidationError("请至少录入一份答卷：在受访人那一行点选“满意”“基本满意”或“不满意”。")

    def answers(self) -> list[dict]:
        """The rows with an answer, in the order entered (empty rows are left out)."""
        return [
            {"respondent": data["respondent"].strip(), "answer": data["answer"], "comment": data["comment"].strip()}
            for data in (getattr(form, "cleaned_data", {}) for form in self.forms)
            if data.get("answer")
        ]


ResponseFormSet = forms.formset_factory(
    ResponseForm,
    formset=BaseResponseFormSet,
    extra=FIRST_ROWS,
    max_num=MAX_ROWS,
    absolute_max=MAX_ROWS,
    validate_max=True,
)


class QuestionnaireFilterForm(PlaceFilterForm):
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)

    def filter(self, questionnaires):
        data = self.cleaned_data if self.is_valid() else {}
        for field, lookup in [("town", "village__town"), ("village", "village"), ("year", "held_on__year")]:
            if data.get(field):
                questionnaires = questionnaires.filter(**{lookup: data[field]})
        return questionnaires


class SatisfactionFilterForm(forms.Form):
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)
