"""Department staff's work list of projects in its villages that no money has reached: the rows (reversed payments
do not count), the count on the home page, who may open it, its filters and a fixed number of queries."""

from datetime import date
from decimal import Decimal
from itertools import count

import pytest
from django.urls import reverse

from funding import services
from funding.worklist_views import without_money_count
from projects.models import Project, VillagePairing
from tests.factories import MemberFactory, ProjectFactory, VillageFactory

URL = reverse("funding:projects-without-money")
TITLE = "本部门帮扶村中尚未拨付资金的项目"
ROLES = ["org_staff", "town_staff", "liaison", "dept_staff", "leader", "no_role_user"]
S = Project.Status
VOUCHERS = count(1)


def pay(account, project, *, by, member=None, amount="1000.00"):
    return services.disbursement_create(
        account=account,
        amount=Decimal(amount),
        paid_on=date(2016, 5, 1),
        voucher_no=f"ZC-{next(VOUCHERS)}",
        purpose="start_up",
        approved_by="王建国",
        by=by,
        project=project,
        member=member,
    )


def reverse_line(line, *, by):
    return services.line_reverse(line=line, on=date(2016, 5, 2), reason="金额录错", by=by)


def _get(client, user, **params):
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    return response


def _names(response) -> set[str]:
    return {p.name for p in response.context["page"]}


@pytest.fixture
def projects(village, other_village, department, other_department, paired, dept_fund, bookkeeper):
    """In `village` (the department helps it): two projects without money (one helped by another department, of
    2015), one whose only payment was reversed, one paid, one paid after a reversal, and projects not under way.
    In `other_village`: a project of the department itself, without money, outside its villages."""
    make = ProjectFactory
    make(village=village, year=2016, name="韭黄种植", status=S.SELECTED, department=department, is_key=True, key_slot=1)
    make(village=village, year=2015, name="生猪养殖", status=S.RUNNING, department=other_department, is_demo_base=True)
    reversed_only = make(village=village, year=2016, name="食用菌", status=S.RUNNING)
    reverse_line(pay(dept_fund, reversed_only, by=bookkeeper), by=bookkeeper)
    pay(dept_fund, make(village=village, year=2016, name="蔬菜大棚", status=S.RUNNING), by=bookkeeper)
    repaid = make(village=village, year=2016, name="花卉苗木", status=S.SELECTED)
    reverse_line(pay(dept_fund, repaid, by=bookkeeper), by=bookkeeper)
    pay(dept_fund, repaid, by=bookkeeper)
    make(village=village, year=2016, name="乡村旅游", status=S.RECOMMENDED)
    make(village=village, year=2015, name="手工编织", status=S.COMPLETED)
    make(village=village, year=2016, name="电子商务", status=S.DROPPED)
    make(village=other_village, year=2016, name="金光村蛋鸡", status=S.SELECTED, department=department)


def test_department_staff_see_the_projects_under_way_in_their_villages_with_no_standing_payment(
    client, dept_staff, projects
):
    response = _get(client, dept_staff)
    assert _names(response) == {"韭黄种植", "生猪养殖", "食用菌"}
    assert [p.year for p in response.context["page"]] == [2016, 2016, 2015]
    assert response.context["page"].paginator.count == 3


def test_a_payment_to_a_member_of_the_project_counts_only_when_it_names_the_project(
    client, dept_staff, projects, village, dept_fund, bookkeeper
):
    member = MemberFactory(village=village)
    project = Project.objects.get(name="韭黄种植")
    pay(dept_fund, None, member=member, by=bookkeeper)
    assert "韭黄种植" in _names(_get(client, dept_staff))
    pay(dept_fund, project, member=member, by=bookkeeper)
    assert "韭黄种植" not in _names(_get(client, dept_staff))


def test_city_wide_roles_see_every_village(client, org_staff, leader, projects):
    for user in (org_staff, leader):
        assert _names(_get(client, user)) == {"韭黄种植", "生猪养殖", "食用菌", "金光村蛋鸡"}


