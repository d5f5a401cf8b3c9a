from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "困难党员（群众）信息库"
