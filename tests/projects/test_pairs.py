from datetime import date, timedelta

import pytest
from django.urls import reverse

from projects.models import HouseholdContact, HouseholdPairing, VillagePairing
from tests.factories import CadreFactory, MemberFactory

TODAY = date.today()


@pytest.fixture
def cadre(department):
    return CadreFactory(department=department, name="赵刚")


@pytest.fixture
def other_cadre(other_department):
    return CadreFactory(department=other_department, name="钱进")


@pytest.fixture
def pairing(cadre, member):
    return HouseholdPairing.objects.create(cadre=cadre, member=member, started_on=TODAY - timedelta(days=200))


@pytest.fixture
def other_pairing(other_cadre, other_village):
    other = MemberFactory(village=other_village, name="李秀英")
    return HouseholdPairing.objects.create(cadre=other_cadre, member=other, started_on=TODAY - timedelta(days=10))


ROLES = ["org_staff", "town_staff", "liaison", "dept_staff", "leader"]
MATRIX = {
    "village-pairings": (
        "projects:village-pairing-list",
        None,
        dict(org_staff=200, town_staff=200, liaison=200, dept_staff=200, leader=200),
    ),
    "village-pairing-new": (
        "projects:village-pairing-create",
        None,
        dict(org_staff=200, town_staff=403, liaison=403, dept_staff=403, leader=403),
    ),
    "household-pairings": (
        "projects:household-pairing-list",
        None,
        dict(org_staff=200, town_staff=200, liaison=200, dept_staff=200, leader=200),
    ),
    "unpaired": (
        "projects:unpaired-members",
        None,
        dict(org_staff=200, town_staff=200, liaison=200, dept_staff=200, leader=200),
    ),
    "pair-new": (
        "projects:household-pair-create",
        "member",
        dict(org_staff=200, town_staff=403, liaison=403, dept_staff=200, leader=403),
    ),
    "hand-over": (
        "projects:household-hand-over",
        "pairing",
        dict(org_staff=200, town_staff=403, liaison=403, dept_staff=200, leader=403),
    ),
    "other-hand-over": (
        "projects:household-hand-over",
        "other_pairing",
        dict(org_staff=200, town_staff=403, liaison=403, dept_staff=404, leader=403),
    ),
    "contact": (
        "projects:household-contact",
        "pairing",
        dict(org_staff=200, town_staff=403, liaison=403, dept_staff=200, leader=403),
    ),
    "other-contact": (
        "projects:household-contact",
        "other_pairing",
        dict(org_staff=200, town_staff=403, liaison=403, dept_staff=404, leader=403),
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", list(MATRIX))
def test_each_role_gets_the_declared_answer(request, client, paired, pairing, other_pairing, role, page):
    name, obj, expected = MATRIX[page]
    url = reverse(name) if obj is None else reverse(name, args=[request.getfixturevalue(obj).pk])
    client.force_login(request.getfixturevalue(role))
    assert client.get(url).status_code == expected[role]


def test_dept_staff_lists_its_own_cadres_pairs(client, dept_staff, pairing, other_pairing):
    client.force_login(dept_staff)
    rows = client.get(reverse("projects:household-pairing-list")).context["page"]
    assert [p.member.name for p in rows] == ["张德福"]


def test_a_hand_over_ends_the_pair_and_opens_a_new_one(client, dept_staff, department, pairing, member):
    colleague = CadreFactory(department=department, name="孙丽")
    client.force_login(dept_staff)
    url = reverse("projects:household-hand-over", args=[pairing.pk])
    response = client.post(url, {"cadre": colleague.pk, "started_on": TODAY.isoformat(), "reason": "工作调动"})
    assert response.status_code == 302
    pairing.refresh_from_db()
    assert (pairing.ended_on, pairing.end_reason) == (TODAY, "工作调动")
    active = HouseholdPairing.objects.get(member=member, ended_on__isnull=True)
    assert active.cadre == colleague
    assert HouseholdPairing.objects.filter(member=member).count() == 2


def test_a_department_cannot_hand_over_to_another_departments_cadre(client, dept_staff, pairing, other_cadre):
    client.force_login(dept_staff)
    url = reverse("projects:household-hand-over", args=[pairing.pk])
    response = client.post(url, {"cadre": other_cadre.pk, "started_on": TODAY.isoformat(), "reason": "调动"})
    assert response.context["form"].errors["cadre"] == ["请从列表中选择本部门在职干部。"]
    assert HouseholdPairing.objects.get(pk=pairing.pk).ended_on is None


def test_pairing_a_member_who_already_has_a_cadre_is_refused(client, org_staff, pairing, member, other_cadre):
    client.force_login(org_staff)
    url = reverse("projects:household-pair-create", args=[member.pk])
    response = client.post(url, {"cadre": other_cadre.pk, "started_on": TODAY.isoformat()})
    assert "已有结对帮扶干部" in response.content.decode()
    assert HouseholdPairing.objects.filter(member=member).count() == 1


def test_contacts_are_logged_and_clear_the_overdue_flag(client, dept_staff, pairing):
    client.force_login(dept_staff)
    overdue = client.get(reverse("projects:household-pairing-list"), {"overdue": 1}).context["page"]
    assert [p.pk for p in overdue] == [pairing.pk]
    url = reverse("projects:household-contact", args=[pairing.pk])
    response = client.post(url, {"contacted_on": TODAY.isoformat(), "kind": "phone", "summary": ""})
    assert response.context["form"].errors["summary"] == ["请写明这次联系做了什么。"]
    client.post(url, {"contacted_on": TODAY.isoformat(), "kind": "phone", "summary": "电话询问近况"})
    assert HouseholdContact.objects.get().by == dept_staff
    assert list(client.get(reverse("projects:household-pairing-list"), {"overdue": 1}).context["page"]) == []


def test_a_contact_cannot_be_dated_in_the_future_or_before_the_pair(client, org_staff, pairing):
    client.force_login(org_staff)
    url = reverse("projects:household-contact", args=[pairing.pk])
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    assert "不能晚于今天" in str(
        client.post(url, {"contacted_on": tomorrow, "kind": "visit", "summary": "x"}).content.decode()
    )
    early = (pairing.started_on - timedelta(days=1)).isoformat()
    assert (
        "不能早于结对日期"
        in client.post(url, {"contacted_on": early, "kind": "visit", "summary": "x"}).content.decode()
    )


def test_unpaired_members_are_the_work_to_do(client, town_staff, member, village):
    MemberFactory(village=village, name="已脱贫者", status="lifted")
    client.force_login(town_staff)
    assert [m.name for m in client.get(reverse("projects:unpaired-members")).context["page"]] == ["张德福"]
    home = client.get(reverse("home")).context["worklists"]
    assert {"title": "未结对的困难对象", "url": reverse("projects:unpaired-members"), "count": 1} in home


def test_department_home_shows_overdue_contacts(client, dept_staff, pairing):
    client.force_login(dept_staff)
    worklists = client.get(reverse("home")).context["worklists"]
    assert {
        "title": "超过两个月未联系的帮扶对象",
        "url": reverse("projects:household-pairing-list") + "?overdue=1",
        "count": 1,
    } in worklists


def test_org_staff_pairs_a_department_with_a_village(client, org_staff, department, other_village):
    client.force_login(org_staff)
    data = {"department": department.pk, "village": other_village.pk, "year": 2016, "started_on": "2016-03-01"}
    assert client.post(reverse("projects:village-pairing-create"), data).status_code == 302
    response = client.post(reverse("projects:village-pairing-create"), data)
    assert "该部门本年度已与这个村结对" in response.content.decode()
    assert VillagePairing.objects.count() == 1


@pytest.mark.parametrize("rows", [3, 40])
def test_pair_lists_make_the_same_queries_whatever_the_rows(
    client, org_staff, cadre, village, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        HouseholdPairing.objects.create(cadre=cadre, member=MemberFactory(village=village), started_on=TODAY)
    client.force_login(org_staff)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("projects:household-pairing-list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("projects:unpaired-members")).status_code == 200


def test_pairs_and_projects_export_to_excel(client, org_staff, pairing, project):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(org_staff)
    response = client.get(reverse("projects:household-pairing-list"), {"format": "xlsx"})
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("帮扶干部", "部门", "帮扶对象")
    assert rows[1][:3] == ("赵刚", "农业", "张德福")
    response = client.get(reverse("projects:project-list"), {"format": "xlsx"})
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][3] == "三星村韭黄种植基地"
    assert rows[1][10] == 10


def test_pairs_of_other_departments_in_a_paired_village_are_read_only(client, dept_staff, paired, village, other_cadre):
    theirs = HouseholdPairing.objects.create(cadre=other_cadre, member=MemberFactory(village=village), started_on=TODAY)
    client.force_login(dept_staff)
    html = client.get(reverse("projects:household-pairing-list")).content.decode()
    assert reverse("projects:household-contact", args=[theirs.pk]) not in html
    assert client.get(reverse("projects:household-contact", args=[theirs.pk])).status_code == 404