def test_each_row_shows_place_year_status_badges_department_and_the_payment_link(
    client, dept_staff, leader, projects, department, other_department
):
    html = _get(client, dept_staff).content.decode()
    pig = Project.objects.get(name="生猪养殖")
    assert "三星堆镇" in html and "三星村" in html
    assert "实施中" in html and "敲定" in html
    assert '<span class="badge text-bg-danger">重点</span>' in html
    assert '<span class="badge text-bg-warning">示范基地</span>' in html
    assert other_department.short_name in html
    assert f"{reverse('funding:disbursement-create')}?project={pig.pk}" in html
    assert reverse("funding:disbursement-create") not in _get(client, leader).content.decode()


def test_the_payment_link_opens_the_form_for_that_project(client, dept_staff, projects):
    pig = Project.objects.get(name="生猪养殖")
    client.force_login(dept_staff)
    response = client.get(reverse("funding:disbursement-create"), {"project": pig.pk})
    assert response.status_code == 200
    assert response.context["project"] == pig


def test_the_year_filter_is_all_years_by_default_and_narrows_when_given(client, dept_staff, projects):
    response = _get(client, dept_staff)
    assert response.context["used"]["year"] is None
    assert "年度：<strong>全部年度</strong>" in response.content.decode()
    response = _get(client, dept_staff, year=2015)
    assert _names(response) == {"生猪养殖"}
    assert "年度：<strong>2015 年</strong>" in response.content.decode()


@pytest.mark.parametrize(
    ("year", "message"),
    [("二〇一六", "年度请填写四位数字，例如 2016。"), ("1999", "年度不能早于 2000 年。")],
)
def test_a_wrong_year_is_explained_and_not_applied(client, dept_staff, projects, year, message):
    response = _get(client, dept_staff, year=year)
    assert response.context["form"].errors["year"] == [message]
    assert message in response.content.decode()
    assert response.context["page"].paginator.count == 3


def test_the_town_filter_narrows_the_list(client, org_staff, projects, town, other_town):
    assert _names(_get(client, org_staff, town=other_town.pk)) == {"金光村蛋鸡"}
    response = _get(client, org_staff, town=town.pk, year=2016)
    assert _names(response) == {"韭黄种植", "食用菌"}
    assert "乡镇：<strong>三星堆镇</strong>" in response.content.decode()


def test_department_staff_cannot_pick_a_town_outside_their_villages(client, dept_staff, projects, other_town):
    response = _get(client, dept_staff, town=other_town.pk)
    assert "town" in response.context["form"].errors
    assert "金光村蛋鸡" not in _names(response)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_declared_answer(client, request, role, paired):
    client.force_login(request.getfixturevalue(role))
    expected = 200 if role in ("org_staff", "dept_staff", "leader") else 403
    assert client.get(URL).status_code == expected
    assert client.post(URL).status_code == 405


def test_the_home_page_count_equals_the_pages_total(client, dept_staff, org_staff, projects):
    client.force_login(dept_staff)
    lists = {w["title"]: w for w in client.get(reverse("home")).context["worklists"]}
    assert lists[TITLE]["url"] == URL
    assert lists[TITLE]["count"] == 3 == without_money_count(dept_staff)
    assert _get(client, dept_staff).context["page"].paginator.count == 3
    assert without_money_count(org_staff) == _get(client, org_staff).context["page"].paginator.count == 4


@pytest.mark.parametrize("role", ["org_staff", "town_staff", "liaison", "leader"])
def test_other_roles_do_not_get_the_work_list(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert TITLE not in [w["title"] for w in client.get(reverse("home")).context["worklists"]]


@pytest.mark.parametrize("rows", [3, 40])
def test_the_list_makes_the_same_queries_whatever_the_rows(
    client, dept_staff, town, department, rows, django_assert_max_num_queries
):
    for n in range(rows):
        village = VillageFactory(town=town)
        VillagePairing.objects.create(department=department, village=village, year=2016, started_on="2016-03-01")
        ProjectFactory(village=village, name=f"项目{n}", status=S.RUNNING, department=department)
    client.force_login(dept_staff)
    with django_assert_max_num_queries(14):
        response = client.get(URL, {"town": town.pk})
    assert response.context["page"].paginator.count == rows
