import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from guanghan.models import Industry, Skill
from projects import services
from projects.models import Enrollment, HouseholdPairing, Project
from tests.factories import CadreFactory, MemberFactory, ProjectFactory, VillageFactory, add_to_list

ROLES = ["org_staff", "town_staff", "liaison", "dept_staff", "leader"]
# town_staff works in `village`'s town; dept_staff's department helps `village` (the `paired` fixture).
MATRIX = {
    "list": (
        "projects:project-list",
        None,
        dict(org_staff=200, town_staff=200, liaison=200, dept_staff=200, leader=200),
    ),
    "create": (
        "projects:project-create",
        None,
        dict(org_staff=200, town_staff=200, liaison=403, dept_staff=200, leader=403),
    ),
    "detail": (
        "projects:project-detail",
        "project",
        dict(org_staff=200, town_staff=200, liaison=404, dept_staff=200, leader=200),
    ),
    "other-detail": (
        "projects:project-detail",
        "other_project",
        dict(org_staff=200, town_staff=404, liaison=404, dept_staff=404, leader=200),
    ),
    "move": (
        "projects:project-move",
        "project",
        dict(org_staff=200, town_staff=200, liaison=403, dept_staff=200, leader=403),
    ),
    "other-move": (
        "projects:project-move",
        "other_project",
        dict(org_staff=200, town_staff=404, liaison=403, dept_staff=404, leader=403),
    ),
}


def _url(request, name, obj):
    return reverse(name) if obj is None else reverse(name, args=[request.getfixturevalue(obj).pk])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", list(MATRIX))
def test_each_role_gets_the_declared_answer(request, client, paired, project, other_project, role, page):
    name, obj, expected = MATRIX[page]
    client.force_login(request.getfixturevalue(role))
    assert client.get(_url(request, name, obj)).status_code == expected[role]


@pytest.mark.parametrize(
    ("role", "status"),
    [("org_staff", 200), ("town_staff", 200), ("liaison", 404), ("dept_staff", 200), ("leader", 200)],
)
def test_the_compare_page_follows_the_village_scope(request, client, paired, project, role, status):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("projects:village-compare", args=[project.village_id, 2016])).status_code == status


@pytest.mark.parametrize(("role", "status"), [("liaison", 403), ("leader", 403), ("other_town_staff", 404)])
def test_selecting_and_enrolling_are_refused_beyond_role_or_scope(request, client, project, member, role, status):
    client.force_login(request.getfixturevalue(role))
    assert client.post(reverse("projects:project-select", args=[project.pk])).status_code == status
    assert (
        client.post(reverse("projects:project-enroll", args=[project.pk]), {"member": member.pk}).status_code == status
    )
    project.refresh_from_db()
    assert not project.is_key
    assert not Enrollment.objects.exists()


def test_anonymous_users_are_sent_to_login(client, project):
    response = client.get(reverse("projects:project-detail", args=[project.pk]))
    assert response.url.startswith(reverse("login"))


# The key-project limit --------------------------------------------------------------------------------------------


def test_a_village_selects_at_most_two_key_projects(client, town_staff, village):
    first, second, third = (ProjectFactory(village=village, name=n) for n in ("甲", "乙", "丙"))
    client.force_login(town_staff)
    for p in (first, second):
        client.post(reverse("projects:project-select", args=[p.pk]))
    response = client.post(reverse("projects:project-select", args=[third.pk]), follow=True)
    assert "已有两个重点培植项目（甲、乙），每村每年最多两个" in response.content.decode()
    assert list(Project.objects.filter(is_key=True).order_by("name").values_list("name", flat=True)) == ["乙", "甲"]
    third.refresh_from_db()
    assert (third.is_key, third.status) == (False, "recommended")


def test_another_year_has_its_own_two_slots(village):
    for name in ("甲", "乙"):
        services.project_select(project=ProjectFactory(village=village, name=name, year=2015))
    services.project_select(project=ProjectFactory(village=village, name="丙", year=2016))
    assert Project.objects.filter(year=2016, is_key=True).count() == 1


