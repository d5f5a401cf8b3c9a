"""The dashboard's pages and JSON endpoints: who may open them, what a scoped user sees, bad parameters, the query
count, and the one-page summary with its .xlsx."""

from datetime import date
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from members.models import Lifting
from projects.models import Enrollment, VillagePairing
from tests.factories import MemberFactory, ProjectFactory, TownFactory, VillageFactory

PAGES = [
    reverse("dashboard:dashboard"),
    reverse("dashboard:summary"),
    reverse("dashboard-figures"),
    reverse("dashboard-areas"),
    reverse("dashboard-years"),
]


@pytest.fixture
def world(village, other_village, department):
    """Two towns: in `village` 3 party members (one lifted in 2016) and 2 residents (one enrolled in a project), a
    key project and a demonstration base in 2016; in `other_village` 1 member and 1 project. `department` helps
    `village`."""
    members = MemberFactory.create_batch(3, village=village)
    residents = MemberFactory.create_batch(2, village=village, category="resident")
    MemberFactory(village=other_village)
    Lifting.objects.create(
        member=members[0],
        assessed_on=date(2016, 3, 1),
        verified_on=date(2016, 3, 10),
        notice_start=date(2016, 3, 11),
        notice_end=date(2016, 3, 18),
        closed_on=date(2016, 3, 20),
    )
    key = ProjectFactory(village=village, year=2016, is_key=True, status="running", department=department)
    ProjectFactory(village=village, year=2016, is_demo_base=True, for_residents=True)
    ProjectFactory(village=other_village, year=2016)
    Enrollment.objects.create(project=key, member=residents[0], enrolled_on=date(2016, 4, 1))
    VillagePairing.objects.create(department=department, village=village, year=2016, started_on=date(2016, 1, 5))
    return {"members": members, "residents": residents}


def figure(client, user, key, **params):
    client.force_login(user)
    response = client.get(reverse("dashboard-figures"), {"year": 2016, **params})
    assert response.status_code == 200, response.content
    section, name = key.split(".")
    return response.json()["sections"][section]["figures"][name]


# Who may open it -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_every_role_opens_the_dashboard_in_its_scope(client, any_role_user, world, url):
    client.force_login(any_role_user)
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 405


@pytest.mark.parametrize("url", PAGES)
def test_a_user_without_a_role_is_refused_and_a_visitor_sent_to_log_in(client, no_role_user, url):
    assert client.get(url).status_code == 302
    client.force_login(no_role_user)
    assert client.get(url).status_code == 403


def test_the_navigation_offers_the_dashboard_to_every_role(client, any_role_user):
    client.force_login(any_role_user)
    assert reverse("dashboard:dashboard") in client.get(reverse("home")).content.decode()


# What it counts, and for whom ------------------------------------------------------------------------------------


def test_the_figures_count_the_year_and_link_to_their_lists(client, org_staff, world, village):
    assert figure(client, org_staff, "registry.party")["value"] == 4
    assert figure(client, org_staff, "registry.resident")["value"] == 2
    lifted = figure(client, org_staff, "outcomes.lifted")
    assert lifted["value"] == 1
    assert "lifted_to=2016-12-31" in lifted["url"]
    assert figure(client, org_staff, "outcomes.brought")["value"] == 1
    assert figure(client, org_staff, "projects.total")["value"] == 3
    assert figure(client, org_staff, "projects.key")["value"] == 1
    assert figure(client, org_staff, "projects.residents")["value"] == 1
    assert figure(client, org_staff, "projects.without_key")["value"] == 1  # other_village
    assert figure(client, org_staff, "pairs.village_pairs")["value"] == 1
    assert figure(client, org_staff, "projects.total", year=2015)["value"] == 0
    in_town = figure(client, org_staff, "registry.total", town=village.town_id)
    assert in_town["value"] == 5 and f"town={village.town_id}" in in_town["url"]
    assert figure(client, org_staff, "registry.total", village=village.pk)["value"] == 5


def test_a_past_year_counts_the_registry_at_its_end(client, org_staff, village):
    MemberFactory(village=village, registered_on=date(2015, 6, 1))
    MemberFactory(village=village, registered_on=date(2016, 6, 1))
    assert figure(client, org_staff, "registry.total", year=2015)["value"] == 1
    assert figure(client, org_staff, "registry.total", year=2016)["value"] == 2


