import contextlib
from datetime import date
from io import BytesIO

import pytest
from PIL import Image
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from guanghan.access import Role
from supervision.models import Assignment, LiaisonOfficer, Rectification, Visit
from tests.browser.conftest import log_in
from tests.factories import CadreFactory, ProjectFactory, TownFactory, UserFactory, VillageFactory


@pytest.fixture
def officer01(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    town = TownFactory(name="三星堆镇", code="510681104")
    village = VillageFactory(town=town, name="三星村", code="510681104201")
    ProjectFactory(village=village, name="三星村韭黄种植基地", status="running")
    cadre = CadreFactory(name="刘志强")
    UserFactory(username="officer01", display_name="联络员 刘志强", role=Role.LIAISON, cadre=cadre)
    UserFactory(username="staff", display_name="组织部 王敏", role=Role.ORG_STAFF)
    officer = LiaisonOfficer.objects.create(cadre=cadre, appointed_on=date(2015, 3, 1))
    Assignment.objects.create(officer=officer, village=village, started_on=date(2015, 3, 1))
    return village


def photo_bytes() -> bytes:
    out = BytesIO()
    Image.new("RGB", (2400, 1800), (40, 120, 40)).save(out, format="JPEG")
    return out.getvalue()


def test_officer_logs_a_visit_on_a_phone_and_staff_verifies_the_rectification(phone, browser, live_server, officer01):
    page = phone
    log_in(page, live_server.url, "officer01")
    page.goto(f"{live_server.url}/supervision/visits/new/")
    expect(page.get_by_label("村（社区）")).to_have_value(str(officer01.pk))
    page.get_by_label("督查的项目（可不选）").select_option(label="三星村 · 2016 · 三星村韭黄种植基地")
    page.get_by_test_id("check-funds_clear").get_by_text("部分").click()
    page.get_by_label("资金走向说明").fill("台账缺两笔支出凭证")
    page.get_by_test_id("check-effect_visible").get_by_text("是").click()
    page.get_by_test_id("check-people_satisfied").get_by_text("是").click()
    page.get_by_label("督查记录").fill("走访韭黄基地，查看资金台账")

    # The connection drops as the officer taps save: nothing is lost.
    page.context.set_offline(True)
    with contextlib.suppress(PlaywrightError):  # Chromium shows its "no internet" page
        page.get_by_role("button", name="保存督查记录").click()
        page.wait_for_load_state()
    assert not Visit.objects.exists()
    page.context.set_offline(False)
    page.goto(f"{live_server.url}/supervision/visits/new/")
    expect(page.get_by_test_id("draft-notice")).to_be_visible()
    expect(page.get_by_label("资金走向说明")).to_have_value("台账缺两笔支出凭证")
    expect(page.get_by_label("督查记录")).to_have_value("走访韭黄基地，查看资金台账")
    assert not Visit.objects.exists()

    page.get_by_label("照片（可多张，每张不超过 10 MB）").set_input_files(
        [{"name": "site.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}]
    )
    page.get_by_role("button", name="保存督查记录").click()
    expect(page.locator(".alert-success")).to_contain_text("发现 1 个问题，已生成整改事项")
    expect(page.get_by_test_id("visit-photos").locator("img")).to_have_count(1)
    assert page.get_by_test_id("visit-photos").locator("img").evaluate("img => img.naturalWidth") == 1600
    page.get_by_test_id("visit-rectifications").get_by_role("link").click()
    expect(page.get_by_test_id("rectification-problem")).to_contain_text("资金走向清楚：部分。台账缺两笔支出凭证")
    page.get_by_label("整改情况").fill("已补齐支出凭证并公示")
    page.get_by_role("button", name="报告整改完成").click()
    expect(page.get_by_test_id("rectification-status")).to_have_text("已报整改完成")
    rectification = Rectification.objects.get()
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('visit-draft')).length") == 0
    assert page.console_errors == []

    staff = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN").new_page()
    log_in(staff, live_server.url, "staff")
    staff.goto(f"{live_server.url}/supervision/rectifications/{rectification.pk}/")
    staff.get_by_role("button", name="验收通过").click()
    expect(staff.get_by_test_id("rectification-status")).to_have_text("已验收")
    expect(staff.get_by_test_id("rectification-steps")).to_contain_text("验收通过")
    rectification.refresh_from_db()
    assert rectification.status == "verified" and Visit.objects.count() == 1
    staff.context.close()
