import importlib
from datetime import date, timedelta
from decimal import Decimal

import factory
from django.contrib.auth.models import Group, Permission

from guanghan.lib import idnumber
from guanghan.models import Association, Cadre, Department, Industry, PartyBranch, Town, User, Village

ROLE_MIGRATIONS = [
    "guanghan.migrations.0003_roles",
    "members.migrations.0002_role_permissions",
    "projects.migrations.0002_role_permissions",
    "projects.migrations.0003_household_contact",
    "projects.migrations.0004_training_consultation",
    "funding.migrations.0002_role_permissions",
    "supervision.migrations.0002_role_permissions",
    "evaluation.migrations.0002_role_permissions",
    "administration.migrations.0002_administrator_roles",
]


def ensure_role(name: str) -> Group:
    """The role's group with the permissions its migrations grant (live-server tests empty the tables they made)."""
    group, _ = Group.objects.get_or_create(name=name)
    if not group.permissions.exists():
        for module in ROLE_MIGRATIONS:
            codenames = importlib.import_module(module).GRANTS.get(name, [])
            app_label = module.split(".")[0]
            group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))
    return group


class TownFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Town

    name = factory.Sequence(lambda n: f"测试{n}镇")
    # Codes outside Guanghan's 510681…, so they never meet the fixtures' and the tests' real codes.
    code = factory.Sequence(lambda n: f"5199{n % 100000:05d}")


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    town = factory.SubFactory(TownFactory)
    name = factory.Sequence(lambda n: f"测试{n}村")
    code = factory.Sequence(lambda n: f"5199{n // 1000 % 100000:05d}{n % 1000:03d}")
    kind = Village.Kind.VILLAGE


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"广汉市测试{n}局")
    short_name = factory.Sequence(lambda n: f"测试{n}局")


class PartyBranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartyBranch

    name = factory.Sequence(lambda n: f"第{n}党支部")
    village = factory.SubFactory(VillageFactory)
    member_count = 50


class CadreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cadre

    name = factory.Sequence(lambda n: f"干部{n}")
    department = factory.SubFactory(DepartmentFactory)
    position = "科员"
    phone = factory.Sequence(lambda n: f"139{n:08d}")


class AssociationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Association

    name = factory.Sequence(lambda n: f"第{n}协会")
    village = factory.SubFactory(VillageFactory)
    industry = factory.LazyFunction(
        lambda: Industry.objects.get_or_create(code="planting", defaults={"name": "种植"})[0]
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.django.Password("guanghan-demo")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(ensure_role(extracted))


class MemberFactory(factory.django.DjangoModelFactory):
    """A party member in difficulty with a valid ID number (born 1950-2-1 plus n days)."""

    class Meta:
        model = "members.Member"

    category = "party"
    name = factory.Sequence(lambda n: f"对象{n}")
    gender = "male"
    birth_date = factory.Sequence(lambda n: date(1950, 2, 1) + timedelta(days=n))
    id_number = factory.LazyAttributeSequence(lambda o, n: idnumber.make("510681", o.birth_date, n % 997, o.gender))
    village = factory.SubFactory(VillageFactory)
    household_size = 3
    income_per_capita = Decimal("2400.00")
    registered_on = date(2014, 6, 1)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "projects.Project"

    village = factory.SubFactory(VillageFactory)
    year = 2016
    name = factory.Sequence(lambda n: f"项目{n}")
    industry = factory.LazyFunction(
        lambda: Industry.objects.get_or_create(code="planting", defaults={"name": "种植"})[0]
    )
    maturity = 3
    expected_benefit = Decimal("10.00")


def list_names(obj, column: str) -> list[str]:
    """The names of a member's (or a survey's) list in the lookup's order: list_names(member, "skill_ids")."""
    field = type(obj)._meta.get_field(column)
    return list(field.lookup_model.objects.filter(pk__in=getattr(obj, column)).values_list("name", flat=True))


def add_to_list(member, column: str, *items) -> None:
    """Add lookups to a member's list (skill_ids …), in the database and on the instance."""
    model = type(member)
    ids = sorted({*model.objects.values_list(column, flat=True).get(pk=member.pk), *(item.pk for item in items)})
    model.objects.filter(pk=member.pk).update(**{column: ids})
    setattr(member, column, ids)


def unfrozen(link, *, again: bool = False) -> None:
    """Let a former link table (members.models.FROZEN) take rows for the rest of the test's transaction, to write
    link events as they were written before migration members/0016 (`again`: freeze it again)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname LIKE 'pgtrigger_frozen_%%'",
            [link._meta.db_table],
        )
        (name,) = cursor.fetchone()
        cursor.execute(f"ALTER TABLE {link._meta.db_table} {'ENABLE' if again else 'DISABLE'} TRIGGER {name}")
