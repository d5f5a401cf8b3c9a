from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from guanghan.access import Role
from tests.browser.conftest import log_in
from tests.evaluation.test_table import make_year
from tests.factories import DepartmentFactory, UserFactory

DEPARTMENTS = ["广汉市农业局", "广汉市水务局", "广汉市商务局", "广汉市经信局", "广汉市畜牧局"]


@pytest.fixture
def assessment(transactional_db):
    """2015 closed and 2016 open, five departments with different totals (one of them new in 2016)."""
    staff = UserFactory(username="staff", display_name="组织部 王敏", role=Role.ORG_STAFF)
    UserFactory(username="leader", display_name="领导小组 李建华", role=Role.LEADER)
    units = [DepartmentFactory(name=name, short_name=name[3:]) for name in DEPARTMENTS]
    make_year(2015, {u: [70 + 5 * n] * 5 for n, u in enumerate(units[:4])}, by=staff, close=True)
    given = [[95, 90, 92, 88, 96], [80, 70, 75, 80, 70], [60, 75, 70, 65, 70], [50, 40, 55, 60, 45], [85] * 5]
    make_year(2016, dict(zip(units, given, strict=True)), by=staff)


def body_rows(page) -> list[list[str]]:
    rows = page.get_by_test_id("results-table").locator("tbody tr")
    return [[text.strip() for text in row.locator("td, th").all_inner_texts()] for row in rows.all()]


def test_leader_sorts_the_2016_table_by_total_exports_it_and_opens_the_print_view(page, live_server, assessment):
    log_in(page, live_server.url, "leader")
    page.goto(f"{live_server.url}/evaluation/2016/table/")
    expect(page.get_by_role("heading", name="广汉市2016年度党内项目帮扶工作考核结果")).to_be_visible()
    expect(page.get_by_test_id("table-status")).to_contain_text("考核尚未关闭，结果为当前评分的实时计算")
    table = page.get_by_test_id("results-table")
    total_header = table.locator('th[data-sort-key="total"]')
    before = [row[1] for row in body_rows(page)]
    assert before == ["广汉市农业局", "广汉市畜牧局", "广汉市水务局", "广汉市商务局", "广汉市经信局"]  # rank order

    total_header.get_by_role("link", name="项目帮扶总分").click()
    expect(total_header).to_have_attribute("aria-sort", "ascending")
    expect(table.locator('th[data-sort-key="rank"]')).not_to_have_attribute("aria-sort", "ascending")
    rows = body_rows(page)
    assert [row[1] for row in rows] == before[::-1]
    assert [Decimal(row[7]) for row in rows] == sorted(Decimal(row[7]) for row in rows)
    assert "sort=total" in page.url and "dir=asc" in page.url
    expect(page.locator("#sort-status")).to_have_text("已按“项目帮扶总分”升序排列。")

    total_header.get_by_role("link", name="项目帮扶总分").press("Enter")  # the keyboard turns the order round
    expect(total_header).to_have_attribute("aria-sort", "descending")
    assert [row[1] for row in body_rows(page)] == before
    total_header.get_by_role("link", name="项目帮扶总分").click()
    expect(total_header).to_have_attribute("aria-sort", "ascending")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出 Excel").click()
    download = download_info.value
    assert download.suggested_filename == "广汉市2016年度党内项目帮扶工作考核结果.xlsx"
    ws = load_workbook(BytesIO(Path(download.path()).read_bytes())).active  # the path has no .xlsx suffix
    assert ws["A1"].value == "广汉市2016年度党内项目帮扶工作考核结果"
    assert ws.freeze_panes == "C3"
    for n, row in enumerate(rows, start=3):  # the file follows the page's order, figure for figure
        line = [cell.value for cell in ws[n]]
        assert (str(line[0]), line[1]) == (row[0].removesuffix("（并列）"), row[1])
        assert [f"{Decimal(str(value)):.2f}" for value in line[2:8]] == row[2:8]
        assert f"{Decimal(str(line[11])):+.2f}".replace("+0.00", "0.00") == row[10]
        assert line[12] is None if row[11] == "—" else f"{Decimal(str(line[12])):.2f}" == row[11]

    page.get_by_role("link", name="打印版").click()
    expect(page.get_by_test_id("print-title")).to_have_text("广汉市2016年度党内项目帮扶工作考核结果")
    expect(page.get_by_test_id("print-date")).to_contain_text("制表日期")
    expect(page.get_by_test_id("nav")).to_have_count(0)
    assert body_rows(page) == rows
    assert page.console_errors == []
