from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = "督查"

    def ready(self):
        from guanghan.access import ALL_ROLES, Role, register_village_scope
        from guanghan.navigation import NavItem, WorkList, register_nav, register_worklist
        from supervision.models import villages_of

        register_village_scope(Role.LIAISON, villages_of)
        register_nav(NavItem("督查", "supervision:visit-list", ALL_ROLES, icon="clipboard-check", order=40))
        register_worklist(
            WorkList(
                "逾期未整改的事项",
                "supervision:rectification-list",
                ALL_ROLES,
                count=overdue_rectification_count,
                order=40,
                query="overdue=1",
            )
        )
        register_worklist(
            WorkList(
                "60 天未督查的派驻村",
                "supervision:unvisited-villages",
                (Role.LIAISON,),
                count=unvisited_count,
                order=41,
            )
        )
        register_worklist(
            WorkList(
                "派驻村待整改的事项",
                "supervision:rectification-list",
                (Role.LIAISON,),
                count=open_rectification_count,
                order=42,
                query="status=open",
            )
        )


def overdue_rectification_count(user) -> int:
    from django.utils import timezone

    from supervision.models import Rectification

    return Rectification.objects.visible_to(user).overdue(timezone.localdate()).count()


def open_rectification_count(user) -> int:
    """What the rectification list shows for ?status=open: not yet reported done (待整改 or 退回重新整改)."""
    from supervision.models import Rectification

    return Rectification.objects.visible_to(user).open().count()


def unvisited_count(user) -> int:
    from supervision.overview_views import unvisited_count as count

    return count(user)
