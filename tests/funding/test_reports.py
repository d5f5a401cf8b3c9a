from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.db.models import Count, Q, Sum
from django.urls import reverse
from openpyxl import load_workbook

from funding.models import Contribution, Disbursement, FundTarget, Loan
from tests.funding import report_fixtures
from tests.funding.report_fixtures import D, give, lend

ledger, many_lines = report_fixtures.ledger, report_fixtures.many_lines

REPORT = reverse("funding:report")
ROLES = ["org_staff", "town_staff", "liaison", "dept_staff", "leader", "no_role_user", "superuser"]


def _report(client, user, **query):
    client.force_login(user)
    response = client.get(REPORT, query)
    assert response.status_code == 200
    return response, {t["key"]: t for t in response.context["report"]["tables"]}


def _rows(table):
    return {row["label"]: row for row in table["rows"]}


def _sum(queryset, **filters):
    return queryset.filter(**filters).aggregate(total=Sum("amount"))["total"] or D("0")


def received(**filters):
    return _sum(Contribution.objects, **filters)


def paid(**filters):
    return _sum(Disbursement.objects, **filters)


# The figures equal direct sums over the lines -----------------------------------------------------------------------


def test_the_channel_table_adds_up_the_lines_net_of_reversals(client, org_staff, ledger):
    _, tables = _report(client, org_staff, year=2016)
    rows = _rows(tables["channel"])
    special, department, credit = rows["党内帮扶专项资金"], rows["部门帮扶资金"], rows["党员农贷快车"]
    assert special["received"] == received(account__channel="special", received_on__year=2016) == D("100000.00")
    assert special["paid"] == paid(account__channel="special", paid_on__year=2016) == D("42000.00")
    assert special["balance"] == received(account__channel="special") - paid(account__channel="special")
    assert (special["target"], special["done"]) == (D("1000000.00"), D("10.0"))
    assert department["received"] == received(account__channel="department", received_on__year=2016)
    assert department["paid"] == paid(account__channel="department", paid_on__year=2016) == D("18000.00")
    assert department["balance"] == D("52000.00")
    assert (department["target"], department["done"]) == (D("120000.00"), D("58.3"))  # the two departments' targets
    lent = Loan.objects.filter(disbursed_on__year=2016).aggregate(t=Sum("amount_approved"))["t"]
    assert (credit["lent"], credit["target"], credit["done"]) == (lent, D("500000.00"), D("6.0"))
    assert credit["outstanding"] == D("45000.00")  # 30,000 - 5,000 repaid + 20,000
    assert credit["overdue"] == 2
    assert credit.get("received") is None
    total = tables["channel"]["total"]
    assert (total["target"], total["received"], total["paid"], total["balance"]) == (
        D("1120000.00"),
        D("170000.00"),
        D("60000.00"),
        D("126000.00"),
    )


def test_the_source_table_counts_the_special_fund_by_source(client, org_staff, ledger):
    _, tables = _report(client, org_staff, year=2016)
    rows = _rows(tables["source"])
    assert list(rows) == ["市财政拨付", "市管党费补助", "乡镇匹配", "党员干部自捐", "其他（社会捐助等）"]
    for label, source in [("市财政拨付", "city_finance"), ("党员干部自捐", "donation"), ("市管党费补助", "party_dues")]:
        assert rows[label]["received"] == received(account__channel="special", source=source, received_on__year=2016)
    assert rows["党员干部自捐"]["received"] == D("0.00")  # given and reversed
    assert (rows["市财政拨付"]["target"], rows["市财政拨付"]["done"]) == (D("600000.00"), D("16.7"))
    assert rows["乡镇匹配"]["target"] is None
    assert (tables["source"]["total"]["target"], tables["source"]["total"]["received"]) == (
        D("650000.00"),
        D("100000.00"),
    )


