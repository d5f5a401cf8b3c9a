"""The liaison officers' pages: who sees which officers, the list's figures and filters, choosing an officer, sending
one to a village and ending the assignment."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from supervision.models import Assignment, LiaisonOfficer, villages_of
from tests.factories import CadreFactory, UserFactory, VillageFactory
from tests.supervision.overview_fixtures import *  # noqa: F403
from tests.supervision.overview_fixtures import ON, make_officer, make_visit

ROLES = ["org_staff", "town_staff", "other_town_staff", "liaison", "dept_staff", "leader", "no_role_user"]


def status(client, user, url, method="get", data=None):
    client.force_login(user)
    return getattr(client, method)(url, data or {}).status_code


def expectations(officer, other_officer):
    assignment = officer.assignments.get()
    every = dict.fromkeys(ROLES, 200) | {"no_role_user": 403}
    staff_only = dict.fromkeys(ROLES, 403) | {"org_staff": 200}
    r = reverse
    return [
        (r("supervision:officer-list"), "get", every),
        (r("supervision:officer-detail", args=[officer.pk]), "get", every | {"other_town_staff": 404}),
        (
            r("supervision:officer-detail", args=[other_officer.pk]),
            "get",
            every | {"town_staff": 404, "liaison": 404, "dept_staff": 404},
        ),
        (r("supervision:officer-detail", args=[999999]), "get", every | dict.fromkeys(ROLES[:-1], 404)),
        (r("supervision:officer-create"), "get", staff_only),
        (r("supervision:assignment-create", args=[officer.pk]), "get", staff_only),
        (r("supervision:assignment-create", args=[999999]), "get", staff_only | {"org_staff": 404}),
        (r("supervision:assignment-end", args=[assignment.pk]), "get", dict.fromkeys(ROLES, 405)),
        (r("supervision:officer-list"), "post", dict.fromkeys(ROLES, 405)),
        (r("supervision:officer-detail", args=[officer.pk]), "post", dict.fromkeys(ROLES, 405)),
        (r("supervision:assignment-end", args=[999999]), "post", staff_only | {"org_staff": 404}),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_declared_answer_on_every_officer_page(
    client, request, role, officer, other_officer, paired
):
    user = request.getfixturevalue(role)
    table = expectations(officer, other_officer)
    answers = [status(client, user, url, method) for url, method, _ in table]
    assert answers == [expected[role] for _, _, expected in table]


@pytest.mark.parametrize("role", ["town_staff", "liaison", "dept_staff", "leader"])
def test_only_organisation_staff_may_end_an_assignment(client, request, role, officer, paired):
    assignment = officer.assignments.get()
    response = status(
        client, request.getfixturevalue(role), reverse("supervision:assignment-end", args=[assignment.pk]), "post"
    )
    assert response == 403
    assignment.refresh_from_db()
    assert assignment.ended_on is None


def test_a_leader_cannot_send_an_officer_to_a_village(client, leader, officer, other_village):
    client.force_login(leader)
    url = reverse("supervision:assignment-create", args=[officer.pk])
    response = client.post(url, {"village": other_village.pk, "started_on": "2016-04-01"})
    assert response.status_code == 403
    assert not officer.assignments.filter(village=other_village).exists()


def _listed(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("supervision:officer-list"), params)
    assert response.status_code == 200
    return [o.cadre.name for o in response.context["page"]]


def test_organisation_staff_and_leaders_see_every_officer(client, org_staff, leader, officer, other_officer):
    assert _listed(client, org_staff) == ["刘志强", "何丽"]
    assert _listed(client, leader) == ["刘志强", "何丽"]


def test_town_staff_see_only_the_officers_of_their_villages(
    client, town_staff, other_town_staff, officer, other_officer
):
    assert _listed(client, town_staff) == ["刘志强"]
    assert _listed(client, other_town_staff) == ["何丽"]


def test_a_liaison_officer_sees_the_officers_of_its_own_villages(client, liaison, officer, other_officer, village):
    make_officer(village, name="杨帆")
    assert _listed(client, liaison) == ["刘志强", "杨帆"]


def test_department_staff_see_the_officers_of_the_villages_they_help(
    client, dept_staff, officer, other_officer, paired
):
    assert _listed(client, dept_staff) == ["刘志强"]


def test_town_staff_still_find_an_officer_who_has_left_their_village(client, town_staff, officer, other_village):
    officer.assignments.update(ended_on=date(2016, 3, 31))
    Assignment.objects.create(officer=officer, village=other_village, started_on=date(2016, 4, 1))
    client.force_login(town_staff)
    response = client.get(reverse("supervision:officer-list"), {"on": "2016-06-30"})
    (row,) = response.context["page"]
    assert [a.village.name for a in row.current] == ["金光村"]
    assert client.get(reverse("supervision:officer-detail", args=[officer.pk])).status_code == 200


def test_the_list_shows_department_position_villages_and_recent_visits(client, org_staff, officer, village, recorder):
    officer.cadre.department.short_name = "交通"
    officer.cadre.department.save()
    for days in (0, 29, 30):  # within the last 30 days (the 30th day before is outside)
        make_visit(village, ON - timedelta(days=days), officer=officer, by=recorder)
    make_visit(village, ON + timedelta(days=1), officer=officer, by=recorder)  # after the day looked at
    client.force_login(org_staff)
    response = client.get(reverse("supervision:officer-list"), {"on": ON.isoformat()})
    (row,) = response.context["page"]
    assert row.recent_visits == 2
    assert row.last_visit == ON
    html = response.content.decode()
    for text in ("刘志强", "交通", "村党支部副书记", "三星堆镇 三星村", "2015-03-01", "2016-06-30"):
        assert text in html


def test_the_list_filters_by_town_village_and_name_or_department(
    client, org_staff, officer, other_officer, town, other_village
):
    other_officer.cadre.department.name = "广汉市水务局"
    other_officer.cadre.department.save()
    assert _listed(client, org_staff, town=town.pk) == ["刘志强"]
    assert _listed(client, org_staff, village=other_village.pk) == ["何丽"]
    assert _listed(client, org_staff, q="志强") == ["刘志强"]
    assert _listed(client, org_staff, q="水务") == ["何丽"]


def test_the_town_filter_offers_only_the_users_towns(client, town_staff, officer, other_town):
    client.force_login(town_staff)
    response = client.get(reverse("supervision:officer-list"), {"town": other_town.pk})
    assert "town" in response.context["form"].errors


@pytest.mark.parametrize("rows", [3, 30])
def test_the_officer_list_makes_the_same_queries_whatever_the_rows(
    client, org_staff, town, recorder, rows, django_assert_max_num_queries
):
    for n in range(rows):
        village = VillageFactory(town=town)
        officer = make_officer(village, name=f"联络员{n}")
        make_visit(village, ON, officer=officer, by=recorder)
        make_visit(village, ON - timedelta(days=3), officer=officer, by=recorder)
    client.force_login(org_staff)
    with django_assert_max_num_queries(13):
        assert client.get(reverse("supervision:officer-list"), {"on": ON.isoformat()}).status_code == 200


def test_the_detail_page_shows_assignment_history_and_recent_visits(client, org_staff, officer, village, recorder):
    visit = make_visit(village, ON, officer=officer, by=recorder)
    client.force_login(org_staff)
    response = client.get(reverse("supervision:officer-detail", args=[officer.pk]))
    html = response.content.decode()
    assert "三星堆镇 三星村" in html
    assert reverse("supervision:visit-detail", args=[visit.pk]) in html
    assert "结束挂职" in html
    assert "officer01" in html  # the login the officer uses


def test_town_staff_see_only_the_visits_in_their_villages_on_an_officer_page(
    client, town_staff, officer, village, other_village, recorder
):
    Assignment.objects.create(officer=officer, village=other_village, started_on=date(2016, 1, 1))
    make_visit(village, ON, officer=officer, by=recorder)
    make_visit(other_village, ON, officer=officer, by=recorder)
    client.force_login(town_staff)
    response = client.get(reverse("supervision:officer-detail", args=[officer.pk]))
    assert [v.village.name for v in response.context["visits"]] == ["三星村"]
    assert "结束挂职" not in response.content.decode()


# Choosing an officer ---------------------------------------------------------------------------------------------


def test_organisation_staff_choose_a_cadre_as_officer_and_send_them_to_a_village(client, org_staff, village):
    cadre = CadreFactory(name="王小川")
    client.force_login(org_staff)
    response = client.post(
        reverse("supervision:officer-create"),
        {"cadre": cadre.pk, "position": "村党支部副书记", "appointed_on": "2016-05-01", "village": village.pk},
        follow=True,
    )
    officer = LiaisonOfficer.objects.get(cadre=cadre)
    assert response.redirect_chain[-1][0] == reverse("supervision:officer-detail", args=[officer.pk])
    assert officer.appointed_on == date(2016, 5, 1)
    assert list(officer.assignments.values_list("village__name", "started_on")) == [("三星村", date(2016, 5, 1))]
    assert "已选派 王小川 为督查联络员，派驻三星堆镇三星村。" in response.content.decode()
    assert "尚无登录账号" in response.content.decode()


def test_a_cadre_who_is_already_an_officer_is_not_offered(client, org_staff, officer):
    client.force_login(org_staff)
    response = client.get(reverse("supervision:officer-create"))
    assert officer.cadre not in response.context["form"].fields["cadre"].queryset
    response = client.post(
        reverse("supervision:officer-create"), {"cadre": officer.cadre_id, "appointed_on": "2016-05-01"}
    )
    assert "请从列表中选择尚未担任联络员的在职干部。" in response.content.decode()
    assert LiaisonOfficer.objects.count() == 1


def test_choosing_an_officer_without_a_date_is_refused_in_chinese(client, org_staff):
    cadre = CadreFactory()
    client.force_login(org_staff)
    response = client.post(reverse("supervision:officer-create"), {"cadre": cadre.pk, "appointed_on": "30/06/2016"})
    assert "选派日期请按 2016-03-01 的格式填写。" in response.content.decode()
    assert not LiaisonOfficer.objects.exists()


def test_the_new_officers_login_gets_its_village_as_scope(client, org_staff, village):
    cadre = CadreFactory(name="王小川")
    user = UserFactory(username="officer09", role="liaison", cadre=cadre)
    client.force_login(org_staff)
    client.post(
        reverse("supervision:officer-create"),
        {"cadre": cadre.pk, "position": "村党支部副书记", "appointed_on": "2016-05-01", "village": village.pk},
    )
    assert list(villages_of(user)) == [village]


# Assignments -------------------------------------------------------------------------------------------------------


def _assign(client, officer, village, started_on="2016-04-01"):
    url = reverse("supervision:assignment-create", args=[officer.pk])
    return client.post(url, {"village": village.pk, "started_on": started_on}, follow=True)


def test_organisation_staff_send_an_officer_to_a_second_village(client, org_staff, officer, other_village, liaison):
    client.force_login(org_staff)
    response = _assign(client, officer, other_village)
    assert "已派驻 刘志强 到南兴镇金光村。" in response.content.decode()
    assert officer.assignments.filter(village=other_village, ended_on=None).exists()
    # The officer's scope follows: its login now sees the second village.
    assert set(villages_of(liaison).values_list("name", flat=True)) == {"三星村", "金光村"}


def test_a_second_open_assignment_to_the_same_village_is_refused(client, org_staff, officer, village):
    client.force_login(org_staff)
    response = _assign(client, officer, village)
    assert response.status_code == 200
    assert "刘志强 已派驻三星村且尚未结束，不能重复派驻。" in response.content.decode()
    assert officer.assignments.count() == 1


def test_after_an_assignment_ends_the_officer_may_be_sent_there_again(client, org_staff, officer, village):
    officer.assignments.update(ended_on=date(2016, 3, 31))
    client.force_login(org_staff)
    _assign(client, officer, village, "2016-06-01")
    assert officer.assignments.filter(ended_on=None, started_on=date(2016, 6, 1)).exists()


def test_an_assignment_cannot_start_before_the_officer_was_appointed(client, org_staff, officer, other_village):
    client.force_login(org_staff)
    response = _assign(client, officer, other_village, "2015-01-01")
    assert "开始日期不能早于选派日期 2015-03-01。" in response.content.decode()
    assert not officer.assignments.filter(village=other_village).exists()


def test_an_assignment_without_a_village_is_refused_in_chinese(client, org_staff, officer):
    client.force_login(org_staff)
    url = reverse("supervision:assignment-create", args=[officer.pk])
    response = client.post(url, {"village": "", "started_on": "2016-04-01"})
    assert "请选择派驻的村（社区）。" in response.content.decode()


def _end(client, assignment, ended_on):
    url = reverse("supervision:assignment-end", args=[assignment.pk])
    return client.post(url, {"ended_on": ended_on}, follow=True)


def test_organisation_staff_end_an_assignment_and_the_village_leaves_the_officers_scope(
    client, org_staff, officer, liaison
):
    assignment = officer.assignments.get()
    client.force_login(org_staff)
    response = _end(client, assignment, "2016-06-30")
    assert "刘志强 在三星村的挂职于 2016-06-30 结束。" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.ended_on == date(2016, 6, 30)
    assert not villages_of(liaison).exists()


def test_an_assignment_cannot_end_before_it_started(client, org_staff, officer):
    assignment = officer.assignments.get()
    client.force_login(org_staff)
    response = _end(client, assignment, "2015-02-28")
    assert "结束日期不能早于开始日期 2015-03-01。" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.ended_on is None


def test_an_assignment_ends_only_once(client, org_staff, officer):
    assignment = officer.assignments.get()
    client.force_login(org_staff)
    _end(client, assignment, "2016-06-30")
    response = _end(client, assignment, "2016-07-15")
    assert "该挂职已经结束，无需再次结束。" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.ended_on == date(2016, 6, 30)


def test_an_end_without_a_date_is_refused_in_chinese(client, org_staff, officer):
    client.force_login(org_staff)
    response = _end(client, officer.assignments.get(), "")
    assert "请填写结束日期。" in response.content.decode()
