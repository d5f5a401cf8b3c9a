"""The leader's dashboard in Chromium: the charts draw (a canvas each, no console errors), clicking a town's bar opens
the member list of that town, and the town table drills down to its villages. Also on a phone."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from guanghan.access import Role
from members.models import Lifting
from tests.browser.conftest import log_in
from tests.factories import MemberFactory, ProjectFactory, TownFactory, UserFactory, VillageFactory


@pytest.fixture
def two_towns(transactional_db):
    UserFactory(username="leader", display_name="领导小组 李建华", role=Role.LEADER)
    towns = [TownFactory(name="雒城镇", code="510681001"), TownFactory(name="三星堆镇", code="510681101")]
    for n, town in enumerate(towns):
        for v in range(2):
            village = VillageFactory(town=town, name=f"{town.name[:2]}{v + 1}村", code=f"{town.code}{v + 201}")
            members = MemberFactory.create_batch(3 + 2 * n, village=village)
            ProjectFactory(village=village, year=2016, is_key=v == 0)
            Lifting.objects.create(
                member=members[0],
                assessed_on=date(2016, 3, 1),
                verified_on=date(2016, 3, 10),
                notice_start=date(2016, 3, 11),
                notice_end=date(2016, 3, 18),
                closed_on=date(2016, 3, 20),
            )
    return towns


def chart_point(page, box_id: str, series: int, index: int) -> dict:
    """Where ECharts drew a bar: ask the chart instance for the pixel of (value, category) and add the box's offset."""
    return page.evaluate(
        """([id, series, index]) => {
            const box = document.getElementById(id);
            const chart = echarts.getInstanceByDom(box);
            const option = chart.getOption();
            const value = option.series[series].data[index].value;
            const [x, y] = chart.convertToPixel({seriesIndex: series}, [value / 2, index]);
            const rect = box.getBoundingClientRect();
            return {x: rect.left + x, y: rect.top + y};
        }""",
        [box_id, series, index],
    )


def test_leader_reads_the_charts_and_clicks_a_town_to_its_member_list(page, live_server, two_towns):
    log_in(page, live_server.url, "leader")
    page.get_by_role("link", name="看板").first.click()
    expect(page.get_by_role("heading", name=re.compile("工作看板"))).to_be_visible()
    expect(page.get_by_test_id("outcomes")).to_contain_text("脱贫致富的困难党员")
    for box in ("chart-areas", "chart-years", "chart-status", "chart-ages", "chart-projects", "chart-funds"):
        expect(page.locator(f"#{box}[data-ready='1'] canvas")).to_have_count(1)
    assert page.console_errors == []

    # The second town (三星堆镇, 5 members in each of its 2 villages) in the members chart.
    point = chart_point(page, "chart-areas", 0, 1)
    page.mouse.click(point["x"], point["y"])
    expect(page).to_have_url(re.compile(rf"/members/\?.*town={two_towns[1].pk}"))
    expect(page.get_by_test_id("member-table").locator("tbody tr")).to_have_count(10)
    expect(page.get_by_test_id("linked-filters")).to_contain_text("在库")
    assert page.console_errors == []


def test_the_town_table_drills_down_to_villages_on_a_phone(phone, live_server, two_towns):
    log_in(phone, live_server.url, "leader")
    phone.goto(f"{live_server.url}/dashboard/?year=2016")
    phone.get_by_test_id("area-table").get_by_role("link", name="雒城镇").click()
    expect(phone.get_by_test_id("area-table").locator("tbody tr")).to_have_count(2)
    expect(phone.get_by_test_id("area-table")).to_contain_text("雒城1村")
    expect(phone.locator("#chart-areas[data-ready='1'] canvas")).to_have_count(1)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 380  # nothing pushes the page sideways; the table scrolls inside its box
    assert phone.console_errors == []
