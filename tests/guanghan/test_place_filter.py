"""The 乡镇 → 村（社区） list filters (guanghan.forms.PlaceFilterForm) and /api/villages/, which feeds them.

A province-wide scope (20,000 villages) must not render every village on every list page: the village select offers
the chosen town's villages, or the whole scope when it is small (Guanghan's 205), and "先选择乡镇" otherwise.
"""

import re
from html import unescape

import pytest
from django.urls import reverse

from guanghan import access, forms
from guanghan.access import Role
from guanghan.models import Village
from tests.factories import MemberFactory, ProjectFactory, TownFactory, VillageFactory

pytestmark = pytest.mark.django_db

API = "/api/villages/"


def select(response, name: str) -> tuple[list[str], str | None]:
    """The option labels of the page's <select name=…> and the selected one's label (None: none selected)."""
    html = response.content.decode()
    body = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    options = re.findall(r'<option value="([^"]*)"([^>]*)>([^<]*)</option>', body)
    chosen = [unescape(label) for value, attrs, label in options if value and "selected" in attrs]
    return [unescape(label) for _, _, label in options], (chosen[0] if chosen else None)


def listed(response) -> set[str]:
    return {m.name for m in response.context["page"]}


@pytest.fixture
def city(town, other_town, village, other_village):
    """Two towns with two villages each (三星村 and 金光村 come from the role fixtures)."""
    return {
        "town": town,
        "other_town": other_town,
        "village": village,
        "second": VillageFactory(town=town, name="回龙村", code="510681101202"),
        "other_village": other_village,
        "other_second": VillageFactory(town=other_town, name="新平村", code="510681102202"),
    }


@pytest.fixture
def large_scope(monkeypatch):
    """A scope above the limit, as a province's 20,000 villages are (the limit lowered instead of 20,000 rows)."""
    monkeypatch.setattr(forms, "VILLAGE_OPTIONS_LIMIT", 3)


# The member list's filter ------------------------------------------------------------------------------------------


def test_a_small_scope_offers_all_its_villages_without_a_town(client, org_staff, city):
    client.force_login(org_staff)
    options, chosen = select(client.get("/members/"), "village")
    assert options == ["全部村", "三星堆镇 三星村", "三星堆镇 回龙村", "南兴镇 金光村", "南兴镇 新平村"]
    assert chosen is None


def test_a_chosen_town_offers_its_villages_only(client, org_staff, city):
    client.force_login(org_staff)
    response = client.get("/members/", {"town": city["other_town"].pk})
    assert select(response, "village")[0] == ["全部村", "南兴镇 金光村", "南兴镇 新平村"]
    assert select(response, "town")[1] == "南兴镇"


def test_town_staff_see_the_villages_of_their_town_as_before(client, town_staff, city):
    client.force_login(town_staff)
    for params in ({}, {"town": city["town"].pk}):
        response = client.get("/members/", params)
        assert select(response, "village")[0] == ["全部村", "三星堆镇 三星村", "三星堆镇 回龙村"]
        assert select(response, "town")[0] == ["全部乡镇", "三星堆镇"]


def test_a_large_scope_asks_for_the_town_first(client, org_staff, city, large_scope):
    client.force_login(org_staff)
    assert select(client.get("/members/"), "village") == (["先选择乡镇"], None)
    response = client.get("/members/", {"town": city["town"].pk})
    assert select(response, "village")[0] == ["全部村", "三星堆镇 三星村", "三星堆镇 回龙村"]


def test_a_bookmarked_village_alone_still_filters_and_selects_its_town(client, org_staff, city, large_scope):
    MemberFactory(name="李明", village=city["other_second"])
    MemberFactory(name="张华", village=city["other_village"])
    client.force_login(org_staff)
    response = client.get("/members/", {"village": city["other_second"].pk})
    assert listed(response) == {"李明"}
    assert select(response, "town")[1] == "南兴镇"
    assert select(response, "village") == (["全部村", "南兴镇 金光村", "南兴镇 新平村"], "南兴镇 新平村")


def test_a_village_outside_the_scope_is_refused_with_the_forms_message(client, town_staff, city):
    client.force_login(town_staff)
    response = client.get("/members/", {"village": city["other_village"].pk})
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not response.context["form"].is_valid()
    assert "南兴镇 金光村" not in select(response, "village")[0]


def test_a_village_left_over_from_another_town_gives_way_to_the_town(client, org_staff, city):
    """Without JavaScript the village list follows the town only after 查询: the old village is dropped."""
    MemberFactory(name="李明", village=city["other_second"])
    MemberFactory(name="王芳", village=city["village"])
    client.force_login(org_staff)
    response = client.get("/members/", {"town": city["other_town"].pk, "village": city["village"].pk})
    assert listed(response) == {"李明"}
    assert select(response, "village") == (["全部村", "南兴镇 金光村", "南兴镇 新平村"], None)


