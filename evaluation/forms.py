"""Forms of the assessment: a new year, the blocks, the rule table, a department's score sheet, reopening."""

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator

from evaluation.models import BlockCode, RuleBand

POINTS = {"max_digits": 7, "decimal_places": 2}


class YearForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)


class BlockForm(forms.Form):
    code = forms.ChoiceField(choices=BlockCode.choices, widget=forms.HiddenInput)
    weight = forms.DecimalField(label="权重（%）", min_value=Decimal("0.01"), max_value=100, **POINTS)
    max_points = forms.DecimalField(label="满分", min_value=Decimal("0.01"), max_value=1000, **POINTS)


class BaseBlockFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        total = sum((f.cleaned_data["weight"] for f in self.forms), Decimal(0))
        if total != 100:
            raise forms.ValidationError(f"各考核块权重合计为 {total}%，应为 100%。")


BlockFormSet = forms.formset_factory(BlockForm, formset=BaseBlockFormSet, extra=0)


class BandForm(forms.Form):
    grade = forms.CharField(label="等次", max_length=10)
    lower = forms.DecimalField(label="总分下限（含）", min_value=0, max_value=100, **POINTS)
    upper = forms.DecimalField(label="总分上限（不含）", min_value=0, max_value=100, **POINTS)
    kind = forms.ChoiceField(label="奖惩", choices=RuleBand.Kind.choices)
    percentage = forms.DecimalField(label="比例（%）", min_value=0, max_value=50, **POINTS)


BandFormSet = forms.formset_factory(BandForm, extra=2, max_num=12, can_delete=True)


class ScoreForm(forms.Form):
    given = forms.DecimalField(label="评定分", min_value=0, required=False, **POINTS)
    remark = forms.CharField(label="说明", max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, score, **kwargs):
        super().__init__(*args, **kwargs)
        self.score = score
        top = score.block.max_points
        self.fields["given"].validators.append(
            MaxValueValidator(top, message=f"{score.block} 满分 {top} 分，请重新填写。")
        )
        self.fields["given"].widget.attrs.update({"max": top, "step": "0.5", "inputmode": "decimal"})

    def clean(self):
        data = super().clean()
        given, suggested = data.get("given"), self.score.suggested
        if given is not None and suggested is not None and given != suggested and not data.get("remark", "").strip():
            self.add_error("remark", f"评定分与建议分（{suggested}）不同，请写明理由。")
        return data


class ReopenForm(forms.Form):
    reason = forms.CharField(label="重新开放的原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = "重新开放已关闭的年度，必须写明原因。"