def test_town_staff_sees_only_its_town(client, town_staff, world, village, other_village):
    assert figure(client, town_staff, "registry.total")["value"] == 5
    assert figure(client, town_staff, "projects.total")["value"] == 3 - 1
    areas = client.get(reverse("dashboard-areas"), {"year": 2016}).json()
    assert areas["level"] == "village"  # one town in scope: its villages at once
    assert [r["name"] for r in areas["rows"]] == [village.name]
    response = client.get(reverse("dashboard-figures"), {"town": other_village.town_id})
    assert response.status_code == 400
    assert "乡镇" in response.json()["fields"]["town"][0]
    page = client.get(reverse("dashboard:dashboard"), {"village": other_village.pk})
    assert page.status_code == 400
    assert "不在您的工作范围内" in page.content.decode()


def test_department_staff_sees_the_projects_of_its_villages_and_its_households(
    client, dept_staff, world, village, other_village
):
    assert figure(client, dept_staff, "projects.total")["value"] == 2
    assert figure(client, dept_staff, "registry.total")["value"] == 0  # no household pairs yet
    assert figure(client, dept_staff, "pairs.village_pairs")["value"] == 1


def test_a_year_out_of_range_and_a_village_of_another_town_are_named(client, org_staff, world, village, other_town):
    client.force_login(org_staff)
    response = client.get(reverse("dashboard-figures"), {"year": "1999"})
    assert response.status_code == 400
    assert "年度" in response.json()["fields"]["year"][0]
    response = client.get(reverse("dashboard-areas"), {"town": other_town.pk, "village": village.pk})
    assert response.status_code == 400
    assert "不属于" in response.json()["fields"]["village"][0]
    assert client.get(reverse("dashboard-years"), {"year": "abc"}).status_code == 400


def test_the_dashboard_opens_on_the_last_year_with_projects(client, org_staff, village):
    ProjectFactory(village=village, year=2015)
    client.force_login(org_staff)
    data = client.get(reverse("dashboard-figures")).json()
    assert data["year"] == 2015 and data["as_of"] == "2015-12-31"
    years = client.get(reverse("dashboard-years")).json()
    assert years["years"][-1] == 2015


def test_a_town_drills_down_to_its_villages(client, leader, world, village, town):
    VillageFactory(town=town, name="南丰村", code="510681101202")
    client.force_login(leader)
    data = client.get(reverse("dashboard-areas"), {"year": 2016, "town": town.pk}).json()
    assert data["level"] == "village"
    assert [r["name"] for r in data["rows"]] == ["三星村", "南丰村"]
    assert data["rows"][0]["members"] == 5 and data["rows"][1]["members"] == 0
    page = client.get(reverse("dashboard:dashboard"), {"year": 2016}).content.decode()
    assert f"town={town.pk}" in page  # the town row links one level down


# Queries ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("towns", [1, 6])
def test_the_dashboard_takes_the_same_queries_however_many_rows(
    client, leader, department, towns, django_assert_max_num_queries
):
    for t in range(towns):
        town = TownFactory(name=f"看板{t}镇")
        for v in range(towns):
            village = VillageFactory(town=town, name=f"看板{t}-{v}村")
            MemberFactory.create_batch(towns, village=village)
            ProjectFactory(village=village, year=2016, is_key=bool(v % 2))
    client.force_login(leader)
    # The session, the user and its roles, then a fixed set of aggregates per section (see dashboard/figures.py);
    # the page adds the town breakdown and the filter form's choices.
    # The members are counted in one pass shared by the sections and the breakdown (members/stats.py).
    limits = {
        "dashboard:dashboard": 36,
        "dashboard:summary": 35,
        "dashboard-figures": 28,
        "dashboard-areas": 16,
        "dashboard-years": 13,
    }
    for name, limit in limits.items():
        with django_assert_max_num_queries(limit):
            assert client.get(reverse(name), {"year": 2016}).status_code == 200


# The one-page summary --------------------------------------------------------------------------------------------


def test_the_summary_and_its_xlsx_carry_the_dashboards_figures(client, leader, world):
    client.force_login(leader)
    page = client.get(reverse("dashboard:summary"), {"year": 2016})
    html = page.content.decode()
    assert "广汉市“党内项目帮扶”工作主要成效" in html and "2016 年度" in html
    assert "@page { size: A4 portrait" in html
    response = client.get(reverse("dashboard:summary"), {"year": 2016, "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["主要成效", "按乡镇（街道）"]
    rows = {(r[0], r[1]): r[2] for r in book["主要成效"].iter_rows(min_row=4, values_only=True)}
    assert rows[("主要成效", "脱贫致富的困难党员（累计）")] == 1
    assert rows[("帮扶项目", "重点培植项目")] == 1
    assert rows[("困难党员（群众）", "困难党员")] == 4
    towns = list(book["按乡镇（街道）"].iter_rows(min_row=2, values_only=True))
    assert sum(r[1] for r in towns) == 6  # members of both towns