def test_dropping_a_key_project_frees_its_slot(village):
    first, second, third = (ProjectFactory(village=village, name=n) for n in ("甲", "乙", "丙"))
    services.project_select(project=first)
    services.project_select(project=second)
    services.project_move(project=first, to_status="dropped", on=date(2016, 5, 1), reason="市场变化")
    services.project_select(project=third)
    assert set(Project.objects.filter(is_key=True).values_list("name", flat=True)) == {"乙", "丙"}


def test_the_database_refuses_a_third_key_project(village):
    for slot, name in ((1, "甲"), (2, "乙")):
        ProjectFactory(village=village, name=name, is_key=True, key_slot=slot)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectFactory(village=village, name="丙", is_key=True, key_slot=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectFactory(village=village, name="丁", is_key=True, key_slot=3)


@pytest.mark.django_db(transaction=True)
def test_concurrent_selections_still_give_at_most_two(village):
    projects = [ProjectFactory(village=village, name=n) for n in ("甲", "乙", "丙", "丁")]
    barrier = threading.Barrier(len(projects))
    outcomes = []

    def select(project):
        try:
            barrier.wait()
            services.project_select(project=project)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=select, args=(p,)) for p in projects]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "ok", "refused", "refused"]
    assert Project.objects.filter(is_key=True).count() == 2


# Suggestions and enrollment ---------------------------------------------------------------------------------------


@pytest.fixture
def fitting_people(village, project):
    """People around project (种植 in 三星村): ranked village first, aspiration, then matching skills."""
    planting = project.industry
    rice = Skill.objects.filter(industry=planting).first() or Skill.objects.create(
        code="rice_t", name="水稻T", industry=planting
    )
    other_industry = Industry.objects.get_or_create(code="rural_tourism", defaults={"name": "乡村旅游"})[0]
    same_town = VillageFactory(town=village.town, name="真武村")
    people = {
        "village_aspires_skilled": MemberFactory(village=village, name="甲"),
        "village_aspires": MemberFactory(village=village, name="乙"),
        "village_skilled": MemberFactory(village=village, name="丙"),
        "town_aspires": MemberFactory(village=same_town, name="丁"),
        "unfit": MemberFactory(village=village, name="戊"),
        "other_town": MemberFactory(name="己"),
    }
    for key in ("village_aspires_skilled", "village_aspires", "town_aspires", "other_town"):
        add_to_list(people[key], "aspiration_ids", planting)
    for key in ("village_aspires_skilled", "village_skilled"):
        add_to_list(people[key], "skill_ids", rice)
    add_to_list(people["unfit"], "aspiration_ids", other_industry)
    return people


def test_suggestions_rank_village_then_aspiration_then_skills(project, fitting_people):
    assert [m.name for m in services.suggestions(project)] == ["甲", "乙", "丙", "丁"]


