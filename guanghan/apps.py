from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class GuanghanConfig(AppConfig):
    name = "guanghan"
    verbose_name = "基础目录"

    def ready(self):
        from guanghan.access import ALL_ROLES, Role
        from guanghan.navigation import NavItem, register_nav

        register_nav(NavItem("首页", "home", ALL_ROLES, icon="house", order=0))
        register_nav(NavItem("村（社区）", "guanghan:village-list", ALL_ROLES, icon="geo-alt", order=90))
        register_nav(
            NavItem(
                "部门",
                "guanghan:department-list",
                (Role.ORG_STAFF, Role.LEADER, Role.DEPT_STAFF),
                icon="building",
                order=91,
            )
        )


class GuanghanAdminConfig(AdminConfig):
    """The admin site behind two-factor verification (guanghan.two_factor.VerifiedAdminSite)."""

    default_site = "guanghan.two_factor.VerifiedAdminSite"