def test_the_department_table_counts_money_villages_and_projects(client, org_staff, ledger, department):
    _, tables = _report(client, org_staff, year=2016)
    rows = _rows(tables["department"])
    assert list(rows) == ["农业", "水利"]
    ours = rows["农业"]
    lines = Disbursement.objects.filter(account__department=department, paid_on__year=2016)
    standing = lines.not_reversed().aggregate(v=Count("village", distinct=True), p=Count("project", distinct=True))
    assert ours["received"] == received(account__department=department, received_on__year=2016) == D("50000.00")
    assert ours["paid"] == paid(account__department=department, paid_on__year=2016) == D("10000.00")
    assert (ours["villages"], ours["projects"]) == (standing["v"], standing["p"]) == (1, 1)
    assert (ours["balance"], ours["target"], ours["done"]) == (D("40000.00"), D("80000.00"), D("62.5"))
    assert (rows["水利"]["paid"], rows["水利"]["balance"]) == (D("8000.00"), D("12000.00"))
    total = tables["department"]["total"]
    assert (total["paid"], total["target"]) == (D("18000.00"), D("120000.00"))
    assert (total["villages"], total["projects"]) == (2, 2)  # each department reached one village and one project


def test_the_town_table_follows_the_money_into_the_towns_villages(client, org_staff, ledger, town, other_town):
    _, tables = _report(client, org_staff, year=2016)
    rows = _rows(tables["town"])
    for t in (town, other_town):
        lines = {"village__town": t, "paid_on__year": 2016}
        assert rows[t.name]["paid_special"] == paid(account__channel="special", **lines)
        assert rows[t.name]["paid_department"] == paid(account__channel="department", **lines)
    assert (rows["三星堆镇"]["paid_special"], rows["三星堆镇"]["paid_department"]) == (D("30000.00"), D("10000.00"))
    assert (rows["三星堆镇"]["projects"], rows["三星堆镇"]["lent"], rows["三星堆镇"]["loans"]) == (1, D("30000.00"), 1)
    assert (rows["南兴镇"]["paid"], rows["南兴镇"]["lent"]) == (D("20000.00"), D("0.00"))  # its loan was in 2015
    assert (tables["town"]["total"]["paid"], tables["town"]["total"]["projects"]) == (D("60000.00"), 2)


def test_the_year_table_has_every_year(client, org_staff, ledger):
    _, tables = _report(client, org_staff, year=2016)
    rows = _rows(tables["year"])
    assert list(rows) == ["2015", "2016"]
    assert (rows["2015"]["received_special"], rows["2015"]["paid_special"], rows["2015"]["lent"]) == (
        D("20000.00"),
        D("4000.00"),
        D("20000.00"),
    )
    assert (rows["2016"]["received_department"], rows["2016"]["repaid"]) == (D("70000.00"), D("5000.00"))
    assert tables["year"]["total"]["received_special"] == received(account__channel="special") == D("120000.00")


def test_a_year_shows_only_its_lines_and_targets(client, org_staff, ledger):
    _, tables = _report(client, org_staff, year=2015)
    special = _rows(tables["channel"])["党内帮扶专项资金"]
    assert (special["received"], special["paid"], special["balance"]) == (D("20000.00"), D("4000.00"), D("16000.00"))
    assert (special["target"], special["done"]) == (D("900000.00"), D("2.2"))
    assert _rows(tables["department"])["农业"]["received"] == D("0.00")
    assert _rows(tables["town"])["三星堆镇"]["paid"] == D("4000.00")


def test_the_report_opens_on_the_latest_year_with_lines(client, org_staff, ledger):
    lend(ledger.loans[0].member, "1000.00", by=org_staff, on=ledger.loans[0].disbursed_on.replace(year=2017))
    response, _ = _report(client, org_staff)
    assert response.context["report"]["year"] == 2016  # a 2017 loan is not a line of the pool


def test_an_empty_ledger_opens_on_this_year(client, leader):
    from django.utils import timezone

    response, tables = _report(client, leader)
    assert response.context["report"]["year"] == timezone.localdate().year
    assert tables["channel"]["total"]["received"] == D("0.00")


