from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from supervision.models import Assignment, LiaisonOfficer, Questionnaire
from tests.browser.conftest import log_in
from tests.factories import CadreFactory, TownFactory, UserFactory, VillageFactory


@pytest.fixture
def phone_officer(transactional_db):
    """officer01 seconded to 三星村, in a database the live server can read."""
    village = VillageFactory(town=TownFactory(name="三星堆镇", code="510681101"), name="三星村", code="510681101201")
    cadre = CadreFactory(name="刘志强")
    UserFactory(username="officer01", display_name="联络员 刘志强", role="liaison", cadre=cadre)
    officer = LiaisonOfficer.objects.create(cadre=cadre, appointed_on=date(2015, 3, 1))
    Assignment.objects.create(officer=officer, village=village, started_on=date(2015, 3, 1))
    return village


def test_an_officer_enters_a_questionnaire_on_a_phone(phone, live_server, phone_officer):
    page = phone
    log_in(page, live_server.url, "officer01")
    page.goto(f"{live_server.url}{reverse('supervision:questionnaire-create')}")
    expect(page.get_by_label("调查的村（社区）")).to_have_value(str(phone_officer.pk))
    rows = page.locator("[data-answer-row]")
    expect(rows).to_have_count(10)
    rows.nth(0).get_by_placeholder("受访人（可不填）").fill("张大爷")
    rows.nth(0).get_by_text("满意", exact=True).click()
    rows.nth(1).get_by_text("基本满意", exact=True).click()
    rows.nth(2).get_by_text("不满意", exact=True).click()
    rows.nth(2).get_by_role("button", name="清空").click()  # a wrong tap taken back: the row is empty again
    page.get_by_role("button", name="再加 10 行").click()
    expect(rows).to_have_count(20)
    rows.nth(14).get_by_text("不满意", exact=True).click()
    rows.nth(14).get_by_placeholder("意见建议（可不填）").fill("希望多办培训")
    expect(page.locator("[data-tally]")).to_have_text("已录 3 份：满意 1，基本满意 1，不满意 1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("button", name="保存问卷").click()

    expect(page.get_by_test_id("questionnaire-rate")).to_have_text("66.7%")
    expect(page.get_by_role("alert").filter(has_text="已保存")).to_contain_text("共 3 份答卷，满意率 66.7%")
    saved = Questionnaire.objects.get()
    assert list(saved.responses.values_list("respondent", "answer", "comment")) == [
        ("张大爷", "satisfied", ""),
        ("", "basically", ""),
        ("", "dissatisfied", "希望多办培训"),
    ]
    assert page.console_errors == []
