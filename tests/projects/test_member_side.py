from datetime import date

import pytest
from django.urls import reverse

from guanghan.models import Industry
from projects.models import Enrollment, HouseholdPairing
from tests.factories import CadreFactory, MemberFactory, ProjectFactory, VillageFactory, add_to_list


@pytest.fixture
def planting():
    return Industry.objects.get_or_create(code="planting", defaults={"name": "种植"})[0]


@pytest.fixture
def around(village, planting, project):
    """`project` (种植, 三星村) fits `member` by aspiration; another town's planting project does not count."""
    add_to_list(MemberFactory(village=village, name="不相干"), "aspiration_ids", planting)
    ProjectFactory(village=VillageFactory(), name="外乡镇种植项目", industry=planting)
    ProjectFactory(
        village=village,
        name="养殖项目",
        industry=Industry.objects.get_or_create(code="breeding", defaults={"name": "养殖"})[0],
    )
    return project


ROLES = {"org_staff": 200, "town_staff": 200, "liaison": 404, "dept_staff": 404, "leader": 200}


@pytest.mark.parametrize(("role", "status"), list(ROLES.items()))
def test_member_projects_page_follows_the_people_scope(request, client, member, role, status):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("projects:member-projects", args=[member.pk])).status_code == status


@pytest.mark.parametrize("role", list(ROLES))
def test_members_without_project_list_opens_for_every_role(request, client, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("projects:members-without-project")).status_code == 200


def test_a_member_sees_the_projects_of_the_town_that_fit(client, town_staff, member, planting, around):
    add_to_list(member, "aspiration_ids", planting)
    client.force_login(town_staff)
    names = [p.name for p in client.get(reverse("projects:member-projects", args=[member.pk])).context["projects"]]
    assert names == ["三星村韭黄种植基地"]
    Enrollment.objects.create(project=around, member=member, enrolled_on=date(2016, 3, 1))
    assert list(client.get(reverse("projects:member-projects", args=[member.pk])).context["projects"]) == []


def test_members_without_a_project_are_the_work_to_do(client, town_staff, member, village, project):
    enrolled = MemberFactory(village=village, name="已纳入")
    Enrollment.objects.create(project=project, member=enrolled, enrolled_on=date(2016, 3, 1))
    client.force_login(town_staff)
    names = [m.name for m in client.get(reverse("projects:members-without-project")).context["page"]]
    assert names == ["张德福"]
    worklists = {w["title"]: w["count"] for w in client.get(reverse("home")).context["worklists"]}
    assert worklists["未纳入项目的困难对象"] == 1


def test_the_member_page_shows_its_projects_and_cadres(client, town_staff, member, project, department):
    Enrollment.objects.create(project=project, member=member, enrolled_on=date(2016, 3, 1), role="leader")
    HouseholdPairing.objects.create(
        cadre=CadreFactory(department=department, name="赵刚"), member=member, started_on=date(2015, 4, 1)
    )
    client.force_login(town_staff)
    html = client.get(reverse("members:member-detail", args=[member.pk])).content.decode()
    assert "三星村韭黄种植基地" in html
    assert "带头人" in html
    assert "赵刚（农业）" in html


def test_project_and_member_pages_show_trainings_and_advice(client, org_staff, member, project, department):
    from guanghan.models import Skill
    from projects.models import Attendance, Consultation, Training

    skill = Skill.objects.first()
    training = Training.objects.create(
        kind="class", title="韭黄栽培技术培训班", held_on=date(2016, 3, 5), project=project
    )
    training.skills.add(skill)
    Attendance.objects.create(training=training, member=member, passed=True)
    Consultation.objects.create(
        project=project,
        department=department,
        kind="technology",
        stage="during",
        consulted_on=date(2016, 4, 1),
        advice="建议分批采收，错开上市时间",
    )
    client.force_login(org_staff)
    html = client.get(reverse("projects:project-detail", args=[project.pk])).content.decode()
    assert "韭黄栽培技术培训班" in html
    assert "1 人参加" in html
    assert "建议分批采收" in html
    html = client.get(reverse("members:member-detail", args=[member.pk])).content.decode()
    assert "韭黄栽培技术培训班" in html
    assert f'{skill.name} <span class="badge text-bg-success">已掌握</span>' in html