def test_the_page_shows_wan_with_yuan_in_the_title(client, org_staff, ledger):
    response, _ = _report(client, org_staff, year=2016)
    html = response.content.decode()
    assert '<td class="num" title="100,000.00 元">' in html
    assert "10.00</a>" in html  # 100,000 元 = 10.00 万元, linked to the contributions
    assert "（万元）" in html


# Links: each figure of the department and town tables opens the list behind it ---------------------------------


def test_department_and_town_figures_link_to_their_lists(client, org_staff, ledger, department, town):
    response, tables = _report(client, org_staff, year=2016)
    ours = _rows(tables["department"])["农业"]
    list_url = reverse("funding:disbursement-list")
    assert ours["links"]["paid"] == f"{list_url}?year=2016&department={department.pk}&channel=department"
    assert ours["links"]["villages"] == ours["links"]["paid"]
    assert ours["links"]["received"].startswith(reverse("funding:contribution-list") + "?year=2016")
    assert ours["links"]["balance"] == reverse("funding:account-ledger", args=[department.fund_account.pk])
    town_row = _rows(tables["town"])["三星堆镇"]
    assert town_row["links"]["paid_special"] == f"{list_url}?year=2016&town={town.pk}&channel=special"
    assert town_row["links"]["projects"] == f"{list_url}?year=2016&town={town.pk}"
    assert town_row["links"]["paid_special"].replace("&", "&amp;") in response.content.decode()


# Department staff: its own department only ------------------------------------------------------------------------


def test_department_staff_sees_only_its_department(client, dept_staff, ledger, department, town):
    response, tables = _report(client, dept_staff, year=2016)
    assert list(tables) == ["channel", "department", "town", "year"]
    assert list(_rows(tables["channel"])) == ["部门帮扶资金"]
    ours = _rows(tables["channel"])["部门帮扶资金"]
    assert (ours["target"], ours["received"], ours["paid"], ours["balance"]) == (
        D("80000.00"),
        D("50000.00"),
        D("10000.00"),
        D("40000.00"),
    )
    assert list(_rows(tables["department"])) == ["农业"]
    town_row = _rows(tables["town"])["三星堆镇"]
    assert "paid_special" not in town_row and "lent" not in town_row
    assert town_row["paid"] == D("10000.00")  # the special fund's 30,000 into the same village is not its money
    assert town_row["links"]["paid"].endswith(f"&department={department.pk}&town={town.pk}")
    assert _rows(tables["year"])["2016"]["paid_department"] == D("10000.00")
    html = response.content.decode()
    assert "水利" not in html and "党员农贷快车" not in html and "市财政拨付" not in html


# Roles -----------------------------------------------------------------------------------------------------------

READ = dict(org_staff=200, town_staff=403, liaison=403, dept_staff=200, leader=200, no_role_user=403, superuser=200)
WRITE = READ | dict(dept_staff=403, leader=403)
MATRIX = {
    "funding:report": READ,
    "funding:target-list": READ,
    "funding:target-create": WRITE,
    "funding:target-edit": WRITE,
}


@pytest.fixture
def target(db):
    return FundTarget.objects.create(year=2016, channel="special", amount=D("1000000.00"))


def _url(name, target):
    return reverse(name, args=[target.pk]) if name.endswith("edit") else reverse(name)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(MATRIX))
def test_each_role_gets_the_declared_answer(request, client, target, role, name):
    client.force_login(request.getfixturevalue(role))
    assert client.get(_url(name, target)).status_code == MATRIX[name][role]


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("funding:report", "post"),
        ("funding:target-list", "post"),
        ("funding:target-create", "put"),
        ("funding:target-edit", "delete"),
    ],
)
def test_wrong_methods_are_refused(client, org_staff, target, name, method):
    client.force_login(org_staff)
    assert getattr(client, method)(_url(name, target)).status_code == 405
    assert FundTarget.objects.count() == 1


