from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "困难党员（群众）信息库"

    def ready(self):
        from guanghan.access import ALL_ROLES, Role
        from guanghan.navigation import NavItem, WorkList, register_nav, register_worklist

        register_nav(NavItem("信息库", "members:member-list", ALL_ROLES, icon="people", order=10))
        notice_roles = (Role.ORG_STAFF, Role.TOWN_STAFF, Role.LEADER)
        register_nav(NavItem("公示", "members:notice-list", notice_roles, icon="megaphone", order=12))
        register_worklist(
            WorkList(
                "本年度未摸底调查的困难对象",
                "members:member-list",
                (Role.ORG_STAFF, Role.TOWN_STAFF),
                count=unsurveyed_count,
                order=10,
                query=unsurveyed_query,
            )
        )


def unsurveyed_query() -> str:
    from django.utils import timezone

    return f"no_survey_in={timezone.localdate().year}"


def unsurveyed_count(user) -> int:
    """Members in the registry with no 摸底调查 this year: the member list's `no_survey_in` filter, counted."""
    from django.utils import timezone

    from guanghan import access
    from members.models import Member, Survey

    surveyed = Survey.objects.filter(surveyed_on__year=timezone.localdate().year).values("member")
    return access.scope_people(user, Member.objects.in_registry()).exclude(pk__in=surveyed).count()
