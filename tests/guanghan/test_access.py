import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from guanghan import access
from guanghan.access import Role
from guanghan.models import Cadre, Department, PartyBranch, Village
from tests.factories import CadreFactory, PartyBranchFactory, VillageFactory


@pytest.fixture
def liaison_villages(monkeypatch, village):
    """Stand-in for supervision's assignments: the liaison officer works in `village` only."""
    monkeypatch.setitem(access._village_scopes, Role.LIAISON, [lambda user: Village.objects.filter(pk=village.pk)])


@pytest.fixture
def department_villages(monkeypatch, other_village):
    """Stand-in for projects' department pairings: the department helps `other_village`."""
    monkeypatch.setitem(
        access._village_scopes, Role.DEPT_STAFF, [lambda user: Village.objects.filter(pk=other_village.pk)]
    )


def visible_villages(user):
    return set(access.villages_visible_to(user).values_list("name", flat=True))


def test_each_role_is_read_from_its_group(org_staff, town_staff, liaison, dept_staff, leader):
    assert access.roles_of(org_staff) == {Role.ORG_STAFF}
    assert access.roles_of(town_staff) == {Role.TOWN_STAFF}
    assert access.roles_of(liaison) == {Role.LIAISON}
    assert access.roles_of(dept_staff) == {Role.DEPT_STAFF}
    assert access.roles_of(leader) == {Role.LEADER}


def test_roles_are_read_once_per_user_object(org_staff, django_assert_num_queries):
    with django_assert_num_queries(1):
        access.roles_of(org_staff)
        access.has_role(org_staff, Role.ORG_STAFF)
        access.is_read_only(org_staff)


def test_org_staff_and_leader_see_every_village(org_staff, leader, village, other_village):
    assert visible_villages(org_staff) == {"三星村", "金光村"}
    assert visible_villages(leader) == {"三星村", "金光村"}


def test_town_staff_sees_only_its_town(town_staff, other_town_staff, village, other_village):
    assert visible_villages(town_staff) == {"三星村"}
    assert visible_villages(other_town_staff) == {"金光村"}


def test_town_staff_without_a_town_sees_nothing(town_staff, village):
    town_staff.town = None
    assert visible_villages(town_staff) == set()


def test_liaison_sees_nothing_until_assigned(liaison, village, other_village):
    assert visible_villages(liaison) == set()


def test_liaison_sees_the_villages_its_assignments_give(liaison, liaison_villages, other_village):
    assert visible_villages(liaison) == {"三星村"}


def test_dept_staff_sees_its_paired_villages(dept_staff, department_villages, village):
    assert visible_villages(dept_staff) == {"金光村"}


def test_user_without_role_sees_nothing(no_role_user, village):
    assert visible_villages(no_role_user) == set()
    assert not access.has_role(no_role_user, *access.ALL_ROLES)


def test_superuser_holds_every_role_and_writes(superuser, village, other_village):
    assert access.has_role(superuser, Role.ORG_STAFF)
    assert not access.is_read_only(superuser)
    assert visible_villages(superuser) == {"三星村", "金光村"}


def test_inactive_superuser_holds_no_role(superuser):
    superuser.is_active = False
    assert not access.has_role(superuser, Role.ORG_STAFF)


def test_only_leader_is_read_only(org_staff, town_staff, liaison, dept_staff, leader):
    assert access.is_read_only(leader)
    assert not any(access.is_read_only(u) for u in (org_staff, town_staff, liaison, dept_staff))


def test_leader_who_is_also_org_staff_may_write(leader):
    from django.contrib.auth.models import Group

    leader.groups.add(Group.objects.get(name=Role.ORG_STAFF))
    leader._guanghan_roles = None
    assert not access.is_read_only(leader)


def test_scope_follows_a_path_to_the_village(town_staff, village, other_village):
    PartyBranchFactory(village=village, name="三星村党总支")
    PartyBranchFactory(village=other_village, name="金光村党总支")
    names = access.scope(town_staff, PartyBranch.objects.all()).values_list("name", flat=True)
    assert list(names) == ["三星村党总支"]


def test_dept_staff_sees_rows_its_department_owns(dept_staff, department, other_department):
    CadreFactory(department=department, name="本部门干部")
    CadreFactory(department=other_department, name="外部门干部")
    cadres = access.scope(dept_staff, Cadre.objects.all(), village=None, department="department")
    assert list(cadres.values_list("name", flat=True)) == ["本部门干部"]


def test_departments_visible_to_each_role(org_staff, town_staff, dept_staff, department, other_department):
    assert set(access.departments_visible_to(org_staff)) == {department, other_department}
    assert list(access.departments_visible_to(dept_staff)) == [department]
    assert list(access.departments_visible_to(town_staff)) == []


def test_towns_visible_to_town_staff_is_its_own(town_staff, town, other_town, village, other_village):
    assert list(access.towns_visible_to(town_staff)) == [town]


def test_get_for_user_answers_404_outside_the_scope(town_staff, other_village):
    with pytest.raises(Http404):
        access.get_for_user(town_staff, Village.objects.all(), village="", pk=other_village.pk)


def test_get_for_user_returns_the_row_inside_the_scope(town_staff, village):
    assert access.get_for_user(town_staff, Village.objects.all(), village="", pk=village.pk) == village


def test_get_for_user_refuses_a_write_by_a_read_only_role(leader, village):
    with pytest.raises(PermissionDenied):
        access.get_for_user(leader, Village.objects.all(), write=True, village="", pk=village.pk)
    assert access.get_for_user(leader, Village.objects.all(), village="", pk=village.pk) == village


@pytest.mark.parametrize(
    ("fixture", "allowed"),
    [
        ("org_staff", True),
        ("town_staff", False),
        ("liaison", False),
        ("dept_staff", False),
        ("leader", True),
        ("no_role_user", False),
        ("superuser", True),
    ],
)
def test_role_required_lets_in_only_the_named_roles(request, fixture, allowed):
    user = request.getfixturevalue(fixture)
    view = access.role_required(Role.ORG_STAFF, Role.LEADER)(lambda request: HttpResponse("ok"))
    http_request = RequestFactory().get("/")
    http_request.user = user
    if allowed:
        assert view(http_request).status_code == 200
    else:
        with pytest.raises(PermissionDenied):
            view(http_request)


def test_scope_of_many_rows_is_one_query(town_staff, village, django_assert_num_queries):
    for _ in range(5):
        VillageFactory(town=village.town)
    access.roles_of(town_staff)
    with django_assert_num_queries(1):
        assert len(access.villages_visible_to(town_staff)) == 6


def test_describe_scope_names_the_town_and_department(town_staff, dept_staff, leader, org_staff):
    assert access.describe_scope(town_staff) == "三星堆镇所辖村（社区）"
    assert access.describe_scope(dept_staff) == "农业帮扶的村和本部门数据"
    assert access.describe_scope(leader) == "全市数据（只读）"
    assert access.describe_scope(org_staff) == "全市数据"


def test_register_village_scope_adds_a_provider_once(monkeypatch):
    monkeypatch.setitem(access._village_scopes, Role.LIAISON, [])

    def provider(user):
        return Village.objects.none()

    access.register_village_scope(Role.LIAISON, provider)
    access.register_village_scope(Role.LIAISON, provider)
    assert access._village_scopes[Role.LIAISON] == [provider]


def test_departments_are_not_scoped_by_village(dept_staff, department):
    assert access.scope(dept_staff, Department.objects.all(), village=None, department="").get() == department
