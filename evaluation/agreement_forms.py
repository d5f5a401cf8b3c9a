"""Forms of the 目标责任书 pages: the agreement with its signed document, and the list filter."""

import secrets
from pathlib import Path

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import MaxValueValidator
from django.db.models import Q
from django.utils import timezone

from evaluation.models import AGREEMENT_TYPES, Agreement
from guanghan.forms import PlaceFilterForm, VillageChoiceField
from guanghan.lib.money import MoneyField
from guanghan.models import Department, Village
from members.forms import DATE, at_least
from projects.models import VillagePairing

DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
# What the first bytes of each accepted type must be: a renamed text or Word file is refused.
SIGNATURES = {
    "pdf": (b"%PDF-", "PDF"),
    "jpg": (b"\xff\xd8\xff", "JPG"),
    "jpeg": (b"\xff\xd8\xff", "JPG"),
    "png": (b"\x89PNG\r\n\x1a\n", "PNG"),
}
COUNTS = {
    "projects_started": "开工项目数",
    "members_enrolled": "纳入项目的帮扶对象人数",
    "visits": "督查走访次数",
    "members_lifted": "帮助脱贫人数",
}


def _bounded(field: forms.Field, low: int, high: int, low_message: str, high_message: str) -> None:
    at_least(field, low, low_message)
    field.max_value = high
    field.validators = [v for v in field.validators if not isinstance(v, MaxValueValidator)]
    field.validators.append(MaxValueValidator(high, high_message))
    field.widget.attrs["max"] = high


def document_errors(upload) -> str | None:
    """Why an uploaded agreement file is refused (type by name and by content, size), or None."""
    name = upload.name or ""
    extension = Path(name).suffix.lower().lstrip(".")
    if extension not in AGREEMENT_TYPES:
        return f"“{name}”不是 PDF、JPG 或 PNG 文件，请上传签字盖章的责任书扫描件或照片。"
    if upload.size > DOCUMENT_MAX_BYTES:
        return f"“{name}”有 {upload.size / 1048576:.1f} MB，责任书文件不能超过 10 MB。"
    signature, kind = SIGNATURES[extension]
    upload.seek(0)
    head = upload.read(len(signature))
    upload.seek(0)
    if head != signature:
        return f"“{name}”的内容不是 {kind} 文件（可能只是改了扩展名），请上传真实的扫描件或照片。"
    return None


class AgreementForm(forms.ModelForm):
    money_invested = MoneyField(label="投入帮扶资金（元）", allow_zero=True, initial=0)

    class Meta:
        model = Agreement
        fields = [
            "department",
            "village",
            "year",
            "signed_on",
            "projects_started",
            "members_enrolled",
            "money_invested",
            "visits",
            "members_lifted",
            "document",
            "note",
        ]
        field_classes = {"village": VillageChoiceField}
        widgets = {
            "signed_on": DATE,
            "document": forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
        }
        help_texts = {"document": "PDF、JPG 或 PNG，不超过 10 MB。修改时不选文件则保留原文件。"}
        error_messages = {
            "department": {"required": "请选择帮扶部门。", "invalid_choice": "请从列表中选择帮扶部门。"},
            "village": {"required": "请选择村（社区）。", "invalid_choice": "请从列表中选择村（社区）。"},
            "year": {"required": "请填写年度。", "invalid": "年度请填写四位数字，例如 2016。"},
            "signed_on": {"required": "请填写签订日期。", "invalid": "签订日期格式不对，请按 2016-03-01 填写。"},
        }

    def __init__(self, *args, own_department: int | None, **kwargs):
        """`own_department`: the department department staff sign for (and its paired villages); None for any."""
        super().__init__(*args, **kwargs)
        self.is_department_bound = own_department is not None
        department, village, year = self.fields["department"], self.fields["village"], self.fields["year"]
        # Merged villages and closed departments are not offered, except the one an agreement already names.
        department.queryset = Department.objects.filter(Q(is_active=True) | Q(pk=self.instance.department_id))
        department.empty_label = "请选择帮扶部门"
        village.queryset = (
            Village.objects.filter(Q(is_active=True) | Q(pk=self.instance.village_id))
            .select_related("town")
            .order_by("town__code", "code")
        )
        village.empty_label = "请选择村（社区）"
        if self.is_department_bound:  # department staff sign in their own department's name, with its villages
            department.queryset = Department.objects.filter(pk=own_department)
            department.initial, department.disabled = own_department, True
            paired = VillagePairing.objects.filter(department_id=own_department).values("village_id")
            village.queryset = village.queryset.filter(pk__in=paired)
            village.help_text = "只能选择本部门结对帮扶的村。"
        if self.instance.pk:
            year.disabled = True
            year.help_text = "年度登记后不能修改；签错年度请新登记一份。"
        else:
            year.initial = timezone.localdate().year
        _bounded(year, 2000, 2100, "年度应在 2000 到 2100 之间。", "年度应在 2000 到 2100 之间。")
        for name, label in COUNTS.items():
            field = self.fields[name]
            field.error_messages.update(required=f"请填写{label}（没有目标填 0）。", invalid=f"{label}请填写整数。")
            _bounded(field, 0, field.max_value or 32767, f"{label}不能为负数。", f"{label}过大，请核对。")
        self.fields["document"].max_length = None  # stored under a name of our own (clean_document)
        self.fields["document"].error_messages["empty"] = "上传的责任书文件是空的，请重新选择。"
        self.fields["money_invested"].error_messages["required"] = "请填写投入帮扶资金（没有目标填 0）。"
        self.fields["note"].error_messages["max_length"] = "说明最多 200 字。"

    def clean_signed_on(self):
        day = self.cleaned_data["signed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("签订日期不能晚于今天。")
        return day

    def clean_document(self):
        upload = self.cleaned_data.get("document")
        if isinstance(upload, UploadedFile):
            problem = document_errors(upload)
            if problem:
                raise forms.ValidationError(problem)
            # People's file names carry names and ID numbers: store under a random one (served with a plain name).
            upload.name = f"{secrets.token_hex(8)}{Path(upload.name).suffix.lower()}"
        return upload

    def clean(self):
        cleaned = super().clean()
        department, village, year = cleaned.get("department"), cleaned.get("village"), cleaned.get("year")
        if (
            self.is_department_bound
            and department
            and village
            and year
            and not VillagePairing.objects.filter(department=department, village=village, year=year).exists()
        ):
            self.add_error(
                "village", f"{department.short_name} {year} 年没有与{village.name}结对，不能签订目标责任书。"
            )
        return cleaned


class AgreementFilterForm(PlaceFilterForm):
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)
    department = forms.ModelChoiceField(
        label="帮扶部门", queryset=Department.objects.all(), required=False, empty_label="全部部门"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].error_messages["invalid"] = "年度请填写四位数字。"
        self.fields["department"].error_messages["invalid_choice"] = "请从列表中选择帮扶部门。"

    def filter(self, agreements):
        data = self.cleaned_data if self.is_valid() else {}
        for field, lookup in [
            ("year", "year"),
            ("department", "department"),
            ("town", "village__town"),
            ("village", "village"),
        ]:
            if data.get(field):
                agreements = agreements.filter(**{lookup: data[field]})
        return agreements
