"""Login security as the security administrator sees it: the policy in force and the logins locked now."""

from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone


def locked_attempts():
    """The username + address pairs locked out now (django-axes: the failure limit reached within the cool-off)."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    ).order_by("-attempt_time")


def policy() -> list[tuple[str, str]]:
    """The security settings in force (set by the deployment's environment, see .env.example), in Chinese."""
    from guanghan.access import ROLE_LABELS

    required = [
        "超级管理员" if role == "superuser" else ROLE_LABELS.get(role, role) for role in settings.OTP_REQUIRED_ROLES
    ]
    validators = {v["NAME"].rsplit(".", 1)[-1]: v.get("OPTIONS", {}) for v in settings.AUTH_PASSWORD_VALIDATORS}
    length = next((o["min_length"] for o in validators.values() if "min_length" in o), None)
    idle = settings.SESSION_COOKIE_AGE // 60
    return [
        (
            "密码长度",
            f"至少 {length} 位，须同时含字母和数字，不能与用户名相近，不能是常见密码" if length else "见密码规则",
        ),
        ("密码最长使用期限", f"{settings.PASSWORD_MAX_AGE_DAYS} 天，到期须修改"),
        ("管理员设置的密码", "本人登录后须立即修改"),
        (
            "登录失败锁定",
            f"同一用户名在同一地址连续失败 {settings.AXES_FAILURE_LIMIT} 次，锁定 "
            f"{int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)} 分钟（同一办公网内的其他同事不受影响）",
        ),
        ("闲置自动退出", f"{idle} 分钟无操作"),
        ("须两步验证的角色", "、".join(required) or "无"),
        ("会话", "关闭浏览器即退出" if settings.SESSION_EXPIRE_AT_BROWSER_CLOSE else "保持到闲置超时"),
    ]
