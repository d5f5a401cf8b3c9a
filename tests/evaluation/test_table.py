"""The leaders' year-end table through HTTP: its numbers, ties, sorting, last year's comparison, the frozen results of
a closed year, the print view, the .xlsx export, the JSON, who may open them, and a fixed number of queries."""

from decimal import Decimal
from html.parser import HTMLParser
from io import BytesIO

import pgtrigger
import pytest
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from evaluation import services
from evaluation.models import AssessmentYear, Block, Result, Score
from evaluation.services import Band
from tests.factories import DepartmentFactory

D = Decimal
CODES = ["village_pairing", "household_pairing", "branch_association", "credit", "demo_base"]
WEIGHTS = [30, 20, 20, 15, 15]
RULES = [
    Band(D(90), D(100), "优秀", "reward", D(20)),
    Band(D(75), D(90), "良好", "reward", D(10)),
    Band(D(60), D(75), "合格", "none", D(0)),
    Band(D(0), D(60), "不合格", "penalty", D(40)),
]
TITLE_2016 = "广汉市2016年度党内项目帮扶工作考核结果"


def make_year(number: int, given: dict, *, by, close: bool = False) -> AssessmentYear:
    """A year with the five blocks (weights 30/20/20/15/15, each out of 100), the rules above, and each department's
    given scores in block order."""
    with transaction.atomic():  # scores_prepare locks the year without opening a transaction of its own
        return _make_year(number, given, by=by, close=close)


def _make_year(number: int, given: dict, *, by, close: bool) -> AssessmentYear:
    year = AssessmentYear.objects.create(year=number)
    for order, (code, weight) in enumerate(zip(CODES, WEIGHTS, strict=True)):
        Block.objects.create(year=year, code=code, weight=weight, max_points=100, order=order)
    services.rule_table_replace(year=year, bands=RULES)
    services.scores_prepare(year=year, departments=list(given))
    for score in Score.objects.filter(year=year).select_related("block", "department"):
        value = given[score.department][CODES.index(score.block.code)]
        services.score_give(score=score, given=D(value), remark="", version=score.version, by=by)
    if close:
        services.year_close(year=year, by=by)
    return year


@pytest.fixture
def units(department, other_department):
    """Four departments: 农业 and 水利 from conftest, and two more (水利 sorts before 邮政 among equal totals)."""
    return [
        department,
        other_department,
        DepartmentFactory(name="广汉市邮政局"),
        DepartmentFactory(name="广汉市经信局"),
    ]


@pytest.fixture
def assessed(units, org_staff):
    """2015 closed with three departments; 2016 open with four, two of them tied."""
    a, b, c, d = units
    make_year(2015, {a: [80] * 5, b: [90] * 5, c: [60] * 5}, by=org_staff, close=True)
    return make_year(
        2016,
        {
            a: [95, 90, 92, 88, 96],  # 92.50 优秀 +18.50
            b: [80, 70, 75, 80, 70],  # 75.50 良好 +7.55
            c: [80, 75, 70, 80, 70],  # 75.50 良好 +7.55 (tied with b)
            d: [50, 40, 55, 60, 45],  # 49.75 不合格 -19.90
        },
        by=org_staff,
    )


