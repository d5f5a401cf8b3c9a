from django import forms
from django.contrib.auth import password_validation
from django.db.models import Q
from django.urls import reverse

from administration.users import STATUSES
from guanghan.access import ROLE_LABELS
from guanghan.account_rules import account_errors
from guanghan.models import Cadre, Department, Town, User


class UserFilterForm(forms.Form):
    q = forms.CharField(label="用户名或姓名", required=False, max_length=50)
    role = forms.ChoiceField(label="角色", required=False)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部状态"), *STATUSES])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "全部角色"), *ROLE_LABELS.items(), ("none", "未分配角色")]
        self.fields["q"].widget.attrs["placeholder"] = "如 town01 或 王敏"


NO_DEPARTMENT = "none"  # the 干部所在部门 choice for cadres without a department
CHOOSE_DEPARTMENT_FIRST = "请先选择干部所在部门"
NO_CADRE = "（不对应干部）"


def cadre_label(cadre) -> str:
    return f"{cadre.name}（{cadre.department.short_name if cadre.department_id else '无部门'}）"


def cadres_of(department: str):
    """The active cadres the account form offers for a 干部所在部门 choice: a department's id, NO_DEPARTMENT or ""."""
    cadres = Cadre.objects.filter(is_active=True).select_related("department").order_by("name", "pk")
    if department == NO_DEPARTMENT:
        return cadres.filter(department=None)
    if department.isascii() and department.isdigit():
        return cadres.filter(department_id=int(department))
    return cadres.none()


class CadreChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, cadre):
        return cadre_label(cadre)


