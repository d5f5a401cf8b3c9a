from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "帮扶项目"

    def ready(self):
        from guanghan.access import ALL_ROLES, Role, register_people_scope, register_village_scope
        from guanghan.navigation import NavItem, register_nav

        register_village_scope(Role.DEPT_STAFF, department_villages)
        register_people_scope(department_households)
        register_nav(NavItem("项目", "projects:project-list", ALL_ROLES, icon="kanban", order=20))


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