def test_the_leader_reads_targets_but_cannot_add_or_change_them(client, leader, target):
    client.force_login(leader)
    html = client.get(reverse("funding:target-list")).content.decode()
    assert "100.00" in html and "设置目标" not in html and reverse("funding:target-edit", args=[target.pk]) not in html
    data = {"year": 2016, "channel": "credit", "amount": "5"}
    assert client.post(reverse("funding:target-create"), data).status_code == 403
    assert client.post(reverse("funding:target-edit", args=[target.pk]), data).status_code == 403
    target.refresh_from_db()
    assert (FundTarget.objects.count(), target.amount) == (1, D("1000000.00"))


def test_an_unknown_target_is_404(client, org_staff):
    client.force_login(org_staff)
    assert client.get(reverse("funding:target-edit", args=[999999])).status_code == 404


def test_department_staff_reads_its_own_and_the_channel_wide_targets(client, dept_staff, ledger):
    client.force_login(dept_staff)
    page = client.get(reverse("funding:target-list"), {"year": 2016}).context["page"]
    assert sorted((t.channel, t.department.short_name if t.department else "") for t in page) == [
        ("credit", ""),
        ("department", "农业"),
        ("special", ""),
        ("special", ""),
        ("special", ""),
    ]


# The target form ---------------------------------------------------------------------------------------------


def _post_target(client, user, url=None, **data):
    client.force_login(user)
    return client.post(url or reverse("funding:target-create"), {"year": 2016, "channel": "special", **data})


def test_org_staff_sets_and_edits_a_target_kept_in_history(client, org_staff, department):
    response = _post_target(client, org_staff, channel="department", department=department.pk, amount="1,842,000.50")
    assert response.status_code == 302
    target = FundTarget.objects.get()
    assert (target.amount, target.department, target.source) == (D("1842000.50"), department, "")
    url = reverse("funding:target-edit", args=[target.pk])
    _post_target(client, org_staff, url, channel="department", department=department.pk, amount="2000000")
    target.refresh_from_db()
    assert target.amount == D("2000000.00")
    assert list(target.events.order_by("pgh_id").values_list("amount", flat=True)) == [
        D("1842000.50"),
        D("2000000.00"),
    ]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"channel": "department", "source": "city_finance"}, "source", "“市财政拨付”不是部门帮扶资金的来源"),
        ({"channel": "credit", "source": "donation"}, "source", "该渠道的目标不分来源，请留空"),
        ({"channel": "special", "department": "DEPT"}, "department", "部门只用于部门帮扶资金的目标"),
        ({"amount": "1e3"}, "amount", "不是金额"),
        ({"amount": "NaN"}, "amount", "不是金额"),
        ({"amount": "-5"}, "amount", "金额不能为负数"),
        ({"amount": "12.345"}, "amount", "最多保留两位小数"),
        ({"amount": ""}, "amount", "请填写目标金额"),
        ({"year": "1999"}, "year", "不能早于 2000 年"),
    ],
)
def test_the_target_form_refuses_what_does_not_fit(client, org_staff, department, data, field, message):
    data = {"amount": "1000", **data}
    if data.get("department") == "DEPT":
        data["department"] = department.pk
    response = _post_target(client, org_staff, **data)
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert not FundTarget.objects.exists()


def test_a_second_target_for_the_same_slot_is_refused_in_chinese(client, org_staff, target, department):
    response = _post_target(client, org_staff, amount="5")
    assert "该年度、渠道、来源和部门的目标已经设置" in response.content.decode()
    assert FundTarget.objects.count() == 1
    # The same holds for a department's target, and when editing another target into the taken slot.
    _post_target(client, org_staff, channel="department", department=department.pk, amount="5")
    other = FundTarget.objects.get(channel="department")
    url = reverse("funding:target-edit", args=[other.pk])
    response = _post_target(client, org_staff, url, amount="7")
    assert "该年度、渠道、来源和部门的目标已经设置" in response.content.decode()
    other.refresh_from_db()
    assert (other.channel, other.amount) == ("department", D("5.00"))


