"""What makes an account's roles and scope valid: shared by 用户管理 (administration) and the admin site."""

from guanghan.access import ROLE_LABELS, AdminRole, Role


def account_errors(*, roles: set[str], town, department, cadre) -> dict[str, str]:
    """What is wrong with an account's roles and scope, by field ("roles", "town", "department", "cadre").

    A town_staff user needs a town, a dept_staff user a department and a liaison officer a cadre: otherwise they
    would silently see nothing. An administrator of 三权分立 holds exactly that one role (no business role, no second
    administrator role), so no one both administers and reads the registry, or both acts and audits. The database
    refuses such a pair too (administration/migrations/0002).
    """
    errors = {}
    admin = roles & set(AdminRole)
    if admin and len(roles) > 1:
        names = "、".join(ROLE_LABELS[r] for r in sorted(admin))
        errors["roles"] = f"{names}不能兼任其他角色（三权分立）：请只保留这一个角色，或另建一个账号。"
    if Role.TOWN_STAFF in roles and not town:
        errors["town"] = "乡镇工作人员必须选择所属乡镇。"
    if Role.DEPT_STAFF in roles and not department:
        errors["department"] = "部门工作人员必须选择所属部门。"
    if Role.LIAISON in roles and not cadre:
        errors["cadre"] = "督查联络员必须选择对应的干部（派驻的村由督查模块的挂职安排决定）。"
    return errors
