"""The administrators' own log: what the system and security administrators did to accounts (等保 三权分立).

Role changes and account fields are also in the trigger-kept history (guanghan.UserEvent, UserRoleEvent); this log
adds what leaves no row elsewhere (an unlock, a reset authenticator, a password set) and says it in one line.
"""

from django.conf import settings
from django.db import models

from guanghan.models import APPEND_ONLY


class AdminAction(models.Model):
    class Kind(models.TextChoices):
        USER_CREATED = "user_created", "新建账号"
        USER_CHANGED = "user_changed", "修改账号"
        DEACTIVATED = "deactivated", "停用账号"
        ACTIVATED = "activated", "启用账号"
        PASSWORD_SET = "password_set", "设置临时密码"
        PASSWORD_CHANGE_REQUIRED = "password_change_required", "要求修改密码"
        UNLOCKED = "unlocked", "解除登录锁定"
        TWO_FACTOR_RESET = "two_factor_reset", "重置两步验证"

    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="admin_actions_done", verbose_name="操作人"
    )
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="admin_actions_received",
        verbose_name="对象账号",
    )
    target_name = models.CharField("对象", max_length=150, blank=True, help_text="被锁定的用户名可能不是已有账号。")
    kind = models.CharField("操作", max_length=30, choices=Kind.choices)
    detail = models.CharField("内容", max_length=500, blank=True)
    address = models.GenericIPAddressField("来源地址", null=True, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = verbose_name_plural = "管理操作记录"
        triggers = [APPEND_ONLY]

    def __str__(self):
        return f"{self.get_kind_display()} {self.target_name}"