# The workbook ------------------------------------------------------------------------------------------------


def test_the_workbook_has_a_sheet_per_table_with_the_pages_figures(client, org_staff, ledger):
    _, tables = _report(client, org_staff, year=2016)
    response = client.get(REPORT, {"year": 2016, "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(BytesIO(response.content))
    assert wb.sheetnames == [t["title"] for t in tables.values()]
    for table in tables.values():
        ws = wb[table["title"]]
        assert "2016 年度" in ws["A1"].value or table["key"] == "year"
        headers = [c.value for c in ws[2]]
        assert headers == [c.label + {"money": "（元）", "percent": "（%）"}.get(c.kind, "") for c in table["columns"]]
        for row_cells, row in zip(ws.iter_rows(min_row=3), [*table["rows"], table["total"]], strict=True):
            for cell, column in zip(row_cells, table["columns"], strict=True):
                value = row.get(column.key)
                if column.kind == "money" and value is not None:
                    assert Decimal(str(cell.value)).quantize(D("0.01")) == value
                    assert cell.number_format == "#,##0.00"
                elif column.kind == "text":
                    assert cell.value == value
    channel = wb["按资金渠道"]
    assert [c.value for c in channel[2]][:3] == ["资金渠道", "年度目标（元）", "到账收入（元）"]
    assert channel["A1"].value == "广汉市帮扶资金报表 · 2016 年度 · 按资金渠道"


def test_amounts_with_fen_survive_the_workbook_exactly(client, org_staff, special_fund, bookkeeper):
    """0.10 + 0.20 is 0.30 in the database's numeric sums; the cell holds those digits, not a float's tail."""
    from zipfile import ZipFile

    for amount in ("0.10", "0.20", "1234567890.12"):
        give(special_fund, amount, date(2017, 3, 1), by=bookkeeper, source="other")
    _, tables = _report(client, org_staff, year=2017)
    assert tables["source"]["total"]["received"] == D("1234567890.42")
    response = client.get(REPORT, {"year": 2017, "format": "xlsx"})
    sheet = ZipFile(BytesIO(response.content)).read("xl/worksheets/sheet2.xml").decode()
    assert "<v>1234567890.42</v>" in sheet
    cell = load_workbook(BytesIO(response.content))["专项资金按来源"]["C8"]
    assert Decimal(str(cell.value)) == D("1234567890.42")


# Query counts ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "queries"), [("org_staff", 23), ("dept_staff", 16)])
@pytest.mark.parametrize("lines", ["ledger", "many_lines"])
def test_the_report_runs_a_fixed_number_of_queries(
    request, client, django_assert_max_num_queries, role, queries, lines
):
    request.getfixturevalue(lines)
    client.force_login(request.getfixturevalue(role))
    with django_assert_max_num_queries(queries):
        assert client.get(REPORT).status_code == 200
    with django_assert_max_num_queries(queries + 1):  # and the export log's row
        assert client.get(REPORT, {"year": 2016, "format": "xlsx"}).status_code == 200
    with django_assert_max_num_queries(11):
        assert client.get(reverse("funding:target-list")).status_code == 200


def test_many_lines_change_the_figures_not_the_shape(client, org_staff, many_lines, village):
    _, tables = _report(client, org_staff, year=2016)
    assert _rows(tables["channel"])["党内帮扶专项资金"]["paid"] == paid(account__channel="special", paid_on__year=2016)
    assert (
        tables["department"]["total"]["projects"]
        == Disbursement.objects.filter(
            Q(account__channel="department", paid_on__year=2016), reverses=None, reversal=None
        )
        .values("project")
        .exclude(project=None)
        .distinct()
        .count()
    )


def test_a_year_that_is_not_a_year_is_explained_and_the_latest_shown(client, org_staff, ledger):
    response, _ = _report(client, org_staff, year="20l6")
    assert response.context["report"]["year"] == 2016
    assert "年度请填写四位数字" in response.content.decode()
