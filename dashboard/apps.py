from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "工作看板"

    def ready(self):
        from guanghan.access import ALL_ROLES, Role
        from guanghan.navigation import NavItem, WorkList, register_nav, register_worklist

        register_nav(NavItem("看板", "dashboard:dashboard", ALL_ROLES, icon="speedometer2", order=5))
        register_worklist(
            WorkList(
                "各部门逾期事项",
                "dashboard:overdue-by-department",
                (Role.LEADER,),
                count=overdue_total,
                order=50,
            )
        )


def overdue_total(user) -> int:
    from dashboard.overdue_views import overdue_total as count

    return count(user)
