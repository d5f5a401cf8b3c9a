from datetime import date, timedelta

import factory
import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from guanghan.access import Role
from projects.models import ADVISORY_ONLY, Consultation
from tests.factories import DepartmentFactory, ProjectFactory, UserFactory

# Mounts projects.training_views the way projects/urls.py does (see test_trainings).

ROLES = ["org_staff", "town_staff", "liaison", "dept_staff", "leader"]


class ConsultationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "projects.Consultation"

    kind = Consultation.Kind.TECHNOLOGY
    stage = Consultation.Stage.DURING
    consulted_on = date(2016, 5, 10)
    advice = "进入关键管护期，建议统一开展病虫害防治。"


@pytest.fixture
def consultation(project, department):
    """农业 (dept_staff's department) advises 三星村韭黄种植基地."""
    return ConsultationFactory(project=project, department=department)


@pytest.fixture
def other_consultation(other_project, other_department):
    """水利 advises 金光村生猪养殖, outside dept_staff's and town_staff's scope."""
    return ConsultationFactory(project=other_project, department=other_department, kind=Consultation.Kind.POLICY)


@pytest.fixture
def neighbour_consultation(project, other_department):
    """水利 advises a project of the village 农业 helps: 农业 may read it but not follow it up."""
    return ConsultationFactory(project=project, department=other_department, stage=Consultation.Stage.PRE)


# Who may open what -------------------------------------------------------------------------------------------------

# town_staff works in `project`'s town; dept_staff (农业, advisory) helps `project`'s village (the `paired` fixture).
MATRIX = {
    "list": (
        "projects:consultation-list",
        None,
        dict(org_staff=200, town_staff=200, liaison=200, dept_staff=200, leader=200),
    ),
    "create": (
        "projects:consultation-create",
        "project",
        dict(org_staff=200, town_staff=403, liaison=403, dept_staff=200, leader=403),
    ),
    "other-create": (
        "projects:consultation-create",
        "other_project",
        dict(org_staff=200, town_staff=403, liaison=403, dept_staff=404, leader=403),
    ),
    "follow-up": (
        "projects:consultation-follow-up",
        "consultation",
        dict(org_staff=200, town_staff=403, liaison=403, dept_staff=200, leader=403),
    ),
    "other-follow-up": (
        "projects:consultation-follow-up",
        "other_consultation",
        dict(org_staff=200, town_staff=403, liaison=403, dept_staff=404, leader=403),
    ),
    "neighbour-follow-up": (
        "projects:consultation-follow-up",
        "neighbour_consultation",
        dict(org_staff=200, town_staff=403, liaison=403, dept_staff=403, leader=403),
    ),
}


def _url(request, name, obj):
    return reverse(name) if obj is None else reverse(name, args=[request.getfixturevalue(obj).pk])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", list(MATRIX))
def test_each_role_gets_the_declared_answer(
    request, client, paired, consultation, other_consultation, neighbour_consultation, role, page
):
    name, obj, expected = MATRIX[page]
    client.force_login(request.getfixturevalue(role))
    assert client.get(_url(request, name, obj)).status_code == expected[role]


@pytest.mark.parametrize("page", list(MATRIX))
def test_anonymous_users_are_sent_to_login(request, client, consultation, other_consultation, page):
    name, obj, _ = MATRIX[page]
    response = client.get(_url(request, name, obj))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_wrong_methods_are_refused(client, org_staff, project, consultation):
    client.force_login(org_staff)
    assert client.post(reverse("projects:consultation-list")).status_code == 405
    assert client.delete(reverse("projects:consultation-create", args=[project.pk])).status_code == 405
    assert client.put(reverse("projects:consultation-follow-up", args=[consultation.pk])).status_code == 405


@pytest.mark.parametrize(("role", "status"), [("leader", 403), ("town_staff", 403), ("other_town_staff", 403)])
def test_writes_beyond_the_role_change_nothing(request, client, project, consultation, role, status):
    client.force_login(request.getfixturevalue(role))
    data = {"kind": "market", "stage": "pre", "consulted_on": "2016-05-01", "advice": "x", "department": 1}
    assert client.post(reverse("projects:consultation-create", args=[project.pk]), data).status_code == status
    follow = {"follow_up": "已落实", "followed_up_on": "2016-06-01"}
    assert client.post(reverse("projects:consultation-follow-up", args=[consultation.pk]), follow).status_code == status
    consultation.refresh_from_db()
    assert (Consultation.objects.count(), consultation.follow_up) == (1, "")


