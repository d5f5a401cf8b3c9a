import importlib

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from guanghan.access import Role
from projects.models import Consultation, VillagePairing
from tests.browser.conftest import log_in
from tests.factories import DepartmentFactory, ProjectFactory, TownFactory, UserFactory, VillageFactory


@pytest.fixture
def adviser_and_project(transactional_db):
    """农业 (an advisory department) helps 金鱼村, which runs a key project."""
    town = TownFactory(name="金鱼镇", code="510681105")
    village = VillageFactory(town=town, name="金鱼村", code="510681105201")
    agriculture = DepartmentFactory(name="广汉市农业局", short_name="农业", is_advisory=True)
    VillagePairing.objects.create(department=agriculture, village=village, year=2016, started_on="2016-03-01")
    project = ProjectFactory(village=village, name="金鱼村韭黄种植基地", product="韭黄", department=agriculture)
    user = UserFactory(username="dept01", display_name="农业局 刘洪", department=agriculture, role=Role.DEPT_STAFF)
    # Live-server tests empty the tables; give the role what projects' migration 0004 grants it.
    grants = importlib.import_module("projects.migrations.0004_training_consultation").GRANTS[Role.DEPT_STAFF]
    user.groups.get().permissions.add(
        *Permission.objects.filter(content_type__app_label="projects", codename__in=grants)
    )
    return project


def test_department_staff_record_advice_on_a_project_and_find_it_listed(page, live_server, adviser_and_project):
    project = adviser_and_project
    log_in(page, live_server.url, "dept01")
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("金鱼村韭黄种植基地")

    page.goto(f"{live_server.url}/projects/consultations/?project={project.pk}")
    expect(page.get_by_test_id("consultation-table")).to_contain_text("没有符合条件的咨询记录")
    page.get_by_role("link", name="记录咨询意见").click()
    expect(page.get_by_label("顾问部门")).to_be_disabled()  # department staff advise in their own department's name
    page.get_by_label("技术", exact=True).check()
    page.get_by_label("产中", exact=True).check()
    page.get_by_label("意见和信息").fill("韭黄进入软化期，注意控温控湿，及时防治灰霉病。")
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_role("alert").filter(has_text="已记录")).to_contain_text(
        "已记录农业对“金鱼村韭黄种植基地”的产中技术咨询意见"
    )
    row = page.get_by_test_id("consultation-table").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("金鱼村韭黄种植基地")
    expect(row).to_contain_text("农业")
    expect(row).to_contain_text("技术")
    expect(row).to_contain_text("产中")
    expect(row).to_contain_text("待跟踪")

    page.get_by_role("link", name="清除").click()  # the whole list, not only this project's
    expect(page.get_by_test_id("consultation-table")).to_contain_text("韭黄进入软化期")
    saved = Consultation.objects.get()
    assert (saved.kind, saved.stage, saved.department.short_name, saved.by.username) == (
        "technology",
        "during",
        "农业",
        "dept01",
    )
    assert page.console_errors == []
