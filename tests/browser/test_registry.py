import re
from datetime import date

import pytest
from playwright.sync_api import expect

from guanghan.access import Role
from guanghan.lib import idnumber
from guanghan.models import PovertyCause
from members.models import Member
from tests.browser.conftest import log_in
from tests.factories import PartyBranchFactory, TownFactory, UserFactory, VillageFactory

GOOD_ID = idnumber.make("510681", date(1953, 4, 12), 37, "male")


@pytest.fixture
def registry_users(transactional_db):
    town = TownFactory(name="三星堆镇", code="510681101")
    village = VillageFactory(town=town, name="三星村", code="510681101201")
    PartyBranchFactory(village=village, name="三星村党总支")
    for n, name in enumerate(["缺技术", "缺资金", "因病"]):
        PovertyCause.objects.get_or_create(name=name, defaults={"code": f"cause{n}", "order": n})
    return {"staff": UserFactory(username="staff", display_name="组织部 王敏", role=Role.ORG_STAFF), "village": village}


def test_staff_registers_a_member_after_fixing_the_id_then_records_a_survey(page, live_server, registry_users):
    log_in(page, live_server.url, "staff")
    page.get_by_test_id("nav").get_by_role("link", name="信息库").click()
    page.get_by_role("link", name="登记").click()

    page.get_by_label("姓名").fill("王建国")
    page.get_by_label("身份证号").fill(GOOD_ID[:-1] + ("1" if GOOD_ID[-1] == "0" else "0"))
    page.get_by_label("村（社区）").select_option(label="三星堆镇 三星村")
    page.get_by_label("家庭人口").fill("4")
    page.get_by_label("家庭年人均收入（元）").fill("2350.50")
    page.get_by_label("主要致贫原因").select_option(label="缺技术")
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_test_id("form-errors")).to_be_visible()
    expect(page.locator("#error_1_id_id_number")).to_contain_text("校验位不正确")
    expect(page.get_by_label("姓名")).to_have_value("王建国")  # nothing typed is lost

    page.get_by_label("身份证号").fill(GOOD_ID)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("王建国")
    expect(page.get_by_test_id("id-number")).to_have_text(GOOD_ID[:6] + "********" + GOOD_ID[-4:])
    member = Member.objects.get(id_number=GOOD_ID)
    assert (member.gender, member.birth_date) == ("male", date(1953, 4, 12))

    page.get_by_role("link", name="记录摸底调查").click()
    page.get_by_label("家庭年人均收入（元）").fill("4100")
    page.get_by_role("button", name="保存调查").click()
    expect(page.get_by_text("的摸底调查")).to_be_visible()
    expect(page.get_by_test_id("surveys").locator("li")).to_have_count(2)
    member.refresh_from_db()
    assert str(member.income_per_capita) == "4100.00"
    assert page.console_errors == []


def test_the_member_list_works_on_a_phone(phone, live_server, registry_users):
    from tests.factories import MemberFactory

    member = MemberFactory(village=registry_users["village"], name="张德福")
    MemberFactory(village=registry_users["village"], name="李四")
    log_in(phone, live_server.url, "staff")
    phone.goto(f"{live_server.url}/members/")
    expect(phone.get_by_test_id("member-table")).to_contain_text("张德福")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

    # A full ID number searched is posted and kept in the session: the address carries only a reference.
    phone.get_by_label("姓名、身份证号或电话").fill(member.id_number)
    phone.get_by_role("button", name="查询").click()
    phone.wait_for_url(re.compile(r"/members/\?.*q_ref="))
    assert member.id_number not in phone.url
    expect(phone.get_by_test_id("member-table")).not_to_contain_text("李四")
    expect(phone.get_by_test_id("member-table")).to_contain_text("张德福")
    assert phone.console_errors == []


def _roster(path, rows):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["三星堆镇困难党员花名册"])
    ws.append(["序号", "姓名", "身份证号", "乡镇", "村(社区)", "家庭人口", "家庭年人均收入", "致贫原因"])
    for n, row in enumerate(rows, start=1):
        ws.append([n, *row])
    ws.append(["合计", len(rows)])
    wb.save(path)
    return path


def test_staff_imports_a_roster_after_fixing_its_bad_row(page, live_server, registry_users, tmp_path):
    good = idnumber.make("510681", date(1950, 1, 2), 11, "female")
    other = idnumber.make("510681", date(1948, 5, 6), 13, "male")
    rows = [
        ["刘秀英", good, "三星堆镇", "三星村", 3, "2100", "缺资金"],
        ["陈国华", other[:-1] + ("0" if other[-1] != "0" else "1"), "三星堆镇", "三星村", 2, "1900", "因病"],
    ]
    log_in(page, live_server.url, "staff")
    page.goto(f"{live_server.url}/members/")
    page.get_by_role("link", name="导入花名册").click()
    page.get_by_label("花名册文件").set_input_files(str(_roster(tmp_path / "三星村花名册.xlsx", rows)))
    page.get_by_role("button", name="上传并预览").click()

    expect(page.get_by_test_id("count-errors")).to_have_text("1")
    expect(page.get_by_test_id("roster-errors")).to_contain_text("身份证号")
    expect(page.get_by_test_id("roster-fix")).to_be_visible()
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    assert Member.objects.count() == 0

    rows[1][1] = other
    page.goto(f"{live_server.url}/members/import/")
    page.get_by_label("花名册文件").set_input_files(str(_roster(tmp_path / "三星村花名册（改）.xlsx", rows)))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_test_id("count-new")).to_have_text("2")
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_test_id("roster-imported")).to_be_visible()
    assert sorted(Member.objects.values_list("name", flat=True)) == ["刘秀英", "陈国华"]
    assert page.console_errors == []
