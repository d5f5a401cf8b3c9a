"""The ledger pages through HTTP: who may open and record what, the forms' messages, lists, exports and flows."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from funding import services
from funding.models import Account, Contribution, Disbursement
from tests.factories import MemberFactory, ProjectFactory

D = Decimal
ROLES = ["org_staff", "town_staff", "other_town_staff", "liaison", "dept_staff", "leader", "no_role_user"]


@pytest.fixture
def lines(special_fund, dept_fund, other_dept_fund, paired, project, other_project, bookkeeper):
    """A department line into its paired village's project, another department's line into another town."""
    own = services.disbursement_create(
        account=dept_fund,
        amount=D("12000"),
        paid_on=date(2016, 4, 1),
        voucher_no="BM-1",
        purpose="start_up",
        approved_by="王建国",
        by=bookkeeper,
        project=project,
    )
    foreign = services.disbursement_create(
        account=other_dept_fund,
        amount=D("5000"),
        paid_on=date(2016, 4, 2),
        voucher_no="SL-1",
        purpose="materials",
        approved_by="李明",
        by=bookkeeper,
        project=other_project,
    )
    special = services.disbursement_create(
        account=special_fund,
        amount=D("3000"),
        paid_on=date(2016, 4, 3),
        voucher_no="ZX-1",
        purpose="subsidy",
        approved_by="赵书记",
        by=bookkeeper,
        project=other_project,
    )
    return {"own": own, "foreign": foreign, "special": special}


def status(client, user, url, method="get", data=None):
    client.force_login(user)
    return getattr(client, method)(url, data or {}).status_code


def expectations(lines, special_fund, dept_fund, other_dept_fund, project, member, department, other_department):
    special_in = Contribution.objects.get(account=special_fund)
    dept_in = Contribution.objects.get(account=dept_fund)
    every = dict.fromkeys(ROLES[:-1], 200) | {"no_role_user": 403}
    readers = {"org_staff": 200, "leader": 200, "dept_staff": 200}
    no_town = {"town_staff": 403, "other_town_staff": 403, "liaison": 403, "no_role_user": 403}
    writers = {"org_staff": 200, "dept_staff": 200} | dict.fromkeys(
        ["town_staff", "other_town_staff", "liaison", "leader", "no_role_user"], 403
    )
    r = reverse
    return [
        (r("funding:overview"), every),
        (r("funding:contribution-list"), every),
        (r("funding:disbursement-list"), every),
        (r("funding:account-ledger", args=[special_fund.pk]), readers | no_town | {"dept_staff": 404}),
        (r("funding:account-ledger", args=[dept_fund.pk]), readers | no_town),
        (r("funding:account-ledger", args=[other_dept_fund.pk]), readers | no_town | {"dept_staff": 404}),
        (r("funding:contribution-create"), writers),
        (r("funding:disbursement-create"), writers),
        (
            r("funding:contribution-detail", args=[special_in.pk]),
            {
                "org_staff": 200,
                "leader": 200,
                "dept_staff": 404,
                "town_staff": 404,
                "other_town_staff": 404,
                "liaison": 404,
                "no_role_user": 403,
            },
        ),
        (
            r("funding:contribution-detail", args=[dept_in.pk]),
            {
                "org_staff": 200,
                "leader": 200,
                "dept_staff": 200,
                "town_staff": 404,
                "other_town_staff": 404,
                "liaison": 404,
                "no_role_user": 403,
            },
        ),
        (
            r("funding:disbursement-detail", args=[lines["own"].pk]),
            every | {"other_town_staff": 404, "liaison": 404},
        ),
        (
            r("funding:disbursement-detail", args=[lines["foreign"].pk]),
            every | {"town_staff": 404, "dept_staff": 404, "liaison": 404},
        ),
        (r("funding:project-flow", args=[project.pk]), every | {"other_town_staff": 404, "liaison": 404}),
        (r("funding:village-flow", args=[project.village_id]), every | {"other_town_staff": 404, "liaison": 404}),
        (r("funding:department-flow", args=[department.pk]), readers | no_town),
        (r("funding:department-flow", args=[other_department.pk]), readers | no_town | {"dept_staff": 404}),
        (
            r("funding:member-flow", args=[member.pk]),
            every | {"other_town_staff": 404, "liaison": 404, "dept_staff": 404},
        ),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_declared_answer_on_every_ledger_page(
    client,
    request,
    role,
    lines,
    special_fund,
    dept_fund,
    other_dept_fund,
    project,
    member,
    department,
    other_department,
):
    user = request.getfixturevalue(role)
    table = expectations(lines, special_fund, dept_fund, other_dept_fund, project, member, department, other_department)
    answers = {url: status(client, user, url) for url, _ in table}
    assert answers == {url: expected[role] for url, expected in table}


@pytest.mark.parametrize("name", ["funding:overview", "funding:contribution-list", "funding:disbursement-list"])
def test_lists_refuse_post(client, org_staff, name):
    assert status(client, org_staff, reverse(name), method="post") == 405


def test_reversal_pages_accept_only_post(client, org_staff, lines):
    assert status(client, org_staff, reverse("funding:disbursement-reverse", args=[lines["own"].pk])) == 405


@pytest.mark.parametrize(
    ("role", "line", "expected"),
    [
        ("org_staff", "own", 302),
        ("dept_staff", "own", 302),
        ("dept_staff", "foreign", 404),
        ("dept_staff", "special", 404),
        ("leader", "own", 403),
        ("town_staff", "own", 403),
        ("liaison", "own", 403),
    ],
)
def test_who_may_reverse_which_line(client, request, lines, role, line, expected):
    user = request.getfixturevalue(role)
    url = reverse("funding:disbursement-reverse", args=[lines[line].pk])
    assert status(client, user, url, "post", {"on": "2016-05-01", "reason": "录入错误"}) == expected
    assert Disbursement.objects.filter(reverses=lines[line]).exists() == (expected == 302)


def test_dept_staff_records_a_contribution_to_its_own_account_only(client, dept_staff, dept_fund, other_dept_fund):
    client.force_login(dept_staff)
    form = client.get(reverse("funding:contribution-create")).context["form"]
    assert list(form.fields["account"].queryset) == [dept_fund]
    response = client.post(
        reverse("funding:contribution-create"),
        {
            "account": other_dept_fund.pk,
            "source": "department",
            "amount": "100",
            "received_on": "2016-05-01",
            "voucher_no": "X-1",
        },
    )
    assert response.status_code == 200 and "account" in response.context["form"].errors
    response = client.post(
        reverse("funding:contribution-create"),
        {
            "account": dept_fund.pk,
            "source": "department",
            "amount": "1,000.50",
            "received_on": "2016-05-01",
            "voucher_no": " BM-2 ",
        },
    )
    line = Contribution.objects.get(voucher_no="BM-2")
    assert response.status_code == 302 and line.amount == D("1000.50") and line.department == dept_fund.department
    assert line.by == dept_staff
    dept_fund.refresh_from_db()
    assert dept_fund.balance == D("51000.50")


def test_the_contribution_form_says_what_to_fix(client, org_staff, special_fund):
    client.force_login(org_staff)
    response = client.post(
        reverse("funding:contribution-create"),
        {"account": special_fund.pk, "source": "department", "amount": "1e3", "received_on": "2099-01-01"},
    )
    errors = response.context["form"].errors
    assert "不是金额" in errors["amount"][0]
    assert "凭证号" in errors["voucher_no"][0]
    assert "不能晚于今天" in errors["received_on"][0]
    response = client.post(
        reverse("funding:contribution-create"),
        {
            "account": special_fund.pk,
            "source": "town_match",
            "amount": "10",
            "received_on": "2016-01-01",
            "voucher_no": "Z",
        },
    )
    assert "出资乡镇" in response.context["form"].errors["town"][0]
    response = client.post(
        reverse("funding:contribution-create"),
        {
            "account": special_fund.pk,
            "source": "department",
            "amount": "10",
            "received_on": "2016-01-01",
            "voucher_no": "Z",
        },
    )
    assert "来源只能是" in response.context["form"].errors["source"][0]
    assert "填写的内容都已保留" in response.content.decode()
    assert Contribution.objects.count() == 1


def test_an_overdraw_in_the_form_shows_the_balance_and_keeps_the_input(client, dept_staff, dept_fund, paired, project):
    client.force_login(dept_staff)
    url = reverse("funding:disbursement-create") + f"?project={project.pk}"
    response = client.post(
        url,
        {
            "account": dept_fund.pk,
            "project": project.pk,
            "purpose": "start_up",
            "amount": "60000",
            "paid_on": "2016-05-01",
            "voucher_no": "BM-9",
            "approved_by": "王建国",
        },
    )
    assert response.status_code == 200
    message = response.context["form"].errors["amount"][0]
    assert "余额不足" in message and "50,000.00 元" in message and "还差 10,000.00 元" in message
    assert 'value="BM-9"' in response.content.decode()
    assert not Disbursement.objects.exists()


def test_dept_staff_pays_into_a_project_of_its_village_and_the_flow_shows_it(
    client, dept_staff, dept_fund, paired, project
):
    client.force_login(dept_staff)
    enrolled = MemberFactory(village=project.village, name="陈大勇")
    project.enrollments.create(member=enrolled, enrolled_on=date(2016, 3, 1))
    url = reverse("funding:disbursement-create") + f"?project={project.pk}"
    page = client.get(url)
    assert page.status_code == 200
    assert [c[0] for c in page.context["form"].fields["member"].widget.choices][1:] == [enrolled.pk]
    response = client.post(
        url,
        {
            "account": dept_fund.pk,
            "project": project.pk,
            "member": enrolled.pk,
            "purpose": "materials",
            "amount": "8,800",
            "paid_on": "2016-05-01",
            "voucher_no": "BM-10",
            "approved_by": "王建国",
        },
    )
    line = Disbursement.objects.get()
    assert response.status_code == 302 and response.url == reverse("funding:disbursement-detail", args=[line.pk])
    assert (line.amount, line.member, line.village) == (D("8800.00"), enrolled, project.village)
    flow = client.get(reverse("funding:project-flow", args=[project.pk]))
    assert flow.context["total"] == D("8800.00")
    assert "8,800.00" in flow.content.decode()
    detail = client.get(reverse("projects:project-detail", args=[project.pk]))
    assert "8,800.00" in detail.content.decode()


def test_dept_staff_cannot_pay_into_a_project_outside_its_villages(client, dept_staff, dept_fund, other_project):
    client.force_login(dept_staff)
    assert client.get(reverse("funding:disbursement-create") + f"?project={other_project.pk}").status_code == 404
    response = client.post(
        reverse("funding:disbursement-create"),
        {
            "account": dept_fund.pk,
            "project": other_project.pk,
            "purpose": "start_up",
            "amount": "1",
            "paid_on": "2016-05-01",
            "voucher_no": "X",
            "approved_by": "王",
        },
    )
    assert "project" in response.context["form"].errors
    assert not Disbursement.objects.exists()


def test_a_reversal_through_the_page_keeps_the_original_and_restores_the_balance(client, org_staff, lines, dept_fund):
    client.force_login(org_staff)
    response = client.post(
        reverse("funding:disbursement-reverse", args=[lines["own"].pk]), {"on": "2016-05-01", "reason": "重复录入"}
    )
    reversal = Disbursement.objects.get(reverses=lines["own"])
    assert response.url == reverse("funding:disbursement-detail", args=[reversal.pk])
    dept_fund.refresh_from_db()
    assert dept_fund.balance == D("50000.00")
    page = client.get(reverse("funding:disbursement-detail", args=[lines["own"].pk])).content.decode()
    assert "已于" in page and "冲销" in page
    again = client.post(
        reverse("funding:disbursement-reverse", args=[lines["own"].pk]), {"on": "2016-05-01", "reason": "x"}
    )
    assert again.status_code == 302 and Disbursement.objects.filter(reverses=lines["own"]).count() == 1
    missing = client.post(reverse("funding:disbursement-reverse", args=[lines["special"].pk]), {"on": "2016-05-01"})
    assert missing.status_code == 302 and not Disbursement.objects.filter(reverses=lines["special"]).exists()


def test_the_disbursement_list_filters_and_totals(client, org_staff, lines, project, other_project):
    client.force_login(org_staff)
    page = client.get(reverse("funding:disbursement-list"), {"project": other_project.pk})
    assert page.context["totals"] == {"total": D("8000.00"), "count": 2}
    page = client.get(reverse("funding:disbursement-list"), {"channel": "special", "year": 2016})
    assert [d.voucher_no for d in page.context["page"]] == ["ZX-1"]
    page = client.get(reverse("funding:disbursement-list"), {"town": project.village.town_id})
    assert [d.voucher_no for d in page.context["page"]] == ["BM-1"]
    page = client.get(reverse("funding:disbursement-list"), {"year": 2015})
    assert page.context["totals"]["count"] == 0


def test_town_staff_sees_only_money_paid_into_its_villages(client, town_staff, lines):
    client.force_login(town_staff)
    page = client.get(reverse("funding:disbursement-list"))
    assert [d.voucher_no for d in page.context["page"]] == ["BM-1"]
    assert client.get(reverse("funding:contribution-list")).context["totals"]["count"] == 0


def test_dept_staff_sees_its_own_accounts_lines(client, dept_staff, lines):
    client.force_login(dept_staff)
    assert [d.voucher_no for d in client.get(reverse("funding:disbursement-list")).context["page"]] == ["BM-1"]
    assert [c.voucher_no for c in client.get(reverse("funding:contribution-list")).context["page"]] == ["BM-2016-001"]
    overview = client.get(reverse("funding:overview"))
    assert [a.name for a in overview.context["accounts"]] == [lines["own"].account.name]


def test_the_export_holds_exact_decimal_amounts(client, org_staff, special_fund, project, bookkeeper):
    amounts = [D("0.10"), D("12345.67"), D("0.01")]
    for n, amount in enumerate(amounts):
        services.disbursement_create(
            account=special_fund,
            amount=amount,
            paid_on=date(2016, 5, n + 1),
            voucher_no=f"=HYPERLINK({n})",
            purpose="start_up",
            approved_by="王",
            by=bookkeeper,
            project=project,
        )
    client.force_login(org_staff)
    response = client.get(reverse("funding:disbursement-list"), {"format": "xlsx"})
    sheet = load_workbook(BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    column = header.index("金额（元）")
    assert [D(str(r[column])).quantize(D("0.01")) for r in rows] == amounts
    assert sheet.cell(row=2, column=column + 1).number_format == "#,##0.00"
    assert all(not str(r[header.index("凭证号")]).startswith("=") for r in rows)


def test_the_account_ledger_shows_the_running_balance_and_exports_it(client, org_staff, lines, dept_fund):
    client.force_login(org_staff)
    page = client.get(reverse("funding:account-ledger", args=[dept_fund.pk]))
    assert [(p.seq, p.balance_after) for p in page.context["page"]] == [(2, D("38000.00")), (1, D("50000.00"))]
    sheet = load_workbook(
        BytesIO(client.get(reverse("funding:account-ledger", args=[dept_fund.pk]), {"format": "xlsx"}).content)
    ).active
    assert [r[6] for r in sheet.iter_rows(min_row=2, values_only=True)] == [50000, 38000]


@pytest.mark.parametrize("count", [3, 30])
def test_lists_and_flows_make_a_fixed_number_of_queries(
    client, org_staff, special_fund, project, bookkeeper, django_assert_max_num_queries, count
):
    for n in range(count):
        member = MemberFactory(village=project.village)
        services.disbursement_create(
            account=special_fund,
            amount=D("10"),
            paid_on=date(2016, 5, 1),
            voucher_no=f"ZX-{n}",
            purpose="subsidy",
            approved_by="王",
            by=bookkeeper,
            project=ProjectFactory(village=project.village),
            member=member,
        )
    client.force_login(org_staff)
    for url in (
        reverse("funding:overview"),
        reverse("funding:disbursement-list"),
        reverse("funding:contribution-list"),
        reverse("funding:account-ledger", args=[special_fund.pk]),
        reverse("funding:village-flow", args=[project.village_id]),
    ):
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200


def test_a_village_flow_traces_sources_accounts_projects_and_members(client, org_staff, lines, other_project):
    client.force_login(org_staff)
    page = client.get(reverse("funding:village-flow", args=[other_project.village_id]))
    accounts = {row["account__name"]: row for row in page.context["by_account"]}
    assert {name: row["total"] for name, row in accounts.items()} == {
        "党内帮扶专项资金": D("3000.00"),
        Account.objects.get(department__isnull=False, balance=D("15000.00")).name: D("5000.00"),
    }
    assert [s["label"] for s in accounts["党内帮扶专项资金"]["sources"]] == ["市财政拨付"]
    assert page.context["total"] == D("8000.00")
    assert [t["project__name"] for t in page.context["targets"]] == [other_project.name]


def test_a_liaison_officer_reads_the_money_paid_into_its_villages(client, liaison, lines, village):
    from supervision.models import Assignment, LiaisonOfficer
    from tests.factories import CadreFactory

    cadre = CadreFactory(name="刘志强")
    liaison.cadre = cadre
    liaison.save(update_fields=["cadre"])
    officer = LiaisonOfficer.objects.create(cadre=cadre, appointed_on=date(2015, 3, 1))
    Assignment.objects.create(officer=officer, village=village, started_on=date(2015, 3, 1))
    client.force_login(liaison)
    page = client.get(reverse("funding:disbursement-list"))
    assert [d.voucher_no for d in page.context["page"]] == ["BM-1"]
    assert client.get(reverse("funding:disbursement-detail", args=[lines["own"].pk])).status_code == 200
    assert client.get(reverse("funding:disbursement-detail", args=[lines["foreign"].pk])).status_code == 404
    assert client.get(reverse("funding:village-flow", args=[village.pk])).context["total"] == D("12000.00")
    assert client.get(reverse("funding:contribution-create")).status_code == 403


def test_org_staff_can_post_the_first_line_of_any_account(client, org_staff, department, other_department):
    client.force_login(org_staff)
    form = client.get(reverse("funding:contribution-create")).context["form"]
    names = {a.name for a in form.fields["account"].queryset}
    assert {"党内帮扶专项资金", f"{department.short_name}帮扶资金", f"{other_department.short_name}帮扶资金"} <= names
    client.get(reverse("funding:contribution-create"))
    assert Account.objects.filter(department=department).count() == 1