def test_enrolled_members_leave_the_suggestions_and_enroll_only_once(client, town_staff, project, fitting_people):
    client.force_login(town_staff)
    url = reverse("projects:project-enroll", args=[project.pk])
    data = {"member": fitting_people["village_aspires"].pk, "role": "participant", "enrolled_on": "2016-04-01"}
    client.post(url, data)
    response = client.post(url, data, follow=True)
    assert "乙 已纳入该项目" in response.content.decode()
    assert Enrollment.objects.count() == 1
    assert [m.name for m in services.suggestions(project)] == ["甲", "丙", "丁"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(
            project=project, member=fitting_people["village_aspires"], enrolled_on=date(2016, 5, 1)
        )


def test_the_detail_page_lists_suggestions_for_editors(client, town_staff, leader, project, fitting_people):
    client.force_login(town_staff)
    assert [m.name for m in client.get(reverse("projects:project-detail", args=[project.pk])).context["suggested"]] == [
        "甲",
        "乙",
        "丙",
        "丁",
    ]
    client.force_login(leader)
    assert client.get(reverse("projects:project-detail", args=[project.pk])).context["suggested"] == []


def test_the_compare_page_counts_members_who_fit(client, org_staff, project, fitting_people, village):
    ProjectFactory(
        village=village,
        name="三星村肉兔养殖",
        industry=Industry.objects.get_or_create(code="breeding", defaults={"name": "养殖"})[0],
    )
    client.force_login(org_staff)
    candidates = {
        p.name: p.fitting
        for p in client.get(reverse("projects:village-compare", args=[village.pk, 2016])).context["candidates"]
    }
    assert candidates == {"三星村韭黄种植基地": 3, "三星村肉兔养殖": 0}


# Forms --------------------------------------------------------------------------------------------------------------


def test_recommending_a_project_checks_its_fields(client, town_staff, village, other_village):
    from tests.factories import PartyBranchFactory

    other_branch = PartyBranchFactory(village=other_village)
    client.force_login(town_staff)
    data = {
        "village": village.pk,
        "year": 2016,
        "name": "三星村大蒜基地",
        "industry": Industry.objects.get_or_create(code="planting", defaults={"name": "种植"})[0].pk,
        "maturity": 6,
        "expected_benefit": "-1",
        "branch": other_branch.pk,
    }
    response = client.post(reverse("projects:project-create"), data)
    errors = response.context["form"].errors
    assert errors["maturity"] == ["成熟度为 1 到 5 的整数。"]
    assert errors["expected_benefit"] == ["预期年增收不能为负数。"]
    assert "branch" in errors
    data.update(maturity=4, expected_benefit="12.5", branch="")
    response = client.post(reverse("projects:project-create"), data)
    assert response.url == reverse("projects:village-compare", args=[village.pk, 2016])
    assert Project.objects.get(name="三星村大蒜基地").recommended_by == town_staff


def test_dropping_needs_a_reason(client, org_staff, project):
    client.force_login(org_staff)
    response = client.post(
        reverse("projects:project-move", args=[project.pk]), {"to_status": "dropped", "on": "2016-05-01"}
    )
    assert response.context["form"].errors["reason"] == ["终止项目请写明原因。"]
    client.post(
        reverse("projects:project-move", args=[project.pk]),
        {"to_status": "dropped", "on": "2016-05-01", "reason": "缺水"},
    )
    project.refresh_from_db()
    assert (project.status, project.drop_reason) == ("dropped", "缺水")


@pytest.mark.parametrize("rows", [3, 40])
def test_the_list_makes_the_same_queries_whatever_the_rows(
    client, org_staff, village, rows, django_assert_max_num_queries
):
    for n in range(rows):
        ProjectFactory(village=village, name=f"项目{n}")
    client.force_login(org_staff)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("projects:project-list")).status_code == 200


# The scope pairs give ------------------------------------------------------------------------------------------------


def test_department_staff_see_the_villages_and_households_they_are_paired_with(
    client, dept_staff, department, paired, member, other_village
):
    other = MemberFactory(village=other_village, name="李秀英")
    HouseholdPairing.objects.create(cadre=CadreFactory(department=department), member=other, started_on="2016-03-01")
    client.force_login(dept_staff)
    names = sorted(m.name for m in client.get(reverse("members:member-list")).context["page"])
    assert names == ["李秀英"]  # the household its cadre helps, not the whole paired village
    villages = [v.name for v in client.get(reverse("guanghan:village-list")).context["page"]]
    assert villages == ["三星村"]


def test_a_member_has_one_active_household_pair(member, department):
    HouseholdPairing.objects.create(cadre=CadreFactory(department=department), member=member, started_on="2016-03-01")
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdPairing.objects.create(
            cadre=CadreFactory(department=department), member=member, started_on="2016-04-01"
        )
