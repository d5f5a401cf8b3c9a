"""The staff work list of villages without a key project this year: the rows, the count on the home page, who may
open it, its filters and a fixed number of queries."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from guanghan.models import Village
from projects import services
from projects.models import Project
from projects.worklist_views import without_key_project_count
from tests.factories import ProjectFactory, VillageFactory

URL = reverse("projects:villages-without-key-project")
TITLE = "本年度没有重点项目的村（社区）"
THIS_YEAR = timezone.localdate().year
ROLES = ["org_staff", "town_staff", "other_town_staff", "liaison", "dept_staff", "leader", "no_role_user"]


def _get(client, user, **params):
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    return response


def _names(response) -> list[str]:
    return [v.name for v in response.context["page"]]


def _key(village, year, **fields) -> Project:
    """A project of the village for the year, selected (敲定) as one of its key projects."""
    return services.project_select(project=ProjectFactory(village=village, year=year, **fields))


@pytest.fixture
def villages(town, village, other_village):
    """In `town` (三星堆镇): 三星村 with a key project in 2016; 高骈村 whose 2016 key project was dropped, with a
    second candidate; 友谊社区 (a community) with a key project in 2015 only; 东风村, no longer in use. In the other
    town: 金光村, nothing."""
    _key(village, 2016, name="韭黄种植")
    gaopian = VillageFactory(town=town, name="高骈村", code="510681101202")
    dropped = _key(gaopian, 2016, name="生猪养殖")
    services.project_move(project=dropped, to_status=Project.Status.DROPPED, on=date(2016, 9, 1), reason="市场变化")
    ProjectFactory(village=gaopian, year=2016, name="食用菌")
    ProjectFactory(village=gaopian, year=2015, name="旧项目")
    youyi = VillageFactory(town=town, name="友谊社区", code="510681101203", kind=Village.Kind.COMMUNITY)
    _key(youyi, 2015, name="社区工坊")
    VillageFactory(town=town, name="东风村", code="510681101204", is_active=False)
    return {"gaopian": gaopian, "youyi": youyi}


def test_the_list_shows_the_villages_and_communities_without_a_standing_key_project(client, org_staff, villages):
    response = _get(client, org_staff, year=2016)
    assert _names(response) == ["高骈村", "友谊社区", "金光村"]
    assert response.context["page"].paginator.count == 3
    html = response.content.decode()
    assert "2016 年没有重点项目的村（社区）" in html
    assert "社区</span>" in html


def test_a_dropped_key_project_leaves_the_village_on_the_list_and_a_key_project_takes_it_off(
    client, org_staff, villages
):
    gaopian = villages["gaopian"]
    assert "高骈村" in _names(_get(client, org_staff, year=2016))
    _key(gaopian, 2016, name="蔬菜大棚")
    assert "高骈村" not in _names(_get(client, org_staff, year=2016))


def test_a_key_project_of_another_year_does_not_count(client, org_staff, villages):
    assert "友谊社区" in _names(_get(client, org_staff, year=2016))
    assert "友谊社区" not in _names(_get(client, org_staff, year=2015))


def test_each_row_counts_the_villages_projects_of_the_year_and_links_to_them(client, org_staff, villages):
    response = _get(client, org_staff, year=2016)
    rows = {v.name: v.recommended for v in response.context["page"]}
    assert rows == {"高骈村": 2, "友谊社区": 0, "金光村": 0}
    gaopian = villages["gaopian"]
    html = response.content.decode()
    assert f"{reverse('projects:project-list')}?village={gaopian.pk}&amp;year=2016" in html
    listed = client.get(reverse("projects:project-list"), {"village": gaopian.pk, "year": 2016})
    assert listed.context["page"].paginator.count == rows["高骈村"]


def test_staff_who_may_add_projects_get_the_recommend_button(client, org_staff, villages):
    html = _get(client, org_staff, year=2016).content.decode()
    assert f"{reverse('projects:project-create')}?village={villages['gaopian'].pk}" in html


def test_without_a_year_the_page_uses_this_year_and_says_so(client, org_staff, village, other_village):
    response = _get(client, org_staff)
    assert response.context["year"] == THIS_YEAR
    assert response.context["form"]["year"].value() == str(THIS_YEAR)
    assert f"年度：<strong>{THIS_YEAR}</strong>" in response.content.decode()


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("abc", "年度请填写四位数字，例如 2016。"),
        ("1999", "年度不能早于 2000 年。"),
        ("2101", "年度不能晚于 2100 年。"),
    ],
)
def test_a_wrong_year_is_explained_and_this_year_used(client, org_staff, villages, year, message):
    response = _get(client, org_staff, year=year)
    assert response.context["form"].errors["year"] == [message]
    assert message in response.content.decode()
    assert response.context["year"] == THIS_YEAR


def test_the_town_filter_narrows_the_list_and_is_shown(client, org_staff, villages, other_town):
    response = _get(client, org_staff, year=2016, town=other_town.pk)
    assert _names(response) == ["金光村"]
    assert "乡镇：<strong>南兴镇</strong>" in response.content.decode()


def test_the_village_filter_shows_that_village_only(client, org_staff, villages):
    youyi = villages["youyi"]
    response = _get(client, org_staff, year=2016, village=youyi.pk)
    assert _names(response) == ["友谊社区"]
    assert "村（社区）：<strong>三星堆镇 友谊社区</strong>" in response.content.decode()


def test_leaders_read_the_page_without_the_recommend_button(client, leader, villages):
    response = _get(client, leader, year=2016)
    assert _names(response) == ["高骈村", "友谊社区", "金光村"]
    assert reverse("projects:project-create") not in response.content.decode()


def test_town_staff_see_only_their_town_and_cannot_pick_another(
    client, town_staff, other_town_staff, villages, other_town
):
    assert _names(_get(client, town_staff, year=2016)) == ["高骈村", "友谊社区"]
    assert _names(_get(client, other_town_staff, year=2016)) == ["金光村"]
    response = _get(client, town_staff, year=2016, town=other_town.pk)
    assert "town" in response.context["form"].errors
    assert _names(response) == ["高骈村", "友谊社区"]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_declared_answer(client, request, role, village):
    client.force_login(request.getfixturevalue(role))
    expected = 200 if role in ("org_staff", "town_staff", "other_town_staff", "leader") else 403
    assert client.get(URL).status_code == expected
    assert client.post(URL).status_code == 405


def test_the_home_page_count_equals_the_pages_total(client, org_staff, town_staff, town, village, other_village):
    _key(village, THIS_YEAR, name="今年的重点项目")
    VillageFactory(town=town, name="高骈村", code="510681101202")
    for user, expected in ((org_staff, 2), (town_staff, 1)):
        client.force_login(user)
        lists = {w["title"]: w for w in client.get(reverse("home")).context["worklists"]}
        assert lists[TITLE]["count"] == expected == without_key_project_count(user)
        assert lists[TITLE]["url"] == URL
        assert _get(client, user).context["page"].paginator.count == expected


@pytest.mark.parametrize("role", ["liaison", "dept_staff", "leader"])
def test_other_roles_do_not_get_the_work_list(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert TITLE not in [w["title"] for w in client.get(reverse("home")).context["worklists"]]


@pytest.mark.parametrize("rows", [3, 40])
def test_the_list_makes_the_same_queries_whatever_the_rows(
    client, org_staff, town, rows, django_assert_max_num_queries
):
    for n in range(rows):
        village = VillageFactory(town=town)
        ProjectFactory(village=village, year=2016, name=f"候选{n}")
    client.force_login(org_staff)
    with django_assert_max_num_queries(13):
        response = client.get(URL, {"year": 2016, "town": town.pk})
    assert response.context["page"].paginator.count == rows
