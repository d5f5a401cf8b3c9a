"""The accounts as the system and security administrators list them: roles, scope, authenticator, last login."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from guanghan.models import User

DORMANT_DAYS = 90

STATUSES = [
    ("active", "在用"),
    ("inactive", "已停用"),
    ("no_authenticator", "须两步验证但未绑定"),
    ("must_change", "待本人修改密码"),
    ("dormant", f"{DORMANT_DAYS} 天未登录"),
]


def with_security(queryset: QuerySet) -> QuerySet:
    """Adds has_authenticator and must_use_authenticator (by the roles in OTP_REQUIRED_ROLES)."""
    required = set(settings.OTP_REQUIRED_ROLES)
    must = Q(groups__name__in=required - {"superuser"})
    if "superuser" in required:
        must |= Q(is_superuser=True)
    must_users = User.objects.filter(must, pk=OuterRef("pk"))
    return queryset.annotate(
        has_authenticator=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
        must_use_authenticator=Exists(must_users),
    )


def users_with_status(status: str, queryset: QuerySet | None = None) -> QuerySet:
    users = with_security(User.objects.all() if queryset is None else queryset)
    if status == "active":
        return users.filter(is_active=True)
    if status == "inactive":
        return users.filter(is_active=False)
    if status == "no_authenticator":
        return users.filter(is_active=True, must_use_authenticator=True, has_authenticator=False)
    if status == "must_change":
        return users.filter(is_active=True, must_change_password=True)
    if status == "dormant":
        since = timezone.now() - timedelta(days=DORMANT_DAYS)
        return users.filter(is_active=True).filter(
            Q(last_login__lt=since) | Q(last_login__isnull=True, date_joined__lt=since)
        )
    return users
