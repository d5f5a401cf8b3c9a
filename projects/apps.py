from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "帮扶项目"

    def ready(self):
        from guanghan.access import ALL_ROLES, Role, register_people_scope, register_village_scope
        from guanghan.navigation import NavItem, WorkList, register_nav, register_worklist

        register_village_scope(Role.DEPT_STAFF, department_villages)
        register_people_scope(department_households)
        register_nav(NavItem("项目", "projects:project-list", ALL_ROLES, icon="kanban", order=20))
        register_nav(NavItem("结对", "projects:household-pairing-list", ALL_ROLES, icon="people-fill", order=21))
        staff = (Role.ORG_STAFF, Role.TOWN_STAFF)
        register_worklist(
            WorkList("未结对的困难对象", "projects:unpaired-members", staff, count=unpaired_count, order=20)
        )
        register_worklist(
            WorkList(
                "未纳入项目的困难对象", "projects:members-without-project", staff, count=unenrolled_count, order=21
            )
        )
        register_worklist(
            WorkList(
                "超过两个月未联系的帮扶对象",
                "projects:household-pairing-list",
                (Role.DEPT_STAFF,),
                count=overdue_count,
                query="overdue=1",
            )
        )
        register_worklist(
            WorkList(
                "本年度没有重点项目的村（社区）",
                "projects:villages-without-key-project",
                staff,
                count=without_key_project_count,
                order=23,
            )
        )
        register_nav(NavItem("培训", "projects:training-list", ALL_ROLES, icon="easel", order=22))
        register_nav(NavItem("顾问组", "projects:consultation-list", ALL_ROLES, icon="chat-left-text", order=23))
        register_worklist(
            WorkList("实用技术不足两门的困难党员", "projects:skills-below-two", staff, count=skill_gap_count, order=22)
        )


def department_villages(user):
    """部门帮村: the villages the user's department is paired with (pairings not ended)."""
    from guanghan.models import Village

    return Village.objects.filter(pairings__department_id=user.department_id, pairings__ended_on__isnull=True)


def department_households(user):
    """党员帮户: the members the department's cadres are paired with now."""
    from members.models import Member

    return Member.objects.filter(
        household_pairings__cadre__department_id=user.department_id, household_pairings__ended_on__isnull=True
    )


def unpaired_count(user) -> int:
    from guanghan import access
    from members.models import Member
    from projects.models import unpaired

    return unpaired(access.scope_people(user, Member.objects.needing_help())).count()


def overdue_count(user) -> int:
    from django.utils import timezone

    from guanghan import access
    from projects.models import HouseholdPairing
    from projects.services import pairing_overdue

    pairings = access.scope(user, HouseholdPairing.objects.all(), village=None, department="cadre__department")
    return pairing_overdue(pairings, today=timezone.localdate()).count()


def unenrolled_count(user) -> int:
    from guanghan import access
    from members.models import Member
    from projects.models import unenrolled

    return unenrolled(access.scope_people(user, Member.objects.needing_help())).count()


def without_key_project_count(user) -> int:
    from projects.worklist_views import without_key_project_count as count

    return count(user)


def skill_gap_count(user) -> int:
    from projects.training_views import skill_gap_count as count

    return count(user)