class AccountForm(forms.ModelForm):
    """An account's name, roles and scope. Which roles are offered depends on who edits (see `grantable`)."""

    roles = forms.MultipleChoiceField(
        label="角色",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="业务角色可以兼任；系统管理员、安全管理员、审计管理员只能单独担任，且只能由超级管理员授予。",
    )
    cadre_department = forms.ChoiceField(
        label="干部所在部门",
        required=False,
        help_text="只用于查找干部：对应干部一栏列出该部门的在职干部。",
    )
    cadre = CadreChoiceField(
        label="对应干部",
        queryset=Cadre.objects.none(),
        required=False,
        help_text="督查联络员必填：其派驻的村由督查模块的挂职安排决定。",
        error_messages={"invalid_choice": "所选干部不在所选部门的在职干部中：请先选择干部所在部门，再选择干部。"},
    )

    class Meta:
        model = User
        fields = ["username", "display_name", "town", "department", "cadre", "is_active"]
        help_texts = {
            "username": "登录用的名字：字母、数字和 @ . + - _，如 town19。",
            "is_active": "停用后不能登录；账号和历史记录都保留。",
        }

    def __init__(self, *args, grantable: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = [(r, ROLE_LABELS[r]) for r in grantable]
        self.fields["display_name"].required = True
        self.fields["display_name"].error_messages["required"] = "请填写姓名（显示在页面和审计记录中）。"
        self.fields["town"].queryset = Town.objects.order_by("code")
        departments = Department.objects.filter(is_active=True).order_by("name")
        self.fields["department"].queryset = departments
        self.fields["cadre_department"].choices = [
            ("", "请选择部门"),
            (NO_DEPARTMENT, "无所属部门"),
            *((str(pk), name) for pk, name in departments.values_list("pk", "name")),
        ]
        self._offer_cadres()
        if self.instance.pk:
            self.fields["username"].disabled = True
            self.fields["username"].help_text = "用户名不能修改。"
            names = set(self.instance.groups.values_list("name", flat=True))
            self.initial["roles"] = sorted(names & set(grantable))
            self.held = names - set(grantable)  # roles this editor may not give or take: kept as they are
        else:
            del self.fields["is_active"]
            self.held = set()

    def _offer_cadres(self) -> None:
        """The 对应干部 select lists one department's active cadres, never all of a province's: the department posted
        in 干部所在部门, or at first the one of the account's cadre (else of the account). static/js/dependent_select.js
        refreshes the list when 干部所在部门 changes."""
        if self.is_bound:
            department = self.data.get(self.add_prefix("cadre_department"), "")
        else:
            cadre = self.instance.cadre if self.instance.pk else None
            if cadre is not None:
                department = str(cadre.department_id) if cadre.department_id else NO_DEPARTMENT
            else:
                department = str(self.instance.department_id or "")
            self.initial["cadre_department"] = department
        field = self.fields["cadre"]
        field.queryset = cadres_of(department)
        field.empty_label = NO_CADRE if department else CHOOSE_DEPARTMENT_FIRST
        field.widget.attrs.update(
            {
                "data-options-url": reverse("administration:cadre-options"),
                "data-options-from": "cadre_department",
                "data-options-key": "cadres",
            }
        )

    def clean(self):
        cleaned = super().clean()
        roles = set(cleaned.get("roles") or []) | self.held
        errors = account_errors(
            roles=roles, town=cleaned.get("town"), department=cleaned.get("department"), cadre=cleaned.get("cadre")
        )
        for name, message in errors.items():
            self.add_error(name, message)
        return cleaned


class InitialPasswordForm(forms.Form):
    """A temporary password the administrator types and tells the user; the user must change it at first login."""

    password1 = forms.CharField(
        label="临时密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label="再次输入临时密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = password_validation.password_validators_help_text_html()
        self.fields["password1"].error_messages["required"] = "请输入临时密码。"
        self.fields["password2"].error_messages["required"] = "请再次输入临时密码。"

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "两次输入的临时密码不一致，请重新输入。")
        elif first:
            try:
                password_validation.validate_password(first, self.user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class LogFilterForm(forms.Form):
    """The auditor's filter, shared by every log page: who, from where, between which days."""

    who = forms.CharField(label="操作人", required=False, max_length=50)
    address = forms.GenericIPAddressField(
        label="来源地址", required=False, error_messages={"invalid": "来源地址应为 IP 地址，如 10.20.1.15。"}
    )
    date_from = forms.DateField(label="开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("date_from", "date_to"):
            self.fields[name].error_messages["invalid"] = "日期格式应为 2016-06-30。"
        self.fields["who"].widget.attrs["placeholder"] = "用户名或姓名"
        self.fields["address"].widget.attrs["placeholder"] = "如 10.20.1.15"

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "截止日期不能早于开始日期。")
        return cleaned

    def user_ids(self) -> tuple[int, ...] | None:
        """The accounts the who field matches (None: no filter)."""
        who = (self.cleaned_data.get("who") or "").strip()
        if not who:
            return None
        matches = User.objects.filter(Q(username__icontains=who) | Q(display_name__icontains=who))
        return tuple(matches.values_list("pk", flat=True)[:500])


class TrailFilterForm(LogFilterForm):
    record = forms.ChoiceField(label="记录类型", required=False)
    operation = forms.ChoiceField(label="操作", required=False)
    object_id = forms.IntegerField(
        label="记录编号",
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        error_messages={"invalid": "记录编号应为数字（详情页地址中的编号）。", "min_value": "记录编号应为正整数。"},
    )

    field_order = ["record", "operation", "object_id", "who", "address", "date_from", "date_to"]

    def __init__(self, *args, **kwargs):
        from administration.trail import OPERATIONS, record_choices

        super().__init__(*args, **kwargs)
        self.fields["record"].choices = [("", "全部记录"), *record_choices()]
        self.fields["operation"].choices = [("", "全部操作"), *OPERATIONS.items()]
        self.fields["object_id"].widget.attrs["placeholder"] = "如详情页地址中的 123"


class ReasonForm(forms.Form):
    """Why a security action is taken (本人更换手机, 本人电话确认忘记密码…): kept in the administrators' log."""

    reason = forms.CharField(
        label="事由",
        max_length=200,
        error_messages={"required": "请填写事由（如“本人更换手机”），它会记入管理操作记录。"},
    )