def test_the_member_list_makes_the_same_queries_whatever_the_scope_and_the_choice(
    client, org_staff, city, django_assert_max_num_queries
):
    client.force_login(org_staff)
    MemberFactory(village=city["village"])
    requests = [{}, {"town": city["town"].pk}, {"village": city["second"].pk}]
    with django_assert_max_num_queries(30) as few:
        client.get("/members/")
    baseline = len(few.captured_queries)
    for _ in range(40):
        VillageFactory(town=city["town"])
    for params in requests:
        # A town or a village costs its own validating query, as before; the village list is one query always.
        with django_assert_max_num_queries(baseline + len(params)):
            client.get("/members/", params)


def test_other_lists_offer_the_chosen_towns_villages_too(client, org_staff, city):
    ProjectFactory(village=city["village"], name="韭黄")
    client.force_login(org_staff)
    for url in ("/projects/", "/supervision/", "/funding/loans/"):
        response = client.get(url, {"town": city["town"].pk})
        assert response.status_code == 200, url
        assert select(response, "village")[0] == ["全部村", "三星堆镇 三星村", "三星堆镇 回龙村"], url


def test_the_village_select_names_the_endpoint_for_the_script(client, org_staff, city):
    client.force_login(org_staff)
    html = client.get("/members/").content.decode()
    assert f'data-options-url="{reverse("village-options")}"' in html
    assert 'data-options-from="town"' in html
    assert "js/dependent_select.js" in html


# /api/villages/ ----------------------------------------------------------------------------------------------------


def test_the_endpoint_answers_a_towns_villages(client, org_staff, city):
    client.force_login(org_staff)
    data = client.get(API, {"town": city["town"].pk}).json()
    assert data == {
        "town": city["town"].pk,
        "complete": True,
        "empty_label": "全部村",
        "villages": [
            {"id": city["village"].pk, "name": "三星村", "label": "三星堆镇 三星村"},
            {"id": city["second"].pk, "name": "回龙村", "label": "三星堆镇 回龙村"},
        ],
    }


def test_the_endpoint_without_a_town_lists_a_small_scope_and_not_a_large_one(client, org_staff, city, monkeypatch):
    client.force_login(org_staff)
    assert [v["name"] for v in client.get(API).json()["villages"]] == ["三星村", "回龙村", "金光村", "新平村"]
    monkeypatch.setattr(forms, "VILLAGE_OPTIONS_LIMIT", 3)
    assert client.get(API).json() == {"town": None, "complete": False, "empty_label": "先选择乡镇", "villages": []}


def test_town_staff_get_their_town_and_a_404_for_another(client, town_staff, city):
    client.force_login(town_staff)
    assert [v["name"] for v in client.get(API, {"town": city["town"].pk}).json()["villages"]] == ["三星村", "回龙村"]
    assert [v["name"] for v in client.get(API).json()["villages"]] == ["三星村", "回龙村"]
    response = client.get(API, {"town": city["other_town"].pk})
    assert response.status_code == 404
    assert response.json() == {"error": "没有找到该乡镇，或它不在您的工作范围内。"}


def test_a_liaison_officer_gets_only_the_assigned_villages_of_a_town(client, liaison, city, monkeypatch):
    monkeypatch.setitem(
        access._village_scopes, Role.LIAISON, [lambda user: Village.objects.filter(pk=city["second"].pk)]
    )
    client.force_login(liaison)
    assert [v["name"] for v in client.get(API, {"town": city["town"].pk}).json()["villages"]] == ["回龙村"]
    assert client.get(API, {"town": city["other_town"].pk}).status_code == 404


def test_department_staff_get_the_villages_their_department_helps(client, dept_staff, city, monkeypatch):
    helped = lambda user: Village.objects.filter(pk=city["other_village"].pk)  # noqa: E731
    monkeypatch.setitem(access._village_scopes, Role.DEPT_STAFF, [helped])
    client.force_login(dept_staff)
    assert [v["name"] for v in client.get(API).json()["villages"]] == ["金光村"]
    assert client.get(API, {"town": city["town"].pk}).status_code == 404


def test_leaders_read_the_endpoint_and_users_without_a_role_may_not(client, leader, no_role_user, city):
    client.force_login(leader)
    assert client.get(API, {"town": city["other_town"].pk}).status_code == 200
    client.force_login(no_role_user)
    assert client.get(API).status_code == 403


@pytest.mark.parametrize("town", ["abc", "-1", "1.5", "²", "１２", "9" * 12])
def test_a_malformed_town_answers_400(client, org_staff, town):
    client.force_login(org_staff)
    response = client.get(API, {"town": town})
    assert response.status_code == 400
    assert "town" in response.json()["error"]


def test_the_endpoint_answers_get_only(client, org_staff):
    client.force_login(org_staff)
    assert client.post(API).status_code == 405


def test_the_endpoint_makes_the_same_queries_however_many_villages(
    client, org_staff, city, django_assert_max_num_queries
):
    client.force_login(org_staff)
    with django_assert_max_num_queries(20) as few:
        client.get(API, {"town": city["town"].pk})
    town = TownFactory()
    for _ in range(30):
        VillageFactory(town=town)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(API, {"town": town.pk}).json()["villages"]) == 30
