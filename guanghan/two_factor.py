"""Two-factor login (TOTP through django-otp): enrolment, the code after the password, and the checks that enforce it.

The session remembers the outcome under SESSION_KEY: VERIFIED once a code was accepted in this session, NOT_NEEDED for
a user who has no device and whose role does not require one (so that user's requests cost no device query). Logging
in starts a new session, so each login asks again. OTP_REQUIRED_ROLES names the roles that must enrol ("superuser"
is the system administrator); anyone else may enrol, and a user with a device is always asked for its code.
"""

from base64 import b32encode
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from guanghan.access import roles_of

SESSION_KEY = "two_factor"
VERIFIED = "verified"
NOT_NEEDED = "not-needed"
VERIFY_URL = "two-factor-verify"
SETUP_URL = "two-factor-setup"
DEVICE_NAME = "身份验证器"


def is_required(user) -> bool:
    required = set(settings.OTP_REQUIRED_ROLES)
    if user.is_superuser and "superuser" in required:
        return True
    return bool(required & set(roles_of(user)))


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def is_verified(request) -> bool:
    return request.session.get(SESSION_KEY) == VERIFIED


def mark_verified(request) -> None:
    request.session[SESSION_KEY] = VERIFIED


def forget(request) -> None:
    """Called when a password login succeeds: the new login must pass the second step again."""
    request.session.pop(SESSION_KEY, None)


def next_step(request) -> str | None:
    """The URL name of the step this session still owes (VERIFY_URL or SETUP_URL), or None."""
    state = request.session.get(SESSION_KEY)
    if state in {VERIFIED, NOT_NEEDED}:
        return None
    if confirmed_device(request.user):
        return VERIFY_URL
    if is_required(request.user):
        return SETUP_URL
    request.session[SESSION_KEY] = NOT_NEEDED
    return None


class TwoFactorMiddleware:
    """Sends a signed-in user who still owes the second step to it, before any other page (after LoginRequired)."""

    ALWAYS_OPEN = {"login", "logout", VERIFY_URL}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            return None
        name = request.resolver_match.url_name if request.resolver_match else None
        if name in self.ALWAYS_OPEN:
            return None
        step = next_step(request)
        if step is None or step == name:
            return None
        return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


class TokenForm(forms.Form):
    token = forms.CharField(
        label="验证码",
        max_length=6,
        min_length=6,
        error_messages={
            "required": "请输入身份验证器上显示的 6 位验证码。",
            "min_length": "验证码是 6 位数字，请核对后重新输入。",
            "max_length": "验证码是 6 位数字，请核对后重新输入。",
        },
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError("验证码只含数字，请核对后重新输入。")
        allowed, _ = self.device.verify_is_allowed()
        if not allowed:
            raise forms.ValidationError("验证码错误次数过多，请稍等片刻再试。")
        if not self.device.verify_token(token):
            raise forms.ValidationError("验证码不正确或已过期，请输入身份验证器上当前显示的 6 位数字。")
        return token


@require_http_methods(["GET", "POST"])
def verify(request):
    """The second step after the password, for a user with an authenticator."""
    device = confirmed_device(request.user)
    if device is None:
        return redirect(f"{reverse(SETUP_URL)}?{urlencode({'next': _next_url(request)})}")
    form = TokenForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        mark_verified(request)
        return redirect(_next_url(request))
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _next_url(request)})


def qr_svg(text: str) -> str:
    """An inline SVG QR code, drawn here: no outside service sees the secret."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


@require_http_methods(["GET", "POST"])
def setup(request):
    """Enrolment: scan the QR code (or type the secret), then prove it with a first code."""
    user = request.user
    if confirmed_device(user):
        if not is_verified(request):
            return redirect(f"{reverse(VERIFY_URL)}?{urlencode({'next': _next_url(request)})}")
        return render(request, "registration/two_factor_setup.html", {"enrolled": True, "required": is_required(user)})
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        if request.method == "POST":  # a code for a secret never shown: show one first
            return redirect(f"{reverse(SETUP_URL)}?{urlencode({'next': _next_url(request)})}")
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    form = TokenForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        mark_verified(request)
        messages.success(request, "两步验证已启用：以后每次登录输入密码后，还需输入身份验证器上的验证码。")
        return redirect(_next_url(request))
    context = {
        "form": form,
        "next": _next_url(request),
        "required": is_required(user),
        "qr_svg": qr_svg(device.config_url),
        "secret": b32encode(device.bin_key).decode(),
    }
    return render(request, "registration/two_factor_setup.html", context)


class VerifiedAdminSite(admin.AdminSite):
    """系统管理 only in a session that passed the second step (等保: administrators use two factors)."""

    site_header = "广汉市党内项目帮扶系统 · 系统管理"
    site_title = "系统管理"
    index_title = "数据维护"

    def has_permission(self, request):
        return super().has_permission(request) and is_verified(request)

    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            messages.warning(request, "进入系统管理需要先完成两步验证。")
            return redirect(f"{reverse(SETUP_URL)}?{urlencode({'next': request.get_full_path()})}")
        return redirect_to_login(request.GET.get("next", reverse("admin:index")), reverse("login"))
