"""督查概况 and the villages not visited for 60 days: the figures against direct counts, the 60-day boundary, who may
open them, and a fixed number of queries."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from supervision import services
from supervision.models import Answer, Check, Visit, satisfaction_counts
from supervision.overview_views import unvisited_count
from tests.factories import VillageFactory
from tests.supervision.overview_fixtures import *  # noqa: F403
from tests.supervision.overview_fixtures import ON, make_officer, make_questionnaire, make_visit

ROLES = ["org_staff", "town_staff", "other_town_staff", "liaison", "dept_staff", "leader", "no_role_user"]
YES, PARTLY, NO = Check.YES, Check.PARTLY, Check.NO


def _get(client, user, name, **params):
    client.force_login(user)
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_declared_answer_on_the_overview_and_the_unvisited_list(
    client, request, role, officer, paired
):
    client.force_login(request.getfixturevalue(role))
    overview = {"org_staff": 200, "leader": 200}.get(role, 403)
    unvisited = 403 if role == "no_role_user" else 200
    assert client.get(reverse("supervision:overview")).status_code == overview
    assert client.get(reverse("supervision:unvisited-villages")).status_code == unvisited
    assert client.post(reverse("supervision:overview")).status_code == 405
    assert client.post(reverse("supervision:unvisited-villages")).status_code == 405


# Visits per officer and month --------------------------------------------------------------------------------------


@pytest.fixture
def visits(officer, other_officer, idle_officer, village, other_village, recorder):
    """2016: 刘志强 two in January and one in March, 何丽 three in March, staff one in March without an officer;
    2015: one more (outside the year looked at)."""
    for day in (date(2016, 1, 5), date(2016, 1, 20), date(2016, 3, 2)):
        make_visit(village, day, officer=officer, by=recorder)
    for day in (date(2016, 3, 1), date(2016, 3, 15), date(2016, 3, 31)):
        make_visit(other_village, day, officer=other_officer, by=recorder, checks=(YES, PARTLY, NO))
    make_visit(village, date(2016, 3, 10), by=recorder, kind=Visit.Kind.UNANNOUNCED, checks=(NO, YES, YES))
    make_visit(village, date(2015, 12, 31), officer=officer, by=recorder)


def test_visits_per_officer_and_month_match_direct_counts(
    client, org_staff, visits, officer, other_officer, idle_officer
):
    response = _get(client, org_staff, "supervision:overview", year=2016, on=ON.isoformat())
    rows = {row["officer"].pk: row for row in response.context["officer_rows"]}
    for o in (officer, other_officer, idle_officer):
        direct = [o.visits.filter(visited_on__year=2016, visited_on__month=m).count() for m in range(1, 13)]
        assert rows[o.pk]["counts"] == direct
        assert rows[o.pk]["total"] == sum(direct)
    assert rows[officer.pk]["counts"][:3] == [2, 0, 1]
    assert rows[idle_officer.pk]["counts"] == [0] * 12  # an officer in post with no visit shows 0
    direct_totals = [Visit.objects.filter(visited_on__year=2016, visited_on__month=m).count() for m in range(1, 13)]
    assert response.context["month_totals"] == direct_totals
    assert response.context["visit_total"] == 7
    assert response.context["without_officer"][2] == 1  # the staff's unannounced check in March
    html = response.content.decode()
    assert "组织部等（未指定联络员）" in html
    assert "督查概况 · 2016 年" in html


def test_a_month_narrows_the_table_to_that_month(client, leader, visits, officer, other_officer):
    response = _get(client, leader, "supervision:overview", year=2016, month=3, on=ON.isoformat())
    assert response.context["months"] == [3]
    rows = {row["officer"].pk: row["counts"] for row in response.context["officer_rows"]}
    assert rows[officer.pk] == [1]
    assert rows[other_officer.pk] == [3]
    assert response.context["visit_total"] == 5
    assert response.context["checks"]["visits"] == 5


def test_the_year_defaults_to_the_year_of_the_day_looked_at(client, org_staff, visits):
    response = _get(client, org_staff, "supervision:overview", on="2015-12-31")
    assert response.context["year"] == 2015
    assert response.context["visit_total"] == 1
    assert 'data-testid="on">2015-12-31' in response.content.decode()


def test_without_a_day_the_overview_is_taken_on_today(client, org_staff):
    response = _get(client, org_staff, "supervision:overview")
    today = timezone.localdate()
    assert response.context["on"] == today
    assert response.context["year"] == today.year
    assert f'data-testid="on">{today:%Y-%m-%d}' in response.content.decode()


def test_a_wrong_day_or_month_is_refused_in_chinese_and_today_used(client, org_staff):
    response = _get(client, org_staff, "supervision:overview", on="30/06/2016", month=13)
    html = response.content.decode()
    assert "统计日期请按 2016-03-01 的格式填写。" in html
    assert "月份请选择 1 到 12 月。" in html
    assert response.context["on"] == timezone.localdate()


# The three checks, rectifications and satisfaction ---------------------------------------------------------------


def test_the_share_of_checks_passed_matches_direct_counts(client, org_staff, visits):
    response = _get(client, org_staff, "supervision:overview", year=2016, on=ON.isoformat())
    checks = response.context["checks"]
    in_year = Visit.objects.filter(visited_on__year=2016)
    for row, name in zip(checks["rows"], ("funds_clear", "effect_visible", "people_satisfied"), strict=True):
        assert row["counts"] == [in_year.filter(**{name: value}).count() for value in (YES, PARTLY, NO)]
    # 7 visits: funds 是 6, effect 是 4, people 是 4 → 14 of 21 checks; three 是 on 3 of the 7 visits.
    assert [row["share"] for row in checks["rows"]] == [Decimal("85.7"), Decimal("57.1"), Decimal("57.1")]
    assert checks["share"] == Decimal("66.7")
    assert checks["all_passed"] == 3
    assert 'data-testid="checks-share">66.7%' in response.content.decode()


def test_a_year_without_visits_shows_dashes_not_errors(client, org_staff, officer):
    response = _get(client, org_staff, "supervision:overview", year=2014, on=ON.isoformat())
    assert response.context["checks"]["share"] is None
    assert response.context["satisfaction"]["rate"] is None
    assert 'data-testid="satisfaction">—' in response.content.decode()


def test_open_and_overdue_rectifications_are_counted_and_linked(client, org_staff, village, recorder):
    today = timezone.localdate()
    common = {"by": recorder, "village": village, "problem": "账目不清", "owner": "village", "on": today}
    services.rectification_open(deadline=today + timedelta(days=10), **common)
    late = services.rectification_open(deadline=today, **common)
    late.deadline = today - timedelta(days=1)
    late.save(update_fields=["deadline"])
    done = services.rectification_open(deadline=today + timedelta(days=5), **common)
    services.rectification_move(rectification=done, to="reported", on=today, note="已公示账目", by=recorder)
    response = _get(client, org_staff, "supervision:overview")
    assert response.context["rectifications"] == {"open": 2, "overdue": 1}
    html = response.content.decode()
    assert reverse("supervision:rectification-list") + "?status=open" in html
    assert reverse("supervision:rectification-list") + "?overdue=1" in html


def test_satisfaction_is_the_rate_over_the_questionnaires_of_the_period(client, org_staff, village, recorder):
    S, B, D = Answer.SATISFIED, Answer.BASICALLY, Answer.DISSATISFIED
    make_questionnaire(village, date(2016, 5, 1), [S] * 18 + [B] + [D], by=recorder)
    make_questionnaire(village, date(2016, 6, 1), [S] * 9 + [D], by=recorder)
    make_questionnaire(village, date(2015, 6, 1), [D] * 5, by=recorder)
    response = _get(client, org_staff, "supervision:overview", year=2016, on=ON.isoformat())
    from supervision.models import Response

    direct = satisfaction_counts(Response.objects.filter(questionnaire__held_on__year=2016))
    assert response.context["satisfaction"] == direct
    assert direct["rate"] == Decimal("93.3")  # 28 of 30
    assert response.context["questionnaires"] == 2
    html = response.content.decode()
    assert 'data-testid="satisfaction">93.3%' in html
    assert reverse("supervision:satisfaction") + "?year=2016" in html
    response = _get(client, org_staff, "supervision:overview", year=2016, month=6, on=ON.isoformat())
    assert response.context["satisfaction"]["rate"] == Decimal("90.0")


@pytest.mark.parametrize("rows", [3, 30])
def test_the_overview_makes_the_same_queries_whatever_the_visits(
    client, org_staff, town, recorder, rows, django_assert_max_num_queries
):
    for n in range(rows):
        village = VillageFactory(town=town)
        officer = make_officer(village, name=f"联络员{n}")
        make_visit(village, date(2016, 1 + n % 12, 1), officer=officer, by=recorder, checks=(YES, NO, PARTLY))
        make_questionnaire(village, date(2016, 5, 1), [Answer.SATISFIED] * 3, by=recorder)
    client.force_login(org_staff)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("supervision:overview"), {"year": 2016, "on": ON.isoformat()})
    assert response.context["visit_total"] == rows


# Villages not visited for 60 days ------------------------------------------------------------------------------------


def test_a_village_visited_exactly_60_days_ago_counts_as_visited(client, org_staff, officer, village, recorder):
    make_visit(village, ON - timedelta(days=60), officer=officer, by=recorder)
    response = _get(client, org_staff, "supervision:unvisited-villages", on=ON.isoformat())
    assert list(response.context["page"]) == []
    assert _get(client, org_staff, "supervision:overview", on=ON.isoformat()).context["unvisited"] == 0


def test_a_village_last_visited_61_days_ago_is_not_visited(client, org_staff, officer, village, recorder):
    make_visit(village, ON - timedelta(days=61), officer=officer, by=recorder)
    response = _get(client, org_staff, "supervision:unvisited-villages", on=ON.isoformat())
    (row,) = response.context["page"]
    assert (row, row.last_visit, row.days_since, row.visitors) == (village, ON - timedelta(days=61), 61, "刘志强")
    assert _get(client, org_staff, "supervision:overview", on=ON.isoformat()).context["unvisited"] == 1


def test_a_visit_after_the_day_looked_at_does_not_count(client, org_staff, officer, village, recorder):
    make_visit(village, ON - timedelta(days=90), officer=officer, by=recorder)
    make_visit(village, ON + timedelta(days=1), officer=officer, by=recorder)
    response = _get(client, org_staff, "supervision:unvisited-villages", on=ON.isoformat())
    (row,) = response.context["page"]
    assert row.last_visit == ON - timedelta(days=90)


def test_the_list_shows_who_made_the_last_visit_and_who_serves_there(
    client, org_staff, officer, other_officer, village, other_village, recorder
):
    day = ON - timedelta(days=70)
    make_visit(other_village, day, officer=other_officer, by=recorder)
    make_visit(other_village, day, by=recorder)  # organisation staff went the same day
    make_visit(other_village, day - timedelta(days=5), officer=officer, by=recorder)
    response = _get(client, org_staff, "supervision:unvisited-villages", on=ON.isoformat())
    rows = {v.pk: v for v in response.context["page"]}
    assert rows[other_village.pk].visitors == "何丽、组织部 赵洁"
    assert [a.officer.cadre.name for a in rows[other_village.pk].current] == ["何丽"]
    # Never visited comes first, then the longest gap.
    assert [v.name for v in response.context["page"]] == ["三星村", "金光村"]
    html = response.content.decode()
    assert "从未督查" in html
    assert 'data-testid="on">2016-06-30' in html


def test_villages_without_an_officer_are_left_out_unless_asked_for(client, org_staff, officer, town):
    VillageFactory(town=town, name="连山村", code="510681101203")
    response = _get(client, org_staff, "supervision:unvisited-villages", on=ON.isoformat())
    assert [v.name for v in response.context["page"]] == ["三星村"]
    response = _get(client, org_staff, "supervision:unvisited-villages", on=ON.isoformat(), all="on")
    assert [v.name for v in response.context["page"]] == ["三星村", "连山村"]


def test_a_village_whose_officer_had_not_started_yet_is_left_out(client, org_staff, officer):
    response = _get(client, org_staff, "supervision:unvisited-villages", on="2015-02-01")
    assert list(response.context["page"]) == []


def test_town_staff_and_officers_see_only_their_own_unvisited_villages(
    client, town_staff, liaison, officer, other_officer, village
):
    for user in (town_staff, liaison):
        response = _get(client, user, "supervision:unvisited-villages", on=ON.isoformat())
        assert [v.name for v in response.context["page"]] == ["三星村"]


def test_the_officer_is_offered_to_log_a_visit_from_the_list(client, liaison, leader, officer, village):
    html = _get(client, liaison, "supervision:unvisited-villages").content.decode()
    assert f"{reverse('supervision:visit-create')}?village={village.pk}" in html
    assert "记录督查" not in _get(client, leader, "supervision:unvisited-villages").content.decode()


def test_the_unvisited_list_is_paginated(client, org_staff, town):
    for n in range(55):
        make_officer(VillageFactory(town=town), name=f"联络员{n}")
    response = _get(client, org_staff, "supervision:unvisited-villages", on=ON.isoformat())
    assert response.context["page"].paginator.count == 55
    assert len(response.context["page"]) == 50
    assert (
        len(_get(client, org_staff, "supervision:unvisited-villages", on=ON.isoformat(), page=2).context["page"]) == 5
    )


@pytest.mark.parametrize("rows", [3, 30])
def test_the_unvisited_list_makes_the_same_queries_whatever_the_rows(
    client, org_staff, town, recorder, rows, django_assert_max_num_queries
):
    for n in range(rows):
        village = VillageFactory(town=town)
        officer = make_officer(village, name=f"联络员{n}")
        make_visit(village, ON - timedelta(days=61 + n), officer=officer, by=recorder)
        make_visit(village, ON - timedelta(days=61 + n), by=recorder)
    client.force_login(org_staff)
    with django_assert_max_num_queries(13):
        response = client.get(reverse("supervision:unvisited-villages"), {"on": ON.isoformat()})
    assert len(response.context["page"]) == rows


def test_the_home_page_count_is_the_officers_villages_not_visited_for_60_days(
    liaison, org_staff, officer, other_officer, village, other_village, recorder
):
    today = timezone.localdate()
    make_visit(village, today - timedelta(days=60), officer=officer, by=recorder)
    make_visit(other_village, today - timedelta(days=61), officer=other_officer, by=recorder)
    assert unvisited_count(liaison) == 0
    assert unvisited_count(other_officer.user) == 1
    assert unvisited_count(org_staff) == 1
