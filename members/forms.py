from datetime import date

from django import forms
from django.core.validators import MinValueValidator
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from guanghan.forms import PlaceFilterForm, VillageChoiceField
from guanghan.lib import idnumber
from guanghan.lib.masking import mask_id_number, mask_phone
from guanghan.models import Industry, PartyBranch, PovertyCause, Skill
from members.models import AGE_BANDS, LISTS, NOTICE_MIN_DAYS, Member, Survey

CHECKBOXES = forms.CheckboxSelectMultiple(attrs={"class": "form-check-inline"})
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def at_least(field: forms.Field, minimum, message: str) -> None:
    """Replace a number field's lower bound with ours, worded for the person typing."""
    field.min_value = minimum
    field.validators = [v for v in field.validators if not isinstance(v, MinValueValidator)]
    field.validators.append(MinValueValidator(minimum, message))
    field.widget.attrs["min"] = minimum


class CauseFields(forms.ModelForm):
    """What a survey finds, shared by the member form and the survey form: active lookups only, no negative income,
    and 致贫原因 as on the national 建档立卡 form (one main cause, at most two others).

    The three lists are kept as lookup ids in the member's and the survey's row (LISTS: other_cause_ids …), so the
    form declares them as choices of lookups; services write them to those columns."""

    other_causes = forms.ModelMultipleChoiceField(
        PovertyCause.objects.none(), label="其他致贫原因", required=False, widget=CHECKBOXES
    )
    skills = forms.ModelMultipleChoiceField(Skill.objects.none(), label="生存技能", required=False, widget=CHECKBOXES)
    aspirations = forms.ModelMultipleChoiceField(
        Industry.objects.none(), label="致富愿景", required=False, widget=CHECKBOXES
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name, column in LISTS.items():
                self.initial.setdefault(name, list(getattr(self.instance, column)))
        self.fields["main_cause"].queryset = PovertyCause.objects.filter(is_active=True)
        self.fields["other_causes"].queryset = PovertyCause.objects.filter(is_active=True)
        self.fields["skills"].queryset = Skill.objects.filter(is_active=True)
        self.fields["aspirations"].queryset = Industry.objects.filter(is_active=True)
        at_least(self.fields["income_per_capita"], 0, "收入不能为负数，请核对。")
        at_least(self.fields["household_size"], 1, "家庭人口至少为 1 人。")

    def clean(self):
        cleaned = super().clean()
        main, others = cleaned.get("main_cause"), cleaned.get("other_causes")
        if others is not None:
            if len(others) > 2:
                self.add_error("other_causes", "其他致贫原因最多选两项（全国建档立卡表的规定）。")
            if main and main in others:
                self.add_error("other_causes", f"“{main.name}”已是主要致贫原因，不必再选为其他原因。")
        return cleaned


class MemberForm(CauseFields):
    confirm_not_duplicate = forms.BooleanField(
        label="我已核对：这不是已登记的同一个人", required=False, widget=forms.HiddenInput
    )
    # The member's version when the edit form was opened (optimistic locking; see services.member_update).
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        required=False,
        error_messages={"invalid": "页面的版本信息有误，请刷新页面后重新修改。"},
    )

    class Meta:
        model = Member
        fields = [
            "category",
            "name",
            "id_number",
            "gender",
            "birth_date",
            "ethnicity",
            "phone",
            "village",
            "area",
            "household_size",
            "income_per_capita",
            "allowance",
            "health",
            "labour_capacity",
            "main_cause",
            "other_causes",
            "skills",
            "aspirations",
            "living_conditions",
            "production_conditions",
            "branch",
            "joined_party_on",
            "registered_on",
            "notes",
        ]
        field_classes = {"village": VillageChoiceField}
        widgets = {
            "birth_date": DATE,
            "joined_party_on": DATE,
            "registered_on": DATE,
            "living_conditions": forms.Textarea(attrs={"rows": 2}),
            "production_conditions": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "id_number": "18 位，末位可为 X。填写后自动得出性别和出生日期。",
            "income_per_capita": "元/年，可保留两位小数。",
        }
        error_messages = {
            "village": {"invalid_choice": "请从列表中选择您工作范围内的村（社区）。"},
            "branch": {"invalid_choice": "请从列表中选择党支部。"},
        }

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.warnings: list[str] = []
        self.villages = villages
        self.fields["village"].queryset = villages.select_related("town").order_by("town__code", "code")
        self.fields["village"].empty_label = "请选择村（社区）"
        self.fields["branch"].queryset = PartyBranch.objects.filter(village__in=villages).order_by("name")
        for name in ("gender", "birth_date"):
            self.fields[name].required = False
        self.fields["gender"].help_text = "可不填，按身份证号自动得出。"
        if self.instance.pk:
            self._keep_personal_numbers()
            self.fields["version"].required = True
            self.fields["version"].error_messages["required"] = "页面缺少版本信息，请刷新页面后重新修改。"
            self.fields["version"].initial = self.instance.version
        else:
            del self.fields["version"]

    def _keep_personal_numbers(self):
        """An edit form never carries the full ID number or phone (only the detail page shows them, after a logged
        request): both show masked, and left blank they stay as they are."""
        member = self.instance
        self.initial["id_number"] = ""
        self.fields["id_number"].required = False
        self.fields["id_number"].widget.attrs["placeholder"] = mask_id_number(member.id_number)
        self.fields[
            "id_number"
        ].help_text = f"当前为 {mask_id_number(member.id_number)}；不改请留空，改正时填写完整的 18 位号码。"
        if member.phone:
            self.initial["phone"] = ""
            self.fields["phone"].widget.attrs["placeholder"] = mask_phone(member.phone)
            self.fields["phone"].help_text = f"当前为 {mask_phone(member.phone)}；不改请留空，填写新号码即替换。"
            self.fields["clear_phone"] = forms.BooleanField(label="删除联系电话", required=False)

    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "")
        if self.instance.pk and not phone and not self.data.get(self.add_prefix("clear_phone")):
            return self.instance.phone
        return phone

    def clean_id_number(self):
        value = self.cleaned_data.get("id_number") or (self.instance.id_number if self.instance.pk else "")
        try:
            parsed = idnumber.parse(value)
        except idnumber.IDNumberError as exc:
            raise forms.ValidationError(str(exc)) from None
        existing = Member.objects.filter(id_number=parsed.value).exclude(pk=self.instance.pk).first()
        if existing:
            url = reverse("members:member-detail", args=[existing.pk])
            raise forms.ValidationError(
                format_html(
                    '该身份证号已登记：<a href="{}">{}（{}）</a>，请直接修改该记录。',
                    url,
                    existing.name,
                    existing.village_id and existing.village.name,
                )
            )
        if not parsed.region.startswith("51"):
            self.warnings.append(f"身份证号的地区码 {parsed.region} 不在四川省内，请确认无误（旧区划代码也可能如此）。")
        self._parsed_id = parsed
        return parsed.value

    def clean(self):
        cleaned = super().clean()
        parsed = getattr(self, "_parsed_id", None)
        if parsed:
            if cleaned.get("gender") and cleaned["gender"] != parsed.gender:
                self.add_error("gender", f"与身份证号不符：身份证号显示为{Member.Gender(parsed.gender).label}性。")
            if cleaned.get("birth_date") and cleaned["birth_date"] != parsed.birth_date:
                self.add_error("birth_date", f"与身份证号不符：身份证号中的出生日期为 {parsed.birth_date:%Y-%m-%d}。")
            cleaned["gender"] = parsed.gender
            cleaned["birth_date"] = parsed.birth_date
        if cleaned.get("category") == Member.Category.RESIDENT:
            if cleaned.get("branch"):
                self.add_error("branch", "困难群众不填所在党支部。")
            if cleaned.get("joined_party_on"):
                self.add_error("joined_party_on", "困难群众不填入党时间。")
        branch, village = cleaned.get("branch"), cleaned.get("village")
        if branch and village and branch.village_id not in (None, village.pk):
            self.add_error("branch", f"“{branch.name}”不是{village.name}的党支部，请重新选择。")
        joined, born = cleaned.get("joined_party_on"), cleaned.get("birth_date")
        if joined and born and joined.year - born.year < 18:
            self.add_error("joined_party_on", "入党时应年满 18 周岁，请核对入党时间。")
        if parsed and cleaned.get("name") and not self.errors:
            self._check_possible_duplicate(cleaned, parsed)
        return cleaned

    def _check_possible_duplicate(self, cleaned, parsed):
        """Same name and birth date under another ID: flag it for review instead of silently creating a twin."""
        twins = list(
            Member.objects.filter(name=cleaned["name"], birth_date=parsed.birth_date)
            .exclude(pk=self.instance.pk)
            .exclude(id_number=parsed.value)
            .select_related("village")[:3]
        )
        if twins and not cleaned.get("confirm_not_duplicate"):
            self.fields["confirm_not_duplicate"].widget = forms.CheckboxInput()
            listing = "、".join(f"{t.name}（{t.village.name}，身份证号末四位 {t.id_number[-4:]}）" for t in twins)
            self.add_error(
                "confirm_not_duplicate",
                f"已有同名且出生日期相同的对象：{listing}。如确认不是同一人，请勾选此项后再保存。",
            )


