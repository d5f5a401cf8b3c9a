"""One fixture per role (tests/STYLE): each user carries the scope its role needs."""

import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client

from guanghan import two_factor
from guanghan.access import AdminRole, Role
from tests.factories import DepartmentFactory, TownFactory, UserFactory, VillageFactory

_force_login = Client.force_login


def _force_login_past_two_factor(self, user, backend=None, *, two_factor_verified=True):
    """force_login as after the password and the authenticator code; tests of the second step itself pass
    two_factor_verified=False and meet the middleware like a user who has only typed the password."""
    _force_login(self, user, backend)
    if two_factor_verified:
        session = self.session
        session[two_factor.SESSION_KEY] = two_factor.VERIFIED
        session.save()


Client.force_login = _force_login_past_two_factor


@pytest.fixture(scope="session", autouse=True)
def _test_database_dropped_cleanly(django_db_setup, django_db_blocker):
    """End connections left idle by the live server's threads, so the test database can be dropped at the end."""
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker):
    """The whole demo (manage.py seed_demo) once per test module, in a transaction rolled back at the module's end."""
    with django_db_blocker.unblock(), transaction.atomic():
        with connection.cursor() as cursor:
            # The earlier tests leave the planner's statistics of nearly empty tables; the seed's thousands of rows
            # then get plans costly enough for JIT compilation of every statement, which costs more than it saves.
            cursor.execute("SET LOCAL jit = off")
        call_command("seed_demo", stdout=io.StringIO())
        with connection.cursor() as cursor:
            # The planner's statistics still describe the nearly empty tables the earlier tests left; ANALYZE in
            # this transaction sees the seeded rows, so the checks' queries get the plans production would get.
            cursor.execute("ANALYZE")
        yield
        transaction.set_rollback(True)


@pytest.fixture
def seeded(seeded_once, db):
    """Use in a test that reads the demo data."""


@pytest.fixture
def town(db):
    return TownFactory(name="三星堆镇", code="510681101")


@pytest.fixture
def other_town(db):
    return TownFactory(name="南兴镇", code="510681102")


@pytest.fixture
def village(town):
    return VillageFactory(town=town, name="三星村", code="510681101201")


@pytest.fixture
def other_village(other_town):
    return VillageFactory(town=other_town, name="金光村", code="510681102201")


@pytest.fixture
def department(db):
    return DepartmentFactory(name="广汉市农业局", short_name="农业", is_advisory=True)


@pytest.fixture
def other_department(db):
    return DepartmentFactory(name="广汉市水务局", short_name="水利", is_advisory=True)


@pytest.fixture
def org_staff(db):
    return UserFactory(username="staff", display_name="组织部 王敏", role=Role.ORG_STAFF)


@pytest.fixture
def town_staff(town):
    return UserFactory(username="town01", display_name="三星堆镇工作人员", town=town, role=Role.TOWN_STAFF)


@pytest.fixture
def other_town_staff(other_town):
    return UserFactory(username="town02", display_name="南兴镇工作人员", town=other_town, role=Role.TOWN_STAFF)


@pytest.fixture
def liaison(db):
    return UserFactory(username="officer01", display_name="联络员 张强", role=Role.LIAISON)


@pytest.fixture
def dept_staff(department):
    return UserFactory(username="dept01", display_name="农业局工作人员", department=department, role=Role.DEPT_STAFF)


@pytest.fixture
def leader(db):
    return UserFactory(username="leader", display_name="领导小组 李建华", role=Role.LEADER)


@pytest.fixture
def superuser(db):
    return UserFactory(username="admin", display_name="系统管理员", is_superuser=True, is_staff=True)


@pytest.fixture
def sys_admin(db):
    return UserFactory(username="sysadmin", display_name="系统管理员 赵磊", role=AdminRole.SYS_ADMIN)


@pytest.fixture
def security_admin(db):
    return UserFactory(username="secadmin", display_name="安全管理员 孙丽", role=AdminRole.SECURITY_ADMIN)


@pytest.fixture
def auditor(db):
    return UserFactory(username="auditor", display_name="审计管理员 周平", role=AdminRole.AUDITOR)


@pytest.fixture
def no_role_user(db):
    return UserFactory(username="newcomer", display_name="新同事")


ROLE_FIXTURES = ["org_staff", "town_staff", "liaison", "dept_staff", "leader"]


@pytest.fixture(params=ROLE_FIXTURES)
def any_role_user(request):
    return request.getfixturevalue(request.param)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Tests that reach the role fixtures through request.getfixturevalue() use the database too: mark them, so
    pytest-django runs them with the other database tests, before the live-server tests empty the tables."""
    for item in items:
        if not any(item.iter_markers("django_db")):
            item.add_marker(pytest.mark.django_db)
