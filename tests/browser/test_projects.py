import pytest
from playwright.sync_api import expect

from guanghan.access import Role
from guanghan.models import Industry
from projects.models import Enrollment, Project
from tests.browser.conftest import log_in
from tests.factories import MemberFactory, PartyBranchFactory, TownFactory, UserFactory, VillageFactory, add_to_list


@pytest.fixture
def village_with_people(transactional_db):
    town = TownFactory(name="金鱼镇", code="510681105")
    village = VillageFactory(town=town, name="金鱼村", code="510681105201")
    PartyBranchFactory(village=village, name="金鱼村党总支")
    planting = Industry.objects.get_or_create(code="planting", defaults={"name": "种植"})[0]
    Industry.objects.get_or_create(code="breeding", defaults={"name": "养殖"})
    member = MemberFactory(village=village, name="周德明")
    add_to_list(member, "aspiration_ids", planting)
    UserFactory(username="staff", display_name="组织部 王敏", role=Role.ORG_STAFF)
    return village


def recommend(page, base_url, name, industry, maturity, benefit):
    page.goto(f"{base_url}/projects/new/")
    page.get_by_label("村（社区）").select_option(label="金鱼镇 金鱼村")
    page.get_by_label("项目名称").fill(name)
    page.get_by_label("产业").select_option(label=industry)
    page.get_by_label("成熟度（1–5）").fill(str(maturity))
    page.get_by_label("预期年增收（万元）").fill(benefit)
    page.get_by_role("button", name="推荐").click()


def test_staff_recommends_compares_selects_and_enrolls(page, live_server, village_with_people):
    log_in(page, live_server.url, "staff")
    recommend(page, live_server.url, "金鱼村韭黄种植基地", "种植", 4, "36.5")
    recommend(page, live_server.url, "金鱼村肉兔养殖场", "养殖", 3, "20")

    candidates = page.get_by_test_id("candidates")
    expect(candidates.locator(".card")).to_have_count(2)
    expect(candidates.locator(".card").first).to_contain_text("金鱼村韭黄种植基地")  # the more mature one first
    expect(candidates.locator(".card").first.get_by_test_id("fitting")).to_have_text("1 人")
    candidates.locator(".card").first.get_by_role("button", name="敲定为重点培植项目").click()
    expect(page.get_by_test_id("key-count")).to_have_text("已敲定重点项目 1 / 2")
    assert Project.objects.get(name="金鱼村韭黄种植基地").is_key

    page.get_by_role("link", name="金鱼村韭黄种植基地").click()
    suggestions = page.get_by_test_id("suggestions")
    expect(suggestions).to_contain_text("周德明")
    suggestions.get_by_role("button", name="纳入").click()
    expect(page.get_by_test_id("enrollments")).to_contain_text("周德明")
    assert Enrollment.objects.get().member.name == "周德明"
    assert page.console_errors == []
