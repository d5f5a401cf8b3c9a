"""Password rules (等保: complexity, maximum age, forced change) and the page where a user changes the password."""

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from guanghan.two_factor import SETUP_URL, VERIFY_URL

CHANGE_URL = "password-change"


class ComplexityValidator:
    """At least `min_length` characters with letters and digits, not the username, not a commonly used password."""

    def __init__(self, min_length: int = 10):
        self.min_length = min_length

    def validate(self, password, user=None):
        errors = []
        if len(password) < self.min_length:
            errors.append(f"密码太短：至少需要 {self.min_length} 个字符，当前只有 {len(password)} 个。")
        if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
            errors.append("密码必须同时包含字母和数字。")
        username = (getattr(user, "username", "") or "").strip().lower()
        if username and username in password.lower():
            errors.append("密码不能包含用户名，请换一个。")
        if password.lower().strip() in _common_passwords():
            errors.append("这是一个常见密码，很容易被猜到，请换一个。")
        if errors:
            raise ValidationError(errors, code="password_too_weak")

    def get_help_text(self):
        return f"至少 {self.min_length} 个字符，同时包含字母和数字；不能包含用户名，也不能是常见密码。"


_COMMON: set[str] = set()


def _common_passwords() -> set[str]:
    if not _COMMON:
        _COMMON.update(CommonPasswordValidator().passwords)
    return _COMMON


def must_change(user) -> bool:
    return user.must_change_password or user.password_expired(max_age_days=settings.PASSWORD_MAX_AGE_DAYS)


class PasswordAgeMiddleware:
    """A user whose password is too old, or was set by an administrator, changes it before doing anything else."""

    ALWAYS_OPEN = {"login", "logout", CHANGE_URL, VERIFY_URL, SETUP_URL}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated:
            return None
        name = request.resolver_match.url_name if request.resolver_match else None
        if name in self.ALWAYS_OPEN or not must_change(user):
            return None
        return redirect(f"{reverse(CHANGE_URL)}?{urlencode({'next': request.get_full_path()})}")


class ChinesePasswordChangeForm(PasswordChangeForm):
    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": "原密码不正确，请重新输入。",
        "password_mismatch": "两次输入的新密码不一致，请重新输入。",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "原密码"
        self.fields["new_password1"].label = "新密码"
        self.fields["new_password2"].label = "再次输入新密码"
        for field in self.fields.values():
            field.error_messages["required"] = f"请输入{field.label}。"

    def clean_new_password1(self):
        new = self.cleaned_data.get("new_password1")
        if new and self.user.check_password(new):
            raise ValidationError("新密码不能与原密码相同。")
        return new


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ChinesePasswordChangeForm
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("home")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["forced"] = must_change(user)
        context["max_age_days"] = settings.PASSWORD_MAX_AGE_DAYS
        context["is_admin_set"] = user.must_change_password
        context["next"] = self.request.GET.get("next") or self.request.POST.get("next", "")
        return context

    def get_success_url(self):
        target = self.request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(target, {self.request.get_host()}, require_https=self.request.is_secure()):
            return target
        return str(self.success_url)

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "密码已修改。")
        return response


password_change = PasswordChangeView.as_view()
