from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = "考核评价"

    def ready(self):
        from guanghan.access import Role
        from guanghan.navigation import NavItem, register_nav

        readers = (Role.ORG_STAFF, Role.LEADER, Role.DEPT_STAFF)
        register_nav(NavItem("考核", "evaluation:year-list", readers, icon="award", order=50))
