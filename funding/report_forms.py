from django import forms
from django.utils import timezone

from funding.models import SOURCES_OF, Channel, FundTarget, Source
from guanghan.lib.money import MoneyField
from guanghan.models import Department

YEAR_ERRORS = {
    "invalid": "年度请填写四位数字，例如 2016。",
    "min_value": "年度不能早于 2000 年。",
    "max_value": "年度不能晚于 2100 年。",
    "required": "请填写年度。",
}


def year_field(**kwargs):
    return forms.IntegerField(label="年度", min_value=2000, max_value=2100, error_messages=YEAR_ERRORS, **kwargs)


class ReportForm(forms.Form):
    year = year_field(required=False)


class TargetFilterForm(forms.Form):
    year = year_field(required=False)
    channel = forms.ChoiceField(label="资金渠道", required=False, choices=[("", "全部渠道"), *Channel.choices])
    department = forms.ModelChoiceField(
        label="部门", queryset=Department.objects.all(), required=False, empty_label="全部部门"
    )

    def filter(self, targets):
        data = self.cleaned_data if self.is_valid() else {}
        for name in ("year", "channel", "department"):
            if data.get(name):
                targets = targets.filter(**{name: data[name]})
        return targets


class FundTargetForm(forms.ModelForm):
    year = year_field(initial=lambda: timezone.localdate().year)
    amount = MoneyField(label="目标金额（元）", error_messages={"required": "请填写目标金额。"})

    class Meta:
        model = FundTarget
        fields = ["year", "channel", "source", "department", "amount", "note"]
        error_messages = {
            "channel": {"required": "请选择资金渠道。", "invalid_choice": "请从列表中选择资金渠道。"},
            "source": {"invalid_choice": "请从列表中选择来源。"},
            "department": {"invalid_choice": "请从列表中选择部门。"},
        }
        help_texts = {
            "source": "留空表示该渠道各来源合计的目标。专项资金：市财政拨付、市管党费补助、乡镇匹配、党员干部自捐、"
            "其他；部门帮扶资金：部门自有资金、其他；党员农贷快车不填。",
            "department": "仅部门帮扶资金填写；留空表示全部部门合计的目标。",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [("", "不分来源（渠道合计）"), *Source.choices]
        self.fields["department"].queryset = Department.objects.order_by("-is_active", "name")
        self.fields["department"].empty_label = "不分部门（渠道合计）"

    def clean(self):
        cleaned = super().clean()
        channel, source = cleaned.get("channel"), cleaned.get("source")
        if channel and source and source not in SOURCES_OF.get(channel, []):
            allowed = "、".join(Source(s).label for s in SOURCES_OF.get(channel, []))
            hint = f"请选择：{allowed}，或留空。" if allowed else "该渠道的目标不分来源，请留空。"
            self.add_error("source", f"“{Source(source).label}”不是{Channel(channel).label}的来源，{hint}")
        if channel and channel != Channel.DEPARTMENT and cleaned.get("department"):
            self.add_error("department", f"部门只用于部门帮扶资金的目标，{Channel(channel).label}请不要选择部门。")
        return cleaned
