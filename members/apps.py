from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "困难党员（群众）信息库"

    def ready(self):
        from guanghan.access import ALL_ROLES, Role
        from guanghan.navigation import NavItem, register_nav

        register_nav(NavItem("信息库", "members:member-list", ALL_ROLES, icon="people", order=10))
        register_nav(NavItem("统计", "members:stats", ALL_ROLES, icon="bar-chart", order=11))
        notice_roles = (Role.ORG_STAFF, Role.TOWN_STAFF, Role.LEADER)
        register_nav(NavItem("公示", "members:notice-list", notice_roles, icon="megaphone", order=12))
