from django.apps import AppConfig


class AdministrationConfig(AppConfig):
    name = "administration"
    verbose_name = "系统管理（三权分立）"

    def ready(self):
        from guanghan.access import AdminRole
        from guanghan.navigation import NavItem, WorkList, register_nav, register_worklist

        admins = (AdminRole.SYS_ADMIN, AdminRole.SECURITY_ADMIN)
        register_nav(NavItem("用户", "administration:user-list", admins, icon="people", order=200, menu="管理"))
        register_nav(
            NavItem(
                "安全",
                "administration:security",
                (AdminRole.SECURITY_ADMIN,),
                icon="shield-lock",
                order=210,
                menu="管理",
            )
        )
        register_nav(
            NavItem("审计", "administration:trail", (AdminRole.AUDITOR,), icon="journal-text", order=220, menu="管理")
        )
        register_worklist(
            WorkList("被锁定的登录", "administration:security", (AdminRole.SECURITY_ADMIN,), count=_locked, order=10)
        )
        register_worklist(
            WorkList(
                "须两步验证但未绑定身份验证器的账号",
                "administration:user-list",
                admins,
                count=_without_authenticator,
                order=20,
                query="status=no_authenticator",
            )
        )
        register_worklist(
            WorkList(
                "90 天未登录的在用账号",
                "administration:user-list",
                admins,
                count=_dormant,
                order=30,
                query="status=dormant",
            )
        )


def _locked(user) -> int:
    from administration.security import locked_attempts

    return locked_attempts().count()


def _without_authenticator(user) -> int:
    from administration.users import users_with_status

    return users_with_status("no_authenticator").count()


def _dormant(user) -> int:
    from administration.users import users_with_status

    return users_with_status("dormant").count()