def rebased(form: MemberForm, conflict) -> MemberForm:
    """The refused edit form again, moved onto the member as it is now: the fields someone else changed and this
    user did not touch take the new values, the ones both changed keep what this user typed, and the version is the
    current one, so saving again (after checking the table of differences) writes what the form then shows."""
    data = form.data.copy()
    for difference in conflict.differences:
        if difference.name in ("id_number", "phone") and not form.data.get(difference.name):
            continue  # left blank: "as it is", which is now the new value — and never written into the page
        if difference.is_clash:
            continue
        if isinstance(difference.current_value, list):
            data.setlist(difference.name, [str(pk) for pk in difference.current_value])
        elif isinstance(difference.current_value, date):
            data[difference.name] = f"{difference.current_value:%Y-%m-%d}"
        else:
            data[difference.name] = str(difference.current_value)
    data["version"] = str(conflict.member.version)
    again = MemberForm(data, instance=conflict.member, villages=form.villages)
    again.is_valid()
    again.add_error(None, conflict)
    return again


class SurveyForm(CauseFields):
    class Meta:
        model = Survey
        fields = [
            "surveyed_on",
            "surveyor_name",
            "household_size",
            "income_per_capita",
            "allowance",
            "health",
            "labour_capacity",
            "main_cause",
            "other_causes",
            "skills",
            "aspirations",
            "living_conditions",
            "production_conditions",
            "notes",
        ]
        widgets = {
            "surveyed_on": DATE,
            "living_conditions": forms.Textarea(attrs={"rows": 2}),
            "production_conditions": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member

    def clean_surveyed_on(self):
        day = self.cleaned_data["surveyed_on"]
        if day > date.today():
            raise forms.ValidationError("调查日期不能晚于今天。")
        if day < self.member.birth_date:
            raise forms.ValidationError("调查日期早于出生日期，请核对。")
        return day


class StatusChangeForm(forms.Form):
    to_status = forms.ChoiceField(label="变更为")
    changed_on = forms.DateField(label="变更日期", widget=DATE, initial=date.today)
    removal_reason = forms.ChoiceField(
        label="退出原因", required=False, choices=[("", "—"), *Member.RemovalReason.choices]
    )
    reason = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member
        self.fields["to_status"].choices = [(s, Member.Status(s).label) for s in member.allowed_statuses()]
        self.fields["to_status"].error_messages["invalid_choice"] = (
            f"当前状态为“{member.get_status_display()}”，不能变更为该状态；脱贫须走脱贫销号程序。"
        )
        self.fields["reason"].error_messages["required"] = "请说明变更原因。"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("to_status") == Member.Status.REMOVED and not cleaned.get("removal_reason"):
            self.add_error("removal_reason", "退出时请选择退出原因（死亡、迁出、不再符合条件或其他）。")
        day = cleaned.get("changed_on")
        if day and day > date.today():
            self.add_error("changed_on", "变更日期不能晚于今天。")
        if day and day < self.member.registered_on:
            self.add_error("changed_on", f"变更日期不能早于登记日期 {self.member.registered_on:%Y-%m-%d}。")
        return cleaned


class LiftingStepForm(forms.Form):
    """One step of 民主评议 → 核实 → 公示 → 销号; which fields show depends on the step."""

    STEPS = {
        "assess": ("民主评议", ["day", "note"]),
        "verify": ("核实", ["day", "note"]),
        "notice": ("公示", ["day", "notice_end"]),
        "close": ("销号", ["day"]),
        "cancel": ("中止程序", ["day", "note"]),
    }
    day = forms.DateField(label="日期", widget=DATE, initial=date.today)
    notice_end = forms.DateField(label="公示结束日期", widget=DATE, required=False)
    note = forms.CharField(
        label="意见或情况", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=1000
    )

    def __init__(self, *args, step: str, lifting=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.step, self.lifting = step, lifting
        title, fields = self.STEPS[step]
        for name in list(self.fields):
            if name not in fields:
                del self.fields[name]
        self.fields["day"].label = f"{title}日期" if step != "notice" else "公示开始日期"
        if step == "cancel":
            self.fields["note"].required = True
            self.fields["note"].label = "中止原因"

    def clean(self):
        cleaned = super().clean()
        day, lifting = cleaned.get("day"), self.lifting
        if day and day > date.today() and self.step != "notice":
            self.add_error("day", "日期不能晚于今天。")
        if not day or lifting is None:
            return cleaned
        previous = {
            "verify": (lifting.assessed_on, "民主评议"),
            "notice": (lifting.verified_on, "核实"),
            "close": (lifting.notice_end, "公示结束"),
        }.get(self.step)
        if previous and previous[0] and day < previous[0]:
            self.add_error("day", f"不能早于{previous[1]}日期 {previous[0]:%Y-%m-%d}。")
        if self.step == "close" and lifting.notice_end and day <= lifting.notice_end:
            self.add_error("day", f"公示 {lifting.notice_end:%Y-%m-%d} 结束后才能销号。")
        if self.step == "notice":
            end = cleaned.get("notice_end")
            if not end:
                self.add_error("notice_end", "请填写公示结束日期。")
            elif (end - day).days + 1 < NOTICE_MIN_DAYS:
                self.add_error("notice_end", f"公示期不少于 {NOTICE_MIN_DAYS} 天（含首尾两天），请延后结束日期。")
        return cleaned


class MemberFilterForm(PlaceFilterForm):
    SORTS = {
        "name": ("name", "姓名"),
        "-registered_on": ("-registered_on", "登记日期（新→旧）"),
        "birth_date": ("birth_date", "年龄（大→小）"),
        "income_per_capita": ("income_per_capita", "人均收入（低→高）"),
    }
    q = forms.CharField(label="姓名、身份证号或电话", required=False, max_length=30)
    category = forms.ChoiceField(label="类别", required=False, choices=[("", "全部类别"), *Member.Category.choices])
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部状态"), *Member.Status.choices])
    age_band = forms.ChoiceField(
        label="年龄段",
        required=False,
        choices=[("", "全部年龄"), ("<=45", "45岁及以下"), ("46-59", "46至59岁"), (">=60", "60岁及以上")],
    )
    area = forms.ChoiceField(label="城乡", required=False, choices=[("", "城乡不限"), *Member.Area.choices])
    cause = forms.ModelChoiceField(
        label="主要致贫原因", queryset=PovertyCause.objects.all(), required=False, empty_label="全部原因"
    )
    skill = forms.ModelChoiceField(
        label="生存技能", queryset=Skill.objects.all(), required=False, empty_label="全部技能"
    )
    aspiration = forms.ModelChoiceField(
        label="致富愿景", queryset=Industry.objects.all(), required=False, empty_label="全部愿景"
    )
    allowance = forms.ChoiceField(label="低保类型", required=False, choices=[("", "全部"), *Member.Allowance.choices])
    sort = forms.ChoiceField(label="排序", required=False, choices=[(k, v[1]) for k, v in SORTS.items()])
    # The filters behind the dashboard's figures and the work lists (set by their links, shown above the list).
    as_of = forms.DateField(label="在库日期", required=False, widget=DATE)
    lifted_from = forms.DateField(label="脱贫销号起", required=False, widget=DATE)
    lifted_to = forms.DateField(label="脱贫销号止", required=False, widget=DATE)
    brought_to = forms.DateField(label="带动截至", required=False, widget=DATE)
    no_survey_in = forms.IntegerField(label="未摸底调查年度", required=False, min_value=2000, max_value=2100)

    LINKED = ("as_of", "lifted_from", "lifted_to", "brought_to", "no_survey_in")
    # A full ID or mobile number typed into the search box is posted (static/js/private_search.js) and kept in the
    # session; the list's URL carries only `q_ref`, and the view puts the text here (never in the form's data).
    referenced_search = ""

    def linked_filters(self) -> list[str]:
        """The dashboard/work-list filters in force, in words (the page shows them and keeps them in the form)."""
        data = self.cleaned_data if self.is_valid() else {}
        words = []
        if data.get("as_of"):
            words.append(f"{data['as_of']:%Y-%m-%d} 在库（状态为当日状态）")
        if data.get("lifted_from") or data.get("lifted_to"):
            since = f"{data['lifted_from']:%Y-%m-%d} 起" if data.get("lifted_from") else ""
            until = f"至 {data['lifted_to']:%Y-%m-%d}" if data.get("lifted_to") else ""
            words.append(f"脱贫销号 {since}{until}".strip())
        if data.get("brought_to"):
            words.append(f"截至 {data['brought_to']:%Y-%m-%d} 已纳入帮扶项目或已脱贫（带动的困难群众）")
        if data.get("no_survey_in"):
            words.append(f"在库且 {data['no_survey_in']} 年没有摸底调查记录")
        return words

    def filter(self, members, *, on: date):
        """Apply the valid filters to a member queryset (invalid ones are ignored and shown as errors)."""
        data = self.cleaned_data if self.is_valid() else {}
        if text := data.get("q") or self.referenced_search:
            members = members.search(text)
        status_field = "status"
        if data.get("as_of"):
            on = data["as_of"]
            members = members.in_registry(on)
            if on < timezone.localdate():  # today's status is the status column; a past day's is in the history
                members = members.with_status_on(on)
                status_field = "status_on"
        if data.get("lifted_from") or data.get("lifted_to"):
            members = members.lifted_between(data.get("lifted_from"), data.get("lifted_to"))
        if data.get("brought_to"):
            members = members.brought_along(data["brought_to"])
        if data.get("no_survey_in"):
            year = data["no_survey_in"]
            members = members.in_registry().exclude(
                pk__in=Survey.objects.filter(surveyed_on__year=year).values("member")
            )
        for field, lookup in [
            ("town", "village__town"),
            ("village", "village"),
            ("category", "category"),
            ("status", status_field),
            ("area", "area"),
            ("cause", "main_cause"),
            ("allowance", "allowance"),
        ]:
            if data.get(field):
                members = members.filter(**{lookup: data[field]})
        if data.get("skill"):
            members = members.filter(skill_ids__contains=[data["skill"].pk])
        if data.get("aspiration"):
            members = members.filter(aspiration_ids__contains=[data["aspiration"].pk])
        if data.get("age_band") in AGE_BANDS:
            members = members.in_age_band(data["age_band"], on)
        return members

    def ordering(self) -> list[str]:
        key = self.cleaned_data.get("sort") if self.is_valid() else None
        return [self.SORTS[key][0], "pk"] if key else ["village__town__code", "village__code", "name", "pk"]