class Cells(HTMLParser):
    """The text of each cell of each body row of the results table."""

    def __init__(self):
        super().__init__()
        self.rows, self.cell, self.in_body = [], None, False

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.rows.append([])
        elif self.in_body and tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "tbody":
            self.in_body = False
        elif self.in_body and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join(self.cell.split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def cells(response) -> list[list[str]]:
    parser = Cells()
    parser.feed(response.content.decode())
    return parser.rows


def get(client, user, url, **query):
    client.force_login(user)
    return client.get(url, query)


def table_url(year=2016):
    return reverse("evaluation:table", args=[year])


def print_url(year=2016):
    return reverse("evaluation:table-print", args=[year])


def json_url(year=2016):
    return reverse("evaluation-results", args=[year])


def names(response) -> list[str]:
    return [row["department"].name for row in response.context["table"]["rows"]]


# The numbers -----------------------------------------------------------------------------------------------------


def test_an_open_year_shows_the_live_results_and_says_so(client, leader, assessed, units):
    response = get(client, leader, table_url())
    assert response.status_code == 200
    live = services.compute_results(assessed)
    rows = response.context["table"]["rows"]
    for row, expected in zip(rows, live, strict=True):
        for key in ("department", "by_block", "total", "rank", "grade", "kind", "percentage", "points"):
            assert row[key] == expected[key]
    assert [(r["total"], r["rank"], r["points"]) for r in rows] == [
        (D("92.50"), 1, D("18.50")),
        (D("75.50"), 2, D("7.55")),
        (D("75.50"), 2, D("7.55")),
        (D("49.75"), 4, D("-19.90")),
    ]
    assert "考核尚未关闭，结果为当前评分的实时计算" in response.content.decode()
    first = cells(response)[0]
    assert first[:8] == ["1", units[0].name, "95.00", "90.00", "92.00", "88.00", "96.00", "92.50"]
    assert first[8:11] == ["优秀", "奖励 20%", "+18.50"]
    last = cells(response)[3]
    assert last[8:11] == ["不合格", "处罚 40%", "-19.90"]


def test_the_headers_follow_the_years_block_order_with_their_maximum(client, org_staff, assessed):
    Block.objects.filter(year=assessed).exclude(code="credit").update(order=F("order") + 1)
    Block.objects.filter(year=assessed, code="credit").update(order=0)  # 党员农贷快车 first
    response = get(client, org_staff, table_url())
    labels = [h.label for h in response.context["table"]["headers"]]
    assert labels[:8] == [
        "名次",
        "部门",
        "党员农贷快车",
        "部门帮村",
        "党员帮户",
        "支部+协会",
        "党员创业示范基地",
        "项目帮扶总分",
    ]
    assert labels[8:] == ["等次", "奖惩", "奖惩分", "上年总分", "上年名次", "名次升降", "总分增减"]
    headers = response.context["table"]["headers"]
    assert (headers[2].notes, headers[11].notes) == (("满分 100", "权重 15%"), ("2015 年",))
    assert cells(response)[0][2] == "88.00"  # a's credit score moved with its header


def test_equal_totals_share_a_rank_shown_as_tied(client, leader, assessed, units):
    response = get(client, leader, table_url())
    ranks = [row[0] for row in cells(response)]
    assert ranks == ["1", "2（并列）", "2（并列）", "4"]
    assert [r["tied"] for r in response.context["table"]["rows"]] == [False, True, True, False]


def test_last_years_total_and_rank_are_compared_and_a_newcomer_has_dashes(client, leader, assessed, units):
    response = get(client, leader, table_url())
    by_name = {row[1]: row for row in cells(response)}
    a, b, c, d = (by_name[u.name] for u in units)
    assert a[11:] == ["80.00", "2", "↑1", "↑12.50"]
    assert b[11:] == ["90.00", "1", "↓1", "↓14.50"]
    assert c[11:] == ["60.00", "3", "↑1", "↑15.50"]
    assert d[11:] == ["—", "—", "—", "—"]


def test_without_an_assessment_the_year_before_every_comparison_is_a_dash(client, leader, units, org_staff):
    make_year(2020, {units[0]: [70] * 5}, by=org_staff)
    response = get(client, leader, table_url(2020))
    assert cells(response)[0][11:] == ["—", "—", "—", "—"]
    assert "2019 年没有考核" in response.content.decode()


def test_a_closed_year_shows_its_frozen_results_not_a_new_calculation(client, leader, assessed, units):
    year = AssessmentYear.objects.get(year=2015)
    # A score changed behind the trigger's back (as a damaged database might): the table keeps the closed outcome.
    with pgtrigger.ignore("evaluation.Score:score_frozen_when_closed"):
        Score.objects.filter(year=year, department=units[2]).update(given=D(100))
    response = get(client, leader, table_url(2015))
    html = response.content.decode()
    assert "考核尚未关闭" not in html and "以下为关闭时确定的结果" in html
    frozen = list(Result.objects.filter(year=year).select_related("department"))
    rows = response.context["table"]["rows"]
    assert [(r["department"], r["total"], r["rank"], r["grade"], r["points"]) for r in rows] == [
        (x.department, x.total, x.rank, x.grade, x.points) for x in frozen
    ]
    by_name = {row[1]: row for row in cells(response)}
    assert by_name[units[2].name][7:11] == ["60.00", "合格", "—", "0.00"]
    assert by_name[units[2].name][2] == "100.00"  # the block figures are the score rows
    assert services.compute_results(year)[0]["total"] == D("100.00")  # what a live calculation would now say


# Sorting on the server -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "order", "aria"),
    [
        ({}, "abcd", ("rank", "ascending")),
        ({"sort": "total"}, "abcd", ("total", "descending")),
        ({"sort": "total", "dir": "asc"}, "dbca", ("total", "ascending")),  # the tie stays in rank order
        ({"sort": "rank", "dir": "desc"}, "dbca", ("rank", "descending")),
        ({"sort": "household_pairing"}, "acbd", ("household_pairing", "descending")),
        ({"sort": "last_rank"}, "bacd", ("last_rank", "ascending")),  # d was not assessed: last
        ({"sort": "last_rank", "dir": "desc"}, "cabd", ("last_rank", "descending")),  # still last
        ({"sort": "total_change"}, "cabd", ("total_change", "descending")),
        ({"sort": "nonsense"}, "abcd", ("rank", "ascending")),
    ],
)
def test_the_server_sorts_so_a_sorted_table_can_be_linked(client, leader, assessed, units, query, order, aria):
    response = get(client, leader, table_url(), **query)
    expected = [units["abcd".index(letter)].name for letter in order]
    assert names(response) == expected
    assert [row[1] for row in cells(response)] == expected
    assert f'data-sort-key="{aria[0]}" data-sort-type="number" aria-sort="{aria[1]}"' in response.content.decode()
    print_response = get(client, leader, print_url(), **query)
    assert [row[1] for row in cells(print_response)] == expected


