"""Who may see which rows, and who may do what: the one place every view asks.

Roles are Django groups (`Role`). Scope is a set of villages (and, for department staff, a department):

- org_staff and leader see the whole city; leader only reads.
- town_staff sees the villages of `user.town`.
- liaison sees the villages of its active assignments (given by supervision through `register_village_scope`).
- dept_staff sees the villages its department helps (given by projects) and rows that carry its department.

List views call `scope(user, queryset, ...)`; detail and edit views call `get_for_user(...)`, which answers 404 for a
row outside the scope and 403 for a write by a read-only role. A missing role is 403 (`role_required`).
"""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404

from guanghan.models import Department, Town, Village


class Role(models.TextChoices):
    ORG_STAFF = "org_staff", "组织部工作人员"
    TOWN_STAFF = "town_staff", "乡镇工作人员"
    LIAISON = "liaison", "督查联络员"
    DEPT_STAFF = "dept_staff", "部门工作人员"
    LEADER = "leader", "领导小组"


class AdminRole(models.TextChoices):
    """The three administrators of 等保 三权分立: none of them reads the registry, and no one holds two of them."""

    SYS_ADMIN = "sys_admin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDITOR = "auditor", "审计管理员"


CITY_WIDE = frozenset({Role.ORG_STAFF, Role.LEADER})
READ_ONLY = frozenset({Role.LEADER})
ALL_ROLES = tuple(Role)
ADMIN_ROLES = tuple(AdminRole)
ROLE_LABELS = {**dict(Role.choices), **dict(AdminRole.choices)}

VillageScope = Callable[[object], QuerySet]
_village_scopes: dict[str, list[VillageScope]] = {Role.LIAISON: [], Role.DEPT_STAFF: []}
_people_scopes: list[VillageScope] = []


def register_village_scope(role: str, func: VillageScope) -> None:
    """Let a higher app say which villages a liaison officer or a department works in.

    `func(user)` returns a Village queryset (used as a subquery). Called from that app's AppConfig.ready(), so this
    module never imports the apps above it. Several providers for one role add up.
    """
    if func not in _village_scopes[role]:
        _village_scopes[role].append(func)


def register_people_scope(func: VillageScope) -> None:
    """Let a higher app say which people (members) department staff may see: those its cadres are paired with.

    `func(user)` returns a queryset of the people rows' primary keys (`.values("pk")` is applied here).
    """
    if func not in _people_scopes:
        _people_scopes.append(func)


def roles_of(user) -> frozenset[str]:
    """The user's role names (business and administrator roles), read once per request object (the groups query is
    cached on the user)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_guanghan_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = frozenset(role for role in (*Role, *AdminRole) if role.value in names)
        user._guanghan_roles = cached
    return cached


def role_labels(user) -> list[str]:
    """The user's roles in Chinese, for the page header; the superuser is the installation's 超级管理员."""
    labels = [ROLE_LABELS[r] for r in sorted(roles_of(user))]
    if getattr(user, "is_superuser", False):
        labels.insert(0, "超级管理员")
    return labels


def has_role(user, *roles: str) -> bool:
    """True when the user holds any of the roles; the system administrator (superuser) holds them all."""
    if getattr(user, "is_superuser", False) and getattr(user, "is_active", False):
        return True
    return bool(roles_of(user) & set(roles))


def is_city_wide(user) -> bool:
    return has_role(user, *CITY_WIDE)


def is_read_only(user) -> bool:
    """A leader reads everything and changes nothing, unless they also hold a role that writes."""
    if getattr(user, "is_superuser", False):
        return False
    roles = roles_of(user)
    return bool(roles) and roles <= READ_ONLY


def role_required(*roles: str):
    """View decorator: 403 unless the user holds one of the roles (login is already required by middleware)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied("您的角色无权打开此页面。")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _path(prefix: str, lookup: str) -> str:
    return f"{prefix}__{lookup}" if prefix else lookup


def _village_q(user, village: str, *, roles=(Role.TOWN_STAFF, Role.LIAISON, Role.DEPT_STAFF)) -> Q:
    """The rows whose `village` (a lookup path to a Village; "" for the Village model itself) is in scope."""
    roles = roles_of(user) & set(roles)
    q = Q(**{_path(village, "pk__in"): []})
    if Role.TOWN_STAFF in roles and user.town_id:
        q |= Q(**{_path(village, "town_id"): user.town_id})
    for role in (Role.LIAISON, Role.DEPT_STAFF):
        if role in roles:
            for provider in _village_scopes[role]:
                q |= Q(**{_path(village, "pk__in"): provider(user).values("pk")})
    return q


