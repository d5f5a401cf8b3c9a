import pytest
from playwright.sync_api import expect

from guanghan.access import Role
from tests.browser.conftest import log_in
from tests.factories import PartyBranchFactory, TownFactory, UserFactory, VillageFactory

EVERYONE = ["首页", "看板", "信息库"]
WORK = ["项目", "结对", "培训", "顾问组", "资金", "督查"]
NAVIGATION = {
    Role.ORG_STAFF: [*EVERYONE, "公示", *WORK, "考核", "村（社区）", "部门"],
    Role.TOWN_STAFF: [*EVERYONE, "公示", *WORK, "村（社区）"],
    Role.LIAISON: [*EVERYONE, *WORK, "村（社区）"],
    Role.DEPT_STAFF: [*EVERYONE, *WORK, "考核", "村（社区）", "部门"],
    Role.LEADER: [*EVERYONE, "公示", *WORK, "考核", "村（社区）", "部门"],
}


@pytest.fixture
def demo_users(transactional_db):
    town = TownFactory(name="三星堆镇", code="510681101")
    village = VillageFactory(town=town, name="三星村", code="510681101201")
    PartyBranchFactory(village=village, name="三星村党总支", member_count=118)
    VillageFactory(town=TownFactory(name="南兴镇", code="510681102"), name="金光村", code="510681102201")
    from tests.factories import DepartmentFactory

    department = DepartmentFactory(name="广汉市农业局", short_name="农业")
    return {
        Role.ORG_STAFF: UserFactory(username="staff", display_name="组织部 王敏", role=Role.ORG_STAFF),
        Role.TOWN_STAFF: UserFactory(username="town01", display_name="三星堆镇 刘芳", town=town, role=Role.TOWN_STAFF),
        Role.LIAISON: UserFactory(username="officer01", display_name="联络员 张强", role=Role.LIAISON),
        Role.DEPT_STAFF: UserFactory(
            username="dept01", display_name="农业局 陈杰", department=department, role=Role.DEPT_STAFF
        ),
        Role.LEADER: UserFactory(username="leader", display_name="领导小组 李建华", role=Role.LEADER),
    }


@pytest.mark.parametrize("role", list(NAVIGATION))
def test_each_role_logs_in_sees_its_navigation_and_logs_out(page, live_server, demo_users, role):
    user = demo_users[role]
    log_in(page, live_server.url, user.username)

    expect(page.get_by_test_id("current-user")).to_have_text(user.display_name)
    expect(page.get_by_test_id("role")).to_have_text(Role(role).label)
    expect(page.get_by_test_id("nav").get_by_role("link")).to_have_text(NAVIGATION[role])
    expect(page.get_by_role("link", name="系统管理")).to_have_count(0)
    assert page.locator("nav.navbar").bounding_box()["height"] < 70  # one line at 1366 px, the widest role too
    page.get_by_role("button", name="账号设置").click()
    expect(page.get_by_role("link", name="修改密码")).to_be_visible()

    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(f"{live_server.url}/login/")
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/login/?next=/")
    assert page.console_errors == []


def test_a_wrong_password_shows_a_chinese_error(page, live_server, demo_users):
    log_in(page, live_server.url, "staff", password="not-the-password")
    expect(page.get_by_test_id("login-error")).to_have_text("用户名或密码不正确，请重新输入（密码区分大小写）。")
    expect(page.get_by_label("用户名")).to_have_value("staff")


def test_town_staff_finds_its_village_and_not_another_towns(page, live_server, demo_users):
    log_in(page, live_server.url, "town01")
    page.get_by_test_id("nav").get_by_role("link", name="村（社区）").click()
    table = page.get_by_test_id("village-table")
    expect(table).to_contain_text("三星村")
    expect(table).not_to_contain_text("金光村")
    table.get_by_role("link", name="三星村").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("三星堆镇 三星村")
    expect(page.locator("body")).to_contain_text("党员 118 名")


def test_pages_use_the_project_styles_and_chinese_fonts(page, live_server, demo_users):
    log_in(page, live_server.url, "staff")
    background = page.locator("nav.navbar").evaluate("el => getComputedStyle(el).backgroundColor")
    assert background == "rgb(183, 28, 28)"
    assert page.evaluate("document.fonts.check('16px \"Noto Sans CJK SC\"', '党')")


def test_on_a_phone_the_menu_folds_and_nothing_overflows(phone, live_server, demo_users):
    log_in(phone, live_server.url, "officer01")
    nav_link = phone.get_by_test_id("nav").get_by_role("link", name="村（社区）")
    expect(nav_link).to_be_hidden()
    phone.get_by_role("button", name="展开菜单").click()
    expect(phone.locator("#main-nav.show")).to_be_visible()  # the collapse animation has finished
    expect(nav_link).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    nav_link.click()
    expect(phone.get_by_role("heading", name="村（社区）目录")).to_be_visible()
    expect(phone.get_by_text("没有符合条件的村（社区）。")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert phone.console_errors == []