# The list and its scope -------------------------------------------------------------------------------------------


def _listed(client, **query):
    return sorted(
        (c.project.name, c.department.short_name)
        for c in client.get(reverse("projects:consultation-list"), query).context["page"]
    )


@pytest.fixture
def department_elsewhere(department, other_village):
    """农业 also advised a project in a village it does not help: its own consultation, so it sees it."""
    return ConsultationFactory(
        project=ProjectFactory(village=other_village, name="金光村蔬菜基地"), department=department
    )


HERE = [("三星村韭黄种植基地", "农业"), ("三星村韭黄种植基地", "水利")]
THERE = [("金光村生猪养殖", "水利"), ("金光村蔬菜基地", "农业")]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("org_staff", sorted(HERE + THERE)),
        ("leader", sorted(HERE + THERE)),
        ("town_staff", HERE),
        ("other_town_staff", THERE),
        ("dept_staff", [*HERE, ("金光村蔬菜基地", "农业")]),  # its villages' projects, and its own advice anywhere
        ("liaison", []),
    ],
)
def test_each_role_sees_the_consultations_in_its_scope(
    request,
    client,
    paired,
    consultation,
    other_consultation,
    neighbour_consultation,
    department_elsewhere,
    role,
    expected,
):
    client.force_login(request.getfixturevalue(role))
    assert _listed(client) == expected


def test_the_list_filters_by_town_department_kind_stage_and_follow_up(
    client, org_staff, town, other_department, consultation, other_consultation, neighbour_consultation
):
    consultation.follow_up, consultation.followed_up_on = "已落实", date(2016, 6, 1)
    consultation.save()
    client.force_login(org_staff)
    assert _listed(client, town=town.pk) == [("三星村韭黄种植基地", "农业"), ("三星村韭黄种植基地", "水利")]
    assert _listed(client, department=other_department.pk) == [
        ("三星村韭黄种植基地", "水利"),
        ("金光村生猪养殖", "水利"),
    ]
    assert _listed(client, kind="policy") == [("金光村生猪养殖", "水利")]
    assert _listed(client, stage="pre") == [("三星村韭黄种植基地", "水利")]
    assert _listed(client, follow="done") == [("三星村韭黄种植基地", "农业")]
    assert len(_listed(client, follow="pending")) == 2


def test_a_projects_consultations_offer_the_form_to_advisers_only(client, dept_staff, leader, paired, project):
    url = f"{reverse('projects:consultation-list')}?project={project.pk}"
    client.force_login(dept_staff)
    response = client.get(url)
    assert response.context["project"] == project
    assert reverse("projects:consultation-create", args=[project.pk]) in response.content.decode()
    client.force_login(leader)
    assert reverse("projects:consultation-create", args=[project.pk]) not in client.get(url).content.decode()


def test_follow_up_buttons_show_for_the_advising_department_only(
    client, dept_staff, paired, consultation, neighbour_consultation
):
    client.force_login(dept_staff)
    rows = {
        c.department.short_name: c.can_follow_up
        for c in client.get(reverse("projects:consultation-list")).context["page"]
    }
    assert rows == {"农业": True, "水利": False}


@pytest.mark.parametrize("rows", [3, 40])
def test_the_list_makes_the_same_queries_whatever_the_rows(
    client, dept_staff, paired, project, department, rows, django_assert_max_num_queries
):
    for n in range(rows):
        ConsultationFactory(project=project, department=department, consulted_on=date(2016, 1, 1) + timedelta(days=n))
    client.force_login(dept_staff)
    with django_assert_max_num_queries(12):
        assert len(client.get(reverse("projects:consultation-list")).context["page"]) == rows


# Recording advice -------------------------------------------------------------------------------------------------

ADVICE = {"kind": "technology", "stage": "during", "consulted_on": "2016-05-20", "advice": "韭黄软化期注意控温控湿。"}