def test_sorting_by_name_orders_the_departments_by_name(client, leader, assessed, units):
    response = get(client, leader, table_url(), sort="name")
    assert names(response) == sorted(u.name for u in units)
    assert response.context["table"]["headers"][1].aria_sort == "ascending"


# Print view ------------------------------------------------------------------------------------------------------


def test_the_print_view_is_a4_landscape_with_title_date_and_no_navigation(client, leader, assessed):
    response = get(client, leader, print_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<h1 data-testid="print-title">{TITLE_2016}</h1>' in html
    today = timezone.localdate()
    assert f"制表日期：{today.year}年{today.month}月{today.day}日" in html
    assert "size: A4 landscape" in html and 'counter(page) " 页 / 共 " counter(pages)' in html
    assert "display: table-header-group" in html and "<thead" in html
    assert "navbar" not in html and 'data-testid="nav"' not in html
    assert cells(response) == cells(get(client, leader, table_url()))  # the same numbers as the page


# .xlsx -----------------------------------------------------------------------------------------------------------


def test_the_xlsx_has_a_title_row_headers_a_frozen_pane_formats_and_the_pages_numbers(client, leader, assessed):
    page = get(client, leader, table_url(), sort="total", dir="asc")
    response = get(client, leader, table_url(), sort="total", dir="asc", format="xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    ws = load_workbook(BytesIO(response.content)).active
    assert ws["A1"].value == TITLE_2016
    assert "A1:P1" in {str(r) for r in ws.merged_cells.ranges}
    headers = [c.value for c in ws[2]]
    assert headers == [
        "名次",
        "部门",
        "部门帮村（满分100）",
        "党员帮户（满分100）",
        "支部+协会（满分100）",
        "党员农贷快车（满分100）",
        "党员创业示范基地（满分100）",
        "项目帮扶总分",
        "等次",
        "奖惩",
        "奖惩比例",
        "奖惩分",
        "2015年总分",
        "2015年名次",
        "名次升降",
        "总分增减",
    ]
    assert ws.freeze_panes == "C3"
    rows = page.context["table"]["rows"]
    for n, row in enumerate(rows, start=3):
        line = ws[n]
        assert line[0].value == row["rank"] and line[1].value == row["department"].name
        assert [D(str(c.value)) for c in line[2:8]] == [*row["by_block"].values(), row["total"]]
        assert all(c.data_type == "n" and c.number_format == "0.00" for c in line[2:8])
        assert (line[8].value, line[9].value) == (row["grade"], "—" if row["kind"] == "none" else row["kind_label"])
        assert line[10].number_format == '0.0"%"' and line[11].number_format == "+0.00;-0.00;0.00"
        assert D(str(line[11].value)) == row["points"]
    d, b = ws[3], ws[4]  # sorted by total, lowest first: d, then the tied b and c in rank order
    assert (D(str(d[10].value)), d[12].value, d[13].value, d[14].value, d[15].value) == (D(40), None, None, None, None)
    assert (b[12].value, b[13].value, b[14].value, D(str(b[15].value))) == (90, 1, -1, D("-14.50"))
    assert b[14].number_format == "+0;-0;0"
    assert ws.cell(row=3 + len(rows) + 1, column=1).value == "考核尚未关闭，结果为当前评分的实时计算。"


def test_the_xlsx_figures_equal_the_page_cell_for_cell(client, org_staff, assessed):
    page = cells(get(client, org_staff, table_url()))
    ws = load_workbook(BytesIO(get(client, org_staff, table_url(), format="xlsx").content)).active
    for n, row in enumerate(page, start=3):
        line = [c.value for c in ws[n]]
        assert f"{D(str(line[7])):.2f}" == row[7]
        assert [f"{D(str(v)):.2f}" for v in line[2:7]] == row[2:7]
        assert f"{D(str(line[11])):+.2f}".replace("+0.00", "0.00") == row[10]


# JSON ------------------------------------------------------------------------------------------------------------


def test_the_json_holds_the_same_data_with_decimal_strings(client, leader, assessed, units):
    response = get(client, leader, json_url())
    assert response.status_code == 200
    data = response.json()
    assert data["year"] == 2016 and data["closed"] is False
    assert data["blocks"][0] == {
        "code": "village_pairing",
        "name": "部门帮村",
        "weight": "30.00",
        "max_points": "100.00",
    }
    assert [b["code"] for b in data["blocks"]] == CODES
    first, *_, last = data["results"]
    assert first == {
        "department": units[0].name,
        "department_id": units[0].pk,
        "rank": 1,
        "total": "92.50",
        "by_block": dict(zip(CODES, ["95.00", "90.00", "92.00", "88.00", "96.00"], strict=True)),
        "grade": "优秀",
        "kind": "reward",
        "percentage": "20.00",
        "points": "18.50",
        "last_year": {"total": "80.00", "rank": 2},
    }
    assert (last["department_id"], last["points"], last["kind"], last["last_year"]) == (
        units[3].pk,
        "-19.90",
        "penalty",
        None,
    )
    assert [r["rank"] for r in data["results"]] == [1, 2, 2, 4]
    closed = get(client, leader, json_url(2015)).json()
    assert closed["closed"] is True
    assert [(r["total"], r["rank"]) for r in closed["results"]] == [("90.00", 1), ("80.00", 2), ("60.00", 3)]


def test_the_json_is_read_only(client, org_staff, assessed):
    client.force_login(org_staff)
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(json_url()).status_code == 405


def test_the_json_of_a_year_without_an_assessment_is_404(client, org_staff, assessed):
    response = get(client, org_staff, json_url(2013))
    assert response.status_code == 404 and "2013" in response.json()["error"]


# Who may open what -----------------------------------------------------------------------------------------------

ROLES = ["org_staff", "leader", "superuser", "dept_staff", "town_staff", "liaison", "no_role_user"]
READS = {"org_staff": 200, "leader": 200, "superuser": 200}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", [table_url, print_url, json_url])
def test_only_organisation_staff_and_leaders_open_the_table(client, assessed, role, url, request):
    user = request.getfixturevalue(role)
    assert get(client, user, url()).status_code == READS.get(role, 403)
    assert get(client, user, url(2013)).status_code == (404 if role in READS else 403)
    if role in READS:
        assert get(client, user, url(), format="xlsx").status_code == 200
        assert client.post(url()).status_code == 405


# Queries ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 30])
def test_the_table_takes_the_same_number_of_queries_for_3_and_30_departments(
    client, leader, org_staff, count, django_assert_max_num_queries
):
    departments = DepartmentFactory.create_batch(count)
    make_year(2015, {d: [70 + n % 30] * 5 for n, d in enumerate(departments)}, by=org_staff, close=True)
    make_year(2016, {d: [60 + n % 40] * 5 for n, d in enumerate(departments)}, by=org_staff)
    client.force_login(leader)
    # 12: the session (read, and saved again in a savepoint: 4), the user and its roles (2), the two years with their
    # blocks and bands (3), this year's scores (1), last year's scores and frozen results (2).
    for url in (table_url(), table_url(2015), print_url(), json_url(), json_url(2015)):
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200
    with django_assert_max_num_queries(13):  # and the export log's row
        response = client.get(table_url(), {"format": "xlsx"})
    assert load_workbook(BytesIO(response.content)).active.max_row >= count + 2
