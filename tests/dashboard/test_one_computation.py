"""The dashboard at province scale (docs/benchmarks.md): the page hands its charts the figures it computed (a JSON
data block, no second request), and with STATS_CACHE_SECONDS set the figures of the dashboard and the registry
statistics are computed once per user scope and parameters for that long."""

import json
import re
from datetime import date

import pytest
from django.core.cache import cache
from django.urls import reverse

from members.models import StatusChange
from tests.factories import MemberFactory, ProjectFactory


@pytest.fixture
def world(village, other_village):
    MemberFactory.create_batch(3, village=village)
    resident = MemberFactory(village=village, category="resident")
    StatusChange.objects.create(
        member=resident, from_status="registered", to_status="assisted", changed_on=date(2016, 4, 1), reason="帮扶"
    )
    MemberFactory(village=other_village)
    ProjectFactory(village=village, year=2016, is_key=True)


def data_block(html: str) -> dict:
    match = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html, re.S)
    assert match, "the page carries its charts' data"
    return json.loads(match.group(1))


@pytest.mark.parametrize("params", [{"year": 2016}, {"year": 2015}, {"year": 2016, "town": "town"}])
def test_the_page_carries_what_the_figures_and_areas_endpoints_answer(client, leader, world, town, params):
    params = {k: town.pk if v == "town" else v for k, v in params.items()}
    client.force_login(leader)
    data = data_block(client.get(reverse("dashboard:dashboard"), params).content.decode())
    assert data["figures"] == client.get(reverse("dashboard-figures"), params).json()
    assert data["areas"] == client.get(reverse("dashboard-areas"), params).json()
    assert data["figures"]["sections"]["registry"]["figures"]["total"]["value"] == 5 - ("town" in params)


def test_the_charts_read_the_data_block_and_the_years_their_endpoint(client, leader, world):
    client.force_login(leader)
    html = client.get(reverse("dashboard:dashboard"), {"year": 2016}).content.decode()
    boxes = dict(re.findall(r'id="(chart-[a-z]+)"[^>]*?data-(?:source="([a-z]+)"|chart)', html))
    assert boxes == {
        "chart-areas": "areas",
        "chart-years": "",
        "chart-status": "figures",
        "chart-ages": "figures",
        "chart-projects": "figures",
        "chart-funds": "figures",
    }
    assert 'data-api="/api/dashboard/years/?year=2016"' in html


def test_a_page_with_a_wrong_parameter_carries_no_data(client, leader, world):
    client.force_login(leader)
    response = client.get(reverse("dashboard:dashboard"), {"year": 1999})
    assert response.status_code == 400
    assert 'id="dashboard-data"' not in response.content.decode()


# The cache -------------------------------------------------------------------------------------------------------


@pytest.fixture
def cached(settings):
    settings.STATS_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


URLS = [
    (reverse("dashboard:dashboard"), {"year": 2016}),
    (reverse("dashboard-figures"), {"year": 2016}),
    (reverse("dashboard-areas"), {"year": 2016}),
    (reverse("dashboard-years"), {"year": 2016}),
    (reverse("dashboard:summary"), {"year": 2016}),
    (reverse("registry-stats"), {"as_of": "2016-07-21"}),
    (reverse("members:stats"), {}),
]


@pytest.mark.parametrize("url, params", URLS)
def test_a_repeated_request_reads_the_figures_from_the_cache(
    client, org_staff, world, cached, url, params, django_assert_max_num_queries
):
    client.force_login(org_staff)
    first = client.get(url, params)
    with django_assert_max_num_queries(10):  # the session, the user, its roles, the form's choices: no figures
        second = client.get(url, params)
    assert first.status_code == second.status_code == 200
    if first["Content-Type"].startswith("application/json"):
        assert first.json() == second.json()
    else:  # the same page but for the form's CSRF token
        token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
        assert token.sub("", first.content.decode()) == token.sub("", second.content.decode())


def test_the_cache_is_kept_per_scope_and_parameters(client, org_staff, town_staff, world, cached):
    client.force_login(org_staff)
    assert client.get(reverse("registry-stats")).json()["total"] == 5
    assert client.get(reverse("registry-stats"), {"category": "resident"}).json()["total"] == 1
    client.force_login(town_staff)
    assert client.get(reverse("registry-stats")).json()["total"] == 4
    figures = client.get(reverse("dashboard-figures"), {"year": 2016}).json()["sections"]["registry"]["figures"]
    assert figures["total"]["value"] == 4


def test_new_data_shows_when_the_cache_lifetime_is_over(client, org_staff, village, world, cached):
    client.force_login(org_staff)
    assert client.get(reverse("registry-stats")).json()["total"] == 5
    MemberFactory(village=village)
    assert client.get(reverse("registry-stats")).json()["total"] == 5  # within the lifetime
    cache.clear()  # as when it ends
    assert client.get(reverse("registry-stats")).json()["total"] == 6


def test_without_the_cache_every_request_counts_afresh(client, org_staff, village, world, settings):
    settings.STATS_CACHE_SECONDS = 0
    client.force_login(org_staff)
    assert client.get(reverse("registry-stats")).json()["total"] == 5
    MemberFactory(village=village)
    assert client.get(reverse("registry-stats")).json()["total"] == 6