def test_department_staff_record_advice_in_their_departments_name(
    client, dept_staff, department, other_department, paired, project
):
    client.force_login(dept_staff)
    url = reverse("projects:consultation-create", args=[project.pk])
    response = client.post(url, {**ADVICE, "department": other_department.pk}, follow=True)
    assert response.redirect_chain[-1][0] == f"{reverse('projects:consultation-list')}?project={project.pk}"
    assert "已记录农业对“三星村韭黄种植基地”的产中技术咨询意见" in response.content.decode()
    saved = Consultation.objects.get()
    assert (saved.department, saved.project, saved.by, saved.kind, saved.stage) == (
        department,
        project,
        dept_staff,
        "technology",
        "during",
    )


def test_only_advisory_departments_give_advice(client, org_staff, project):
    education = DepartmentFactory(name="广汉市教育局", short_name="教育", is_advisory=False)
    client.force_login(org_staff)
    response = client.post(
        reverse("projects:consultation-create", args=[project.pk]), {**ADVICE, "department": education.pk}
    )
    assert response.context["form"].errors["department"] == [ADVISORY_ONLY]
    assert not Consultation.objects.exists()


def test_staff_of_a_department_outside_the_advisory_group_cannot_record_advice(client, project):
    education = DepartmentFactory(name="广汉市教育局", short_name="教育", is_advisory=False)
    user = UserFactory(department=education, role=Role.DEPT_STAFF)
    project.department = education
    project.save()
    client.force_login(user)
    assert client.get(reverse("projects:consultation-create", args=[project.pk])).status_code == 403


def test_the_model_refuses_a_department_outside_the_advisory_group(project):
    from django.core.exceptions import ValidationError

    education = DepartmentFactory(name="广汉市教育局", short_name="教育", is_advisory=False)
    with pytest.raises(ValidationError) as caught:
        Consultation(
            project=project, department=education, **{**ADVICE, "consulted_on": date(2016, 5, 20)}
        ).full_clean()
    assert caught.value.message_dict["department"] == [ADVISORY_ONLY]


def test_advice_needs_a_kind_a_stage_and_a_past_date(client, org_staff, department, project):
    client.force_login(org_staff)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(
        reverse("projects:consultation-create", args=[project.pk]),
        {"department": department.pk, "consulted_on": tomorrow.isoformat(), "advice": ""},
    )
    errors = response.context["form"].errors
    assert errors["kind"] == ["请选择信息类别（市场、技术或政策）。"]
    assert errors["stage"] == ["请选择环节（产前、产中或产后）。"]
    assert errors["consulted_on"] == ["咨询日期不能晚于今天。"]
    assert errors["advice"] == ["请填写咨询意见。"]


# Following up -------------------------------------------------------------------------------------------------------


def test_the_advising_department_records_the_follow_up(client, dept_staff, paired, consultation):
    client.force_login(dept_staff)
    url = reverse("projects:consultation-follow-up", args=[consultation.pk])
    response = client.post(
        url, {"follow_up": "已组织统一防治，长势良好。", "followed_up_on": "2016-06-02"}, follow=True
    )
    assert "已记录“三星村韭黄种植基地”咨询意见的跟踪落实情况" in response.content.decode()
    consultation.refresh_from_db()
    assert (consultation.follow_up, consultation.followed_up_on) == ("已组织统一防治，长势良好。", date(2016, 6, 2))
    assert "已组织统一防治，长势良好。" in response.content.decode()


def test_a_follow_up_needs_text_and_a_date_after_the_advice(client, org_staff, consultation):
    client.force_login(org_staff)
    url = reverse("projects:consultation-follow-up", args=[consultation.pk])
    errors = client.post(url, {"follow_up": "", "followed_up_on": ""}).context["form"].errors
    assert errors == {"follow_up": ["请填写跟踪落实情况。"], "followed_up_on": ["请填写跟踪日期。"]}
    errors = client.post(url, {"follow_up": "已落实", "followed_up_on": "2016-05-01"}).context["form"].errors
    assert errors["followed_up_on"] == ["跟踪日期不能早于咨询日期（2016-05-10）。"]
    consultation.refresh_from_db()
    assert consultation.followed_up_on is None


def test_the_database_keeps_follow_ups_dated_and_after_the_advice(consultation):
    for follow_up, on in [("已落实", None), ("", date(2016, 6, 1)), ("已落实", date(2016, 5, 1))]:
        consultation.follow_up, consultation.followed_up_on = follow_up, on
        with pytest.raises(IntegrityError), transaction.atomic():
            consultation.save()
