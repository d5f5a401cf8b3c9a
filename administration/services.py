"""What the administrators do to accounts: each change in one transaction, with a line in AdminAction (who, what,
whom, from where); the account's own fields and roles are in the trigger-kept history as well."""

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.contrib.auth.models import Group
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from administration.models import AdminAction
from guanghan.access import ROLE_LABELS, AdminRole, Role, roles_of
from guanghan.models import User

ACCOUNT_FIELDS = ["display_name", "town", "department", "cadre", "is_active"]


def grantable_roles(actor) -> list[str]:
    """The roles `actor` may give or take: the superuser all, the system administrator the business roles only."""
    if actor.is_superuser:
        return [r.value for r in (*Role, *AdminRole)]
    if AdminRole.SYS_ADMIN in roles_of(actor):
        return [r.value for r in Role]
    return []


def _log(*, by, kind, target=None, target_name="", detail="", address=None) -> AdminAction:
    return AdminAction.objects.create(
        by=by,
        target=target,
        target_name=(target_name or (target.username if target else ""))[:150],
        kind=kind,
        detail=detail[:500],
        address=address,
    )


def _roles_text(names) -> str:
    return "、".join(ROLE_LABELS.get(n, n) for n in sorted(names)) or "无"


def _show(value) -> str:
    if value is True:
        return "是"
    if value is False:
        return "否"
    return str(value) if value not in (None, "") else "（空）"


@transaction.atomic
def account_create(*, data: dict, password: str, by, address=None) -> User:
    user = User(username=data["username"], **{name: data.get(name) for name in ACCOUNT_FIELDS if name != "is_active"})
    user.set_password(password)
    user.must_change_password = True  # the administrator knows it: the user replaces it at the first login
    user.save()
    roles = set(data.get("roles") or [])
    user.groups.set(Group.objects.filter(name__in=roles))
    scope = "；".join(
        f"{User._meta.get_field(n).verbose_name}：{data[n]}" for n in ("town", "department", "cadre") if data.get(n)
    )
    _log(
        by=by,
        kind=AdminAction.Kind.USER_CREATED,
        target=user,
        detail=f"角色：{_roles_text(roles)}" + (f"；{scope}" if scope else ""),
        address=address,
    )
    return user


@transaction.atomic
def account_update(*, user: User, data: dict, grantable: list[str], by, address=None) -> list[str]:
    """Apply the form's fields and the roles within `grantable` (roles outside it are kept). Returns what changed."""
    user = User.objects.select_for_update(of=("self",)).get(pk=user.pk)
    changes, changed_fields = {}, []
    for name in ACCOUNT_FIELDS:
        if name not in data:
            continue
        old, new = getattr(user, name), data[name]
        if old != new:
            label = User._meta.get_field(name).verbose_name
            changes[name] = f"{label}：{_show(old)} → {_show(new)}"
            setattr(user, name, new)
            changed_fields.append(name)
    if changed_fields:
        user.save(update_fields=changed_fields)
    held = set(user.groups.values_list("name", flat=True))
    wanted = (held - set(grantable)) | (set(data.get("roles") or []) & set(grantable))
    if wanted != held:
        user.groups.remove(*Group.objects.filter(name__in=held - wanted))
        user.groups.add(*Group.objects.filter(name__in=wanted - held))
        changes["roles"] = f"角色：{_roles_text(held)} → {_roles_text(wanted)}"
    if "is_active" in changes:  # 停用 and 启用 have their own kind of action
        kind = AdminAction.Kind.ACTIVATED if user.is_active else AdminAction.Kind.DEACTIVATED
        _log(by=by, kind=kind, target=user, address=address)
    if others := [text for name, text in changes.items() if name != "is_active"]:
        _log(by=by, kind=AdminAction.Kind.USER_CHANGED, target=user, detail="；".join(others), address=address)
    return list(changes.values())


@transaction.atomic
def password_set(*, user: User, password: str, by, address=None) -> None:
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    _log(by=by, kind=AdminAction.Kind.PASSWORD_SET, target=user, detail="本人下次登录须修改", address=address)


@transaction.atomic
def password_change_require(*, user: User, reason: str, by, address=None) -> None:
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    _log(by=by, kind=AdminAction.Kind.PASSWORD_CHANGE_REQUIRED, target=user, detail=f"事由：{reason}", address=address)


@transaction.atomic
def two_factor_reset(*, user: User, reason: str, by, address=None) -> int:
    """Remove the user's authenticators (a lost or changed phone): the next login enrols a new one if the role
    requires it. The device rows are credentials, not records: they go; this log keeps that it happened."""
    count, _ = TOTPDevice.objects.filter(user=user).delete()
    _log(
        by=by,
        kind=AdminAction.Kind.TWO_FACTOR_RESET,
        target=user,
        detail=f"删除身份验证器 {count} 个；事由：{reason}",
        address=address,
    )
    return count


@transaction.atomic
def unlock(*, attempt: AccessAttempt, reason: str, by, address=None) -> None:
    """Lift the lock of one username at one address before its cool-off ends."""
    axes_reset(ip=attempt.ip_address, username=attempt.username)
    target = User.objects.filter(username=attempt.username).first()
    _log(
        by=by,
        kind=AdminAction.Kind.UNLOCKED,
        target=target,
        target_name=attempt.username or "",
        detail=f"来源地址 {attempt.ip_address}，失败 {attempt.failures_since_start} 次；事由：{reason}",
        address=address,
    )
