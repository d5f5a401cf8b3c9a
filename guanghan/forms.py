from django import forms
from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    """Django's login form with messages that say plainly what to do. Unknown and known users get the same one."""

    error_messages = {
        "invalid_login": "用户名或密码不正确，请重新输入（密码区分大小写）。",
        "inactive": "该账号已停用，请联系系统管理员。",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})
        self.fields["username"].error_messages["required"] = "请输入用户名。"
        self.fields["password"].label = "密码"
        self.fields["password"].error_messages["required"] = "请输入密码。"


class VillageFilterForm(forms.Form):
    q = forms.CharField(label="名称或代码", required=False, max_length=50)
    town = forms.ModelChoiceField(label="乡镇", queryset=None, required=False, empty_label="全部乡镇")
    kind = forms.ChoiceField(label="类型", required=False)

    def __init__(self, *args, towns, **kwargs):
        super().__init__(*args, **kwargs)
        from guanghan.models import Village

        self.fields["town"].queryset = towns
        self.fields["kind"].choices = [("", "全部类型"), *Village.Kind.choices]
        self.fields["q"].widget.attrs["placeholder"] = "如 三星村 或 510681…"


class VillageChoiceField(forms.ModelChoiceField):
    """A village shown with its town ("三星堆镇 三星村"): village names repeat across towns."""

    def label_from_instance(self, village):
        return f"{village.town.name} {village.name}"


class PlaceFilterForm(forms.Form):
    """Base of the list filters: a town and a village, offered only within the user's scope."""

    town = forms.ModelChoiceField(label="乡镇", queryset=None, required=False, empty_label="全部乡镇")
    village = VillageChoiceField(label="村（社区）", queryset=None, required=False, empty_label="全部村")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from guanghan import access

        self.fields["town"].queryset = access.towns_visible_to(user)
        self.fields["village"].queryset = (
            access.villages_visible_to(user).select_related("town").order_by("town__code", "code")
        )
