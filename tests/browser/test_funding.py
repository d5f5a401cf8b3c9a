from decimal import Decimal

import pytest
from playwright.sync_api import expect

from funding.models import Account, Contribution, Disbursement
from guanghan.access import Role
from projects.models import VillagePairing
from tests.browser.conftest import log_in
from tests.factories import DepartmentFactory, ProjectFactory, TownFactory, UserFactory, VillageFactory


@pytest.fixture
def department_with_village(transactional_db):
    town = TownFactory(name="三星堆镇", code="510681104")
    village = VillageFactory(town=town, name="三星村", code="510681104201")
    department = DepartmentFactory(name="广汉市农业局", short_name="农业局")
    VillagePairing.objects.create(department=department, village=village, year=2016, started_on="2016-03-01")
    UserFactory(username="dept01", display_name="农业局 刘芳", role=Role.DEPT_STAFF, department=department)
    return ProjectFactory(village=village, name="三星村韭黄种植基地", department=department, status="running")


def test_dept01_records_money_in_and_out_and_sees_the_project_fund_flow(page, live_server, department_with_village):
    project = department_with_village
    log_in(page, live_server.url, "dept01")
    page.get_by_role("link", name="资金").first.click()
    page.get_by_role("link", name="登记收入").click()
    page.get_by_label("资金来源").select_option(label="部门自有资金")
    page.get_by_label("金额（元）").fill("20,000")
    page.get_by_label("凭证号").fill("NY-2016-001")
    page.get_by_label("摘要").fill("2016 年帮扶专项经费")
    page.get_by_role("button", name="记账").click()
    expect(page.locator(".alert-success")).to_contain_text("农业局帮扶资金收入 20,000.00 元")
    assert Account.objects.get(department=project.department).balance == Decimal("20000.00")

    page.goto(f"{live_server.url}/projects/{project.pk}/")
    page.get_by_test_id("project-funds").get_by_role("link", name="拨付资金").click()
    page.get_by_label("用途").select_option(label="种苗、农资等生产资料")
    page.get_by_label("金额（元）").fill("12500.50")
    page.get_by_label("凭证号").fill("NY-2016-002")
    page.get_by_label("审批人").fill("张局长")
    page.get_by_role("button", name="记账").click()
    expect(page.get_by_test_id("amount")).to_have_text("12,500.50 元")

    page.get_by_role("link", name=project.name).click()
    expect(page.get_by_test_id("flow-total")).to_have_text("12,500.50")
    expect(page.get_by_test_id("flow-accounts")).to_contain_text("农业局帮扶资金")
    expect(page.get_by_test_id("flow-accounts")).to_contain_text("部门自有资金 100.0%")
    expect(page.get_by_test_id("disbursement-table")).to_contain_text("NY-2016-002")

    page.get_by_role("link", name="拨付资金").click()
    page.get_by_label("用途").select_option(label="设施设备")
    page.get_by_label("金额（元）").fill("8000")
    page.get_by_label("凭证号").fill("NY-2016-003")
    page.get_by_label("审批人").fill("张局长")
    page.get_by_role("button", name="记账").click()
    expect(page.locator(".invalid-feedback")).to_contain_text(
        "余额不足：农业局帮扶资金当前余额 7,499.50 元，本次支出 8,000.00 元，还差 500.50 元。"
    )
    expect(page.get_by_label("凭证号")).to_have_value("NY-2016-003")
    assert Disbursement.objects.count() == 1 and Contribution.objects.count() == 1
    assert page.console_errors == []
