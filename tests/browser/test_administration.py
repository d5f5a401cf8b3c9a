"""The administrators in the browser: each enrols its authenticator at the first login and sees only its own pages;
the security administrator lifts a lock after confirming; the auditor reads the trail on a phone without the page
scrolling sideways."""

from datetime import date

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from playwright.sync_api import expect

from guanghan.access import AdminRole, Role
from tests.browser.conftest import log_in
from tests.factories import CadreFactory, DepartmentFactory, MemberFactory, TownFactory, UserFactory, VillageFactory


@pytest.fixture
def admins(transactional_db):
    town = TownFactory(name="三星堆镇", code="510681101")
    village = VillageFactory(town=town, name="三星村", code="510681101201")
    MemberFactory(village=village, name="张德福", birth_date=date(1950, 3, 1))
    return {
        "sysadmin": UserFactory(username="sysadmin", display_name="系统管理员 赵磊", role=AdminRole.SYS_ADMIN),
        "secadmin": UserFactory(username="secadmin", display_name="安全管理员 孙丽", role=AdminRole.SECURITY_ADMIN),
        "auditor": UserFactory(username="auditor", display_name="审计管理员 周平", role=AdminRole.AUDITOR),
        "town01": UserFactory(username="town01", display_name="三星堆镇 刘芳", town=town, role=Role.TOWN_STAFF),
    }


def test_security_admin_lifts_a_lock_after_confirming(page, live_server, admins):
    AccessAttempt.objects.create(
        username="town01",
        ip_address="10.20.1.15",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
        user_agent="",
        http_accept="",
        path_info="/login/",
        get_data="",
        post_data="",
    )
    log_in(page, live_server.url, "secadmin")  # the role requires two-factor: the first login enrols
    expect(page.locator("nav .navbar-nav").first.get_by_role("link")).to_have_text(["用户", "安全"])
    page.get_by_role("link", name="安全").first.click()
    locks = page.get_by_test_id("locks")
    expect(locks).to_contain_text("town01")

    page.get_by_label("事由").fill("本人来电确认")
    page.once("dialog", lambda dialog: dialog.accept())
    locks.get_by_role("button", name="解除锁定").click()

    expect(page.get_by_role("alert").first).to_contain_text("已解除 town01（10.20.1.15）的登录锁定")
    expect(page.get_by_test_id("locks")).to_contain_text("当前没有被锁定的登录")


def test_auditor_reads_the_trail_on_a_phone(phone, live_server, admins):
    log_in(phone, live_server.url, "auditor")
    expect(phone.locator("nav .navbar-nav").first.get_by_role("link", include_hidden=True)).to_have_text(["审计"])
    phone.goto(f"{live_server.url}/administration/audit/")
    phone.get_by_label("记录类型").select_option(label="困难党员（群众）")
    phone.get_by_role("button", name="查询").click()

    expect(phone.get_by_test_id("trail")).to_contain_text("张德福")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways ({width} px)"
    assert phone.console_errors == []


def test_system_admin_finds_a_liaison_officers_cadre_by_department(page, live_server, admins):
    farming = DepartmentFactory(name="广汉市农业局", short_name="农业")
    water = DepartmentFactory(name="广汉市水利局", short_name="水利")
    CadreFactory(name="李强", department=farming)
    CadreFactory(name="王涛", department=water)
    log_in(page, live_server.url, "sysadmin")
    page.goto(f"{live_server.url}/administration/users/new/")
    cadre = page.get_by_label("对应干部")
    expect(cadre.locator("option")).to_have_text(["请先选择干部所在部门"])

    page.get_by_label("干部所在部门").select_option(label="广汉市水利局")
    expect(cadre.locator("option")).to_have_text(["（不对应干部）", "王涛（水利）"])
    page.get_by_label("用户名").fill("officer96")
    page.get_by_label("姓名").fill("王涛")
    page.get_by_label("督查联络员").check()
    cadre.select_option(label="王涛（水利）")
    page.locator("#id_password1").fill("Guanghan2026xyz")
    page.locator("#id_password2").fill("Guanghan2026xyz")
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_role("alert").first).to_contain_text("已建立账号 officer96")
    assert page.console_errors == []