def scope(user, queryset: QuerySet, *, village: str | None = "village", department: str | None = None) -> QuerySet:
    """Limit any queryset to the user's scope.

    `village` is the lookup path from the queryset's model to a Village ("" when the model is Village, None when the
    rows have no village); `department` the path to a Department ("" when the model is Department), for rows a
    department owns (its fund lines, its cadres). A row is visible when either path falls within the scope.
    """
    if not has_role(user, *ALL_ROLES):
        return queryset.none()
    if is_city_wide(user):
        return queryset
    q = Q(pk__in=[])
    if village is not None:
        q |= _village_q(user, village)
    if department is not None and Role.DEPT_STAFF in roles_of(user) and user.department_id:
        q |= Q(**{_path(department, "pk"): user.department_id})
    return queryset.filter(q)


def scope_people(user, queryset: QuerySet, *, village: str = "village", person: str | None = None) -> QuerySet:
    """Limit rows about people in difficulty (members and what hangs on them) to the user's scope.

    Town staff and liaison officers see the people of their villages; department staff only the people its cadres
    are paired with (党员帮户, given by projects through `register_people_scope`), not whole villages. `person` is the
    path to the Member ("" for Member itself); by default it is `village` without its last step ("member__village"
    → "member").
    """
    if person is None:
        person = village.rpartition("__")[0]
    if not has_role(user, *ALL_ROLES):
        return queryset.none()
    if is_city_wide(user):
        return queryset
    q = _village_q(user, village, roles=(Role.TOWN_STAFF, Role.LIAISON))
    if Role.DEPT_STAFF in roles_of(user):
        for provider in _people_scopes:
            q |= Q(**{_path(person, "pk__in"): provider(user).values("pk")})
    return queryset.filter(q)


def get_person_for_user(
    user, queryset: QuerySet, *, write: bool = False, village: str = "village", person: str | None = None, **lookup
):
    """Like get_for_user, for rows about people: 404 outside the scope, 403 for a write by a read-only role."""
    try:
        obj = scope_people(user, queryset, village=village, person=person).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404("没有找到该记录，或它不在您的工作范围内。") from None
    if write and is_read_only(user):
        raise PermissionDenied("您的角色只能查看，不能修改。")
    return obj


def villages_visible_to(user) -> QuerySet:
    return scope(user, Village.objects.select_related("town"), village="")


def towns_visible_to(user) -> QuerySet:
    if is_city_wide(user):
        return Town.objects.all()
    return Town.objects.filter(pk__in=villages_visible_to(user).values("town_id"))


def departments_visible_to(user) -> QuerySet:
    return scope(user, Department.objects.all(), village=None, department="")


def get_for_user(user, queryset: QuerySet, *, write: bool = False, village="village", department=None, **lookup):
    """The one row matching `lookup` inside the user's scope: 404 outside it, 403 for a write by a read-only role."""
    try:
        obj = scope(user, queryset, village=village, department=department).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404("没有找到该记录，或它不在您的工作范围内。") from None
    if write and is_read_only(user):
        raise PermissionDenied("您的角色只能查看，不能修改。")
    return obj


def describe_scope(user) -> str:
    """One line in Chinese saying what the user can see, shown on the home page."""
    if user.is_superuser:
        return "超级管理员：全部数据和全部管理功能（仅用于安装和应急）"
    roles = roles_of(user)
    if admin_roles := roles & set(AdminRole):
        return {
            AdminRole.SYS_ADMIN: "管理用户账号和角色，不查看业务数据",
            AdminRole.SECURITY_ADMIN: "管理登录安全（锁定、两步验证、密码），不查看业务数据",
            AdminRole.AUDITOR: "查阅审计记录，不修改任何数据",
        }[min(admin_roles)]
    if roles & CITY_WIDE:
        return "全市数据" + ("（只读）" if is_read_only(user) else "")
    parts = []
    if Role.TOWN_STAFF in roles:
        parts.append(f"{user.town.name}所辖村（社区）" if user.town_id else "未设置所属乡镇")
    if Role.DEPT_STAFF in roles:
        parts.append(f"{user.department.short_name}帮扶的村和本部门数据" if user.department_id else "未设置所属部门")
    if Role.LIAISON in roles:
        parts.append("派驻的村")
    return "；".join(parts) or "尚未分配角色"


def may_manage_account(actor, target) -> bool:
    """May `actor` change `target`'s account (name, roles, scope, active, a temporary password)?

    The system administrator manages the accounts of business users; an administrator's or a superuser's account,
    and one's own roles, are the superuser's (三权分立: no administrator raises their own or a peer's rights).
    """
    if getattr(actor, "is_superuser", False):
        return True
    if AdminRole.SYS_ADMIN not in roles_of(actor):
        return False
    return not target.is_superuser and target.pk != actor.pk and not roles_of(target) & set(AdminRole)


def may_secure_account(actor, target) -> bool:
    """May `actor` reset `target`'s authenticator or require a new password? The security administrator may, for
    everyone but themselves and the superuser."""
    if getattr(actor, "is_superuser", False):
        return True
    if AdminRole.SECURITY_ADMIN not in roles_of(actor):
        return False
    return not target.is_superuser and target.pk != actor.pk
