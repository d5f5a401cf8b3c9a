"""The leaders' page of overdue items by department: each count against the list it links to, the edge cases
(verified or reported rectifications, ended pairs, loans of members now paired elsewhere), the total on the home
page, who may open it, and a fixed number of queries."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.overdue_views import overdue_total
from projects.models import HouseholdContact, HouseholdPairing
from supervision.models import Rectification
from tests.factories import CadreFactory, DepartmentFactory, MemberFactory, UserFactory
from tests.funding.loan_fixtures import disburse, make_loan

URL = reverse("dashboard:overdue-by-department")
TITLE = "各部门逾期事项"
ROLES = ["org_staff", "town_staff", "liaison", "dept_staff", "leader", "no_role_user"]
R = Rectification.Status
LONG_AGO = date(2016, 3, 1)


@pytest.fixture
def bookkeeper(db):
    return UserFactory(username="bookkeeper", role="org_staff")


def rectify(village, department, status, *, by, deadline=date(2016, 6, 1)) -> Rectification:
    owner = {"owner": "department", "owner_department": department} if department else {"owner": "village"}
    closed = {"closed_on": date(2016, 7, 1)} if status == R.VERIFIED else {}
    return Rectification.objects.create(
        village=village, problem="问题", deadline=deadline, status=status, opened_by=by, **owner, **closed
    )


def pair(cadre, member, *, started_on=LONG_AGO, ended_on=None, contacted_on=None) -> HouseholdPairing:
    pairing = HouseholdPairing.objects.create(cadre=cadre, member=member, started_on=started_on, ended_on=ended_on)
    if contacted_on:
        HouseholdContact.objects.create(pairing=pairing, contacted_on=contacted_on, summary="入户走访")
    return pairing


def overdue_loan(member, by):
    """Paid out on 2016-04-30 and never repaid: every instalment is long past due."""
    return disburse(make_loan(member, by), date(2016, 4, 30))


@pytest.fixture
def overdue(village, department, other_department, bookkeeper):
    """农业 (department): 2 overdue rectifications, 1 household not contacted for two months, 1 overdue loan of a
    member its cadre is paired with. 水利 (other_department): 1 overdue rectification, 1 overdue loan of a member
    农业 used to be paired with. A third department has nothing overdue."""
    today = timezone.localdate()
    later = today + timedelta(days=30)
    for status, deadline in [
        (R.OPEN, date(2016, 6, 1)),
        (R.REOPENED, date(2016, 6, 1)),
        (R.OPEN, later),
        (R.REPORTED, date(2016, 6, 1)),
        (R.VERIFIED, date(2016, 6, 1)),
    ]:
        rectify(village, department, status, by=bookkeeper, deadline=deadline)
    rectify(village, other_department, R.OPEN, by=bookkeeper)
    rectify(village, None, R.OPEN, by=bookkeeper)  # the village's own: no department's

    cadre, other_cadre = CadreFactory(department=department), CadreFactory(department=other_department)
    quiet, visited, left, moved, alone = (MemberFactory(village=village) for _ in range(5))
    pair(cadre, quiet)
    pair(cadre, visited, contacted_on=today)
    pair(cadre, left, ended_on=date(2016, 6, 1))
    pair(cadre, moved, ended_on=date(2016, 6, 1))
    pair(other_cadre, moved, started_on=date(2016, 6, 1), contacted_on=today)

    overdue_loan(quiet, bookkeeper)
    overdue_loan(moved, bookkeeper)
    overdue_loan(alone, bookkeeper)  # paired with no one
    make_loan(visited, bookkeeper)  # applied for, not paid out
    DepartmentFactory(short_name="无逾期")


def _get(client, user, url=URL, **params):
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return response


def _rows(response) -> list[tuple]:
    return [
        (d.short_name, d.overdue_rectifications, d.overdue_pairings, d.overdue_loans, d.total)
        for d in response.context["page"]
    ]


def test_one_row_per_department_with_overdue_items_most_first_and_a_total_row(client, leader, overdue):
    response = _get(client, leader)
    assert _rows(response) == [("农业", 2, 1, 1, 4), ("水利", 1, 0, 1, 2)]
    assert response.context["totals"] == {
        "overdue_rectifications": 3,
        "overdue_pairings": 1,
        "overdue_loans": 2,
        "total": 6,
    }
    html = response.content.decode()
    assert "无逾期" not in html
    assert "合计（2 个部门）" in html


def test_each_count_links_to_the_list_behind_it_with_the_same_number(client, leader, overdue, department):
    html = _get(client, leader).content.decode()
    for name, expected in [
        ("supervision:rectification-list", 2),
        ("projects:household-pairing-list", 1),
        ("funding:loan-list", 1),
    ]:
        assert f"{reverse(name)}?department={department.pk}&amp;overdue=1" in html
        listed = _get(client, leader, reverse(name), department=department.pk, overdue=1)
        assert listed.context["page"].paginator.count == expected, name


def test_a_loan_counts_for_the_department_the_borrower_is_paired_with_now(
    client, leader, overdue, department, other_department
):
    loans = reverse("funding:loan-list")
    mine = _get(client, leader, loans, department=department.pk, overdue=1).context["page"]
    theirs = _get(client, leader, loans, department=other_department.pk, overdue=1).context["page"]
    assert len(mine) == len(theirs) == 1
    assert mine[0].member != theirs[0].member
    assert HouseholdPairing.objects.get(member=theirs[0].member, ended_on__isnull=True).cadre.department == (
        other_department
    )


def test_the_loan_lists_department_filter_without_overdue_lists_all_the_paired_borrowers_loans(
    client, org_staff, overdue, department
):
    response = _get(client, org_staff, reverse("funding:loan-list"), department=department.pk)
    assert response.context["page"].paginator.count == 2  # the overdue one and the application
    assert "农业干部结对帮扶对象的贷款" in response.content.decode()


def test_department_staff_may_filter_loans_only_by_their_own_department(client, dept_staff, overdue, other_department):
    response = _get(client, dept_staff, reverse("funding:loan-list"), department=other_department.pk)
    assert list(response.context["form"].fields["department"].queryset) == [dept_staff.department]
    assert "该部门不在您的工作范围内" in response.content.decode()


def test_nothing_overdue_shows_an_empty_table_and_a_zero_total(client, leader, department):
    response = _get(client, leader)
    assert _rows(response) == []
    assert response.context["totals"]["total"] == 0 == overdue_total(leader)
    assert "各部门都没有逾期事项。" in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_declared_answer(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(URL).status_code == (200 if role in ("leader", "org_staff") else 403)
    assert client.post(URL).status_code == 405


def test_the_leaders_home_page_shows_the_sum_of_the_total_column(client, leader, overdue):
    client.force_login(leader)
    lists = {w["title"]: w for w in client.get(reverse("home")).context["worklists"]}
    assert lists[TITLE] == {"title": TITLE, "url": URL, "count": 6}
    assert overdue_total(leader) == _get(client, leader).context["totals"]["total"] == 6


@pytest.mark.parametrize("role", ["org_staff", "town_staff", "liaison", "dept_staff"])
def test_other_roles_do_not_get_the_work_list(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert TITLE not in [w["title"] for w in client.get(reverse("home")).context["worklists"]]


@pytest.mark.parametrize("departments", [2, 25])
def test_the_page_makes_the_same_queries_whatever_the_rows(
    client, leader, village, bookkeeper, departments, django_assert_max_num_queries
):
    for _ in range(departments):
        department = DepartmentFactory()
        rectify(village, department, R.OPEN, by=bookkeeper)
        member = MemberFactory(village=village)
        pair(CadreFactory(department=department), member)
        overdue_loan(member, bookkeeper)
    client.force_login(leader)
    with django_assert_max_num_queries(9):
        response = client.get(URL)
    assert response.context["totals"]["total"] == 3 * departments
