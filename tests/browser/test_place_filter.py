import pytest
from playwright.sync_api import expect

from guanghan import forms
from guanghan.access import Role
from tests.browser.conftest import log_in
from tests.factories import MemberFactory, TownFactory, UserFactory, VillageFactory


@pytest.fixture
def province(transactional_db, monkeypatch):
    """Two towns, and a scope "too large to list" (the limit lowered, as a province's 20,000 villages are)."""
    monkeypatch.setattr(forms, "VILLAGE_OPTIONS_LIMIT", 3)
    sanxingdui = TownFactory(name="三星堆镇", code="510681101")
    nanxing = TownFactory(name="南兴镇", code="510681102")
    VillageFactory(town=sanxingdui, name="三星村", code="510681101201")
    VillageFactory(town=sanxingdui, name="回龙村", code="510681101202")
    jinguang = VillageFactory(town=nanxing, name="金光村", code="510681102201")
    xinping = VillageFactory(town=nanxing, name="新平村", code="510681102202")
    MemberFactory(village=xinping, name="王德福")
    MemberFactory(village=jinguang, name="王秀英")
    MemberFactory(village=xinping, name="李明")
    return UserFactory(username="staff", display_name="组织部 王敏", role=Role.ORG_STAFF)


def test_changing_the_town_refreshes_the_villages_without_losing_what_was_typed(page, live_server, province):
    log_in(page, live_server.url, "staff")
    page.goto(f"{live_server.url}/members/")
    filters = page.get_by_test_id("member-filters")
    expect(filters.get_by_label("村（社区）").locator("option")).to_have_text(["先选择乡镇"])

    filters.get_by_label("姓名、身份证号或电话").fill("王")
    filters.get_by_label("乡镇").select_option(label="南兴镇")
    expect(filters.get_by_label("村（社区）").locator("option")).to_have_text(
        ["全部村", "南兴镇 金光村", "南兴镇 新平村"]
    )
    expect(filters.get_by_label("姓名、身份证号或电话")).to_have_value("王")  # nothing typed is lost
    assert "/members/" in page.url and "town=" not in page.url  # the form was not submitted

    filters.get_by_label("村（社区）").select_option(label="南兴镇 新平村")
    filters.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("member-table").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("member-table")).to_contain_text("王德福")
    expect(filters.get_by_label("村（社区）").locator("option:checked")).to_have_text("南兴镇 新平村")
    expect(filters.get_by_label("乡镇").locator("option:checked")).to_have_text("南兴镇")

    filters.get_by_label("乡镇").select_option(label="三星堆镇")
    expect(filters.get_by_label("村（社区）").locator("option")).to_have_text(
        ["全部村", "三星堆镇 三星村", "三星堆镇 回龙村"]
    )
    expect(filters.get_by_label("村（社区）")).to_have_value("")  # 新平村 is not in 三星堆镇
    assert page.console_errors == []
