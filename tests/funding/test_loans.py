"""党员农贷快车 pages: who sees which loans, what each role may do, the forms' messages, the list and its export."""

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from funding import services
from funding.loan_views import overdue_loan_count
from funding.models import GuaranteeGroup, Loan, LoanInstalment, Repayment
from tests.factories import MemberFactory
from tests.funding.loan_fixtures import *  # noqa: F403
from tests.funding.loan_fixtures import disburse, make_loan

D = Decimal
ROLES = ["org_staff", "town_staff", "liaison", "dept_staff", "leader"]


@pytest.fixture
def scoped(paired, household):
    """dept_staff's department helps `village` and one of its cadres is paired with `member`."""


# Each role against each page ----------------------------------------------------------------------------------------

# town_staff works in `member`'s town; dept_staff is paired with `member` (household) and its village (paired);
# liaison officers have no village until supervision assigns them one.
GET_MATRIX = {
    "list": ("loan-list", None, dict(org_staff=200, town_staff=200, liaison=200, dept_staff=200, leader=200)),
    "create": ("loan-create", None, dict(org_staff=200, town_staff=403, liaison=403, dept_staff=200, leader=403)),
    "detail": (
        "loan-detail",
        "loan_applied",
        dict(org_staff=200, town_staff=200, liaison=404, dept_staff=200, leader=200),
    ),
    "other-detail": (
        "loan-detail",
        "other_loan",
        dict(org_staff=200, town_staff=404, liaison=404, dept_staff=404, leader=200),
    ),
    "groups": (
        "guarantee-group-list",
        None,
        dict(org_staff=200, town_staff=200, liaison=200, dept_staff=200, leader=200),
    ),
    "group-create": (
        "guarantee-group-create",
        None,
        dict(org_staff=200, town_staff=403, liaison=403, dept_staff=200, leader=403),
    ),
    "group": (
        "guarantee-group-detail",
        "guarantee_group",
        dict(org_staff=200, town_staff=200, liaison=404, dept_staff=200, leader=200),
    ),
    "other-group": (
        "guarantee-group-detail",
        "other_group",
        dict(org_staff=200, town_staff=404, liaison=404, dept_staff=404, leader=200),
    ),
}


def _url(request, name, obj):
    args = [] if obj is None else [request.getfixturevalue(obj).pk]
    return reverse(f"funding:{name}", args=args)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", list(GET_MATRIX))
def test_each_role_gets_the_declared_answer(request, client, scoped, role, page):
    name, obj, expected = GET_MATRIX[page]
    client.force_login(request.getfixturevalue(role))
    assert client.get(_url(request, name, obj)).status_code == expected[role]


@pytest.mark.parametrize("page", list(GET_MATRIX))
def test_people_without_a_role_are_refused_everywhere(request, client, no_role_user, page):
    name, obj, _ = GET_MATRIX[page]
    client.force_login(no_role_user)
    assert client.get(_url(request, name, obj)).status_code == 403


ACTIONS = {
    "loan-decide": ("loan_applied", {"decide-decision": "approve", "decide-decided_on": "2016-04-10"}),
    "loan-disburse": ("loan_approved", {"disburse-disbursed_on": "2016-04-30", "disburse-contract_no": "HT-1"}),
    "loan-repay": ("loan_disbursed", {"repay-paid_on": "2016-05-30", "repay-principal": "2500", "repay-interest": "0"}),
}
# Writing is for organisation staff and department staff (on the households it is paired with).
ACTION_ANSWERS = dict(org_staff=302, town_staff=403, liaison=403, dept_staff=302, leader=403, no_role_user=403)


@pytest.mark.parametrize("role", [*ROLES, "no_role_user"])
@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_role_may_or_may_not_act_on_a_loan(request, client, scoped, role, action):
    fixture, data = ACTIONS[action]
    loan = request.getfixturevalue(fixture)
    before = (loan.status, Repayment.objects.count())
    client.force_login(request.getfixturevalue(role))
    response = client.post(reverse(f"funding:{action}", args=[loan.pk]), data)
    assert response.status_code == ACTION_ANSWERS[role]
    loan.refresh_from_db()
    if response.status_code == 403:
        assert (loan.status, Repayment.objects.count()) == before


@pytest.mark.parametrize("role", [*ROLES, "no_role_user"])
def test_each_role_may_or_may_not_reverse_a_repayment(request, client, scoped, loan_disbursed, role):
    repayment = services.repayment_record(
        loan=loan_disbursed, paid_on=date(2016, 5, 30), principal=D("2500"), interest=D("0"), by=loan_disbursed.by
    )
    client.force_login(request.getfixturevalue(role))
    data = {f"reverse{repayment.pk}-reversed_on": "2016-06-01", f"reverse{repayment.pk}-reason": "录错"}
    response = client.post(reverse("funding:repayment-reverse", args=[repayment.pk]), data)
    assert response.status_code == ACTION_ANSWERS[role]
    assert Repayment.objects.count() == (2 if response.status_code == 302 else 1)


@pytest.mark.parametrize("action", [*ACTIONS, "repayment-reverse"])
def test_actions_outside_the_scope_are_not_found(client, dept_staff, scoped, other_member, bookkeeper, action):
    loan = make_loan(other_member, bookkeeper)
    services.loan_decide(loan=loan, approve=True, on=date(2016, 4, 10))
    services.loan_disburse(loan=loan, on=date(2016, 4, 30))
    repayment = services.repayment_record(
        loan=loan, paid_on=date(2016, 5, 30), principal=D("1"), interest=D("0"), by=bookkeeper
    )
    client.force_login(dept_staff)
    pk = repayment.pk if action == "repayment-reverse" else loan.pk
    assert client.post(reverse(f"funding:{action}", args=[pk]), {}).status_code == 404


@pytest.mark.parametrize("action", [*ACTIONS, "repayment-reverse"])
def test_actions_answer_only_post(client, org_staff, loan_applied, action):
    client.force_login(org_staff)
    assert client.get(reverse(f"funding:{action}", args=[loan_applied.pk])).status_code == 405


@pytest.mark.parametrize(
    ("name", "obj"), [("loan-list", None), ("loan-detail", "loan_applied"), ("guarantee-group-list", None)]
)
def test_pages_that_only_read_refuse_post(request, client, org_staff, loan_applied, name, obj):
    client.force_login(org_staff)
    assert client.post(_url(request, name, obj)).status_code == 405
    assert client.delete(reverse("funding:loan-create")).status_code == 405


def test_a_leader_cannot_apply_for_a_loan(client, leader, member):
    client.force_login(leader)
    assert client.post(reverse("funding:loan-create"), application(member)).status_code == 403
    assert not Loan.objects.exists()


# Scope ---------------------------------------------------------------------------------------------------------------


def listed(client, user, query=""):
    client.force_login(user)
    return sorted(loan.member.name for loan in client.get(reverse("funding:loan-list") + query).context["page"])


def test_department_staff_see_only_the_loans_of_their_paired_households(
    client, dept_staff, scoped, loan_applied, other_loan, village, bookkeeper
):
    make_loan(MemberFactory(village=village, name="邻居"), bookkeeper)  # same paired village, not its household
    assert listed(client, dept_staff) == ["张德福"]


def test_town_staff_see_their_towns_loans_and_the_city_wide_roles_all(
    client, town_staff, org_staff, leader, loan_applied, other_loan
):
    assert listed(client, town_staff) == ["张德福"]
    assert listed(client, org_staff) == listed(client, leader) == ["张德福", "李秀英"]


def test_liaison_officers_see_no_loans_until_they_are_assigned_a_village(client, liaison, loan_applied, other_loan):
    assert listed(client, liaison) == []


def test_the_list_filters_by_member_within_the_scope(client, town_staff, org_staff, member, loan_applied, other_loan):
    assert listed(client, org_staff, f"?member={member.pk}") == ["张德福"]
    response = client.get(reverse("funding:loan-list") + f"?member={member.pk}")
    assert "张德福的贷款" in response.content.decode()
    client.force_login(town_staff)
    assert client.get(reverse("funding:loan-list") + f"?member={other_loan.member_id}").status_code == 404


def test_the_list_filters_by_status_product_bank_place_and_name(
    client, org_staff, loan_applied, other_loan, other_town, village
):
    assert listed(client, org_staff, "?status=disbursed") == ["李秀英"]
    assert listed(client, org_staff, "?bank=珠江") == ["李秀英"]
    assert listed(client, org_staff, f"?town={other_town.pk}") == ["李秀英"]
    assert listed(client, org_staff, f"?village={village.pk}") == ["张德福"]
    assert listed(client, org_staff, "?q=德福") == ["张德福"]
    assert listed(client, org_staff, "?product=large") == []


def test_the_group_detail_shows_only_the_loans_in_scope(
    client, dept_staff, scoped, guarantee_group, loan_applied, bookkeeper
):
    neighbour = guarantee_group.members.get(name="王二")
    make_loan(neighbour, bookkeeper)
    client.force_login(dept_staff)
    response = client.get(reverse("funding:guarantee-group-detail", args=[guarantee_group.pk]))
    assert [loan.member.name for loan in response.context["loans"]] == ["张德福"]
    assert [m.member.name for m in response.context["memberships"]] == ["张德福", "王二", "赵三"]


# Overdue: the list, the work list count ------------------------------------------------------------------------------


@pytest.fixture
def recent_loans(member, other_member, bookkeeper):
    """Paid out 40 days ago: the first instalment fell due about ten days ago. One borrower paid it, one did not."""
    today = timezone.localdate()
    start = today - timedelta(days=40)
    late = disburse(make_loan(member, bookkeeper, applied_on=start), start)
    current = disburse(make_loan(other_member, bookkeeper, applied_on=start), start)
    services.repayment_record(loan=current, paid_on=today, principal=D("2500.00"), interest=D("108.75"), by=bookkeeper)
    return late, current


def test_the_overdue_filter_lists_loans_with_an_unpaid_instalment_past_due(client, org_staff, recent_loans):
    late, _ = recent_loans
    client.force_login(org_staff)
    page = client.get(reverse("funding:loan-list") + "?overdue=1").context["page"]
    assert [loan.member.name for loan in page] == ["张德福"]
    due = services.add_months(late.disbursed_on, 1)
    assert (page[0].overdue_since, page[0].days_overdue) == (due, (timezone.localdate() - due).days)
    assert f"{due:%Y-%m-%d} 起，{page[0].days_overdue} 天" in client.get(reverse("funding:loan-list")).content.decode()


def test_the_work_list_counts_overdue_loans_in_the_users_scope(
    org_staff, town_staff, other_town_staff, liaison, recent_loans, loan_disbursed
):
    # loan_disbursed (2016, never repaid) and recent_loans' late one belong to 张德福 in town_staff's town.
    assert overdue_loan_count(org_staff) == 2
    assert overdue_loan_count(town_staff) == 2
    assert overdue_loan_count(other_town_staff) == 0
    assert overdue_loan_count(liaison) == 0


def test_the_totals_line_adds_up_the_filtered_loans(client, org_staff, loan_applied, other_loan, bookkeeper, member):
    settled = disburse(make_loan(member, bookkeeper, amount_requested=D("10000.50")), date(2016, 5, 1))
    services.repayment_record(
        loan=settled, paid_on=date(2016, 6, 1), principal=D("10000.50"), interest=D("0"), by=bookkeeper
    )
    services.repayment_record(
        loan=other_loan, paid_on=date(2016, 6, 1), principal=D("1000.25"), interest=D("10"), by=bookkeeper
    )
    client.force_login(org_staff)
    totals = client.get(reverse("funding:loan-list")).context["totals"]
    assert totals == {"count": 3, "approved": D("40000.50"), "outstanding": D("28999.75")}
    assert "28,999.75" in client.get(reverse("funding:loan-list")).content.decode()


@pytest.mark.parametrize("rows", [3, 30])
def test_the_list_makes_the_same_queries_whatever_the_rows(
    client, org_staff, village, bookkeeper, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        disburse(make_loan(MemberFactory(village=village), bookkeeper), date(2016, 4, 30))
    client.force_login(org_staff)
    with django_assert_max_num_queries(13):
        assert client.get(reverse("funding:loan-list")).status_code == 200
    with django_assert_max_num_queries(13):
        assert client.get(reverse("funding:loan-list") + "?overdue=1").status_code == 200


@pytest.mark.parametrize("repayments", [1, 8])
def test_the_detail_makes_the_same_queries_whatever_the_repayments(
    client, org_staff, guarantee_group, member, bookkeeper, repayments, django_assert_max_num_queries
):
    loan = make_loan(member, bookkeeper, guarantee_group=guarantee_group, term_months=repayments * 3)
    disburse(loan, date(2016, 4, 30))
    for _ in range(repayments):
        services.repayment_record(
            loan=loan, paid_on=date(2016, 5, 30), principal=D("100"), interest=D("1"), by=bookkeeper
        )
    client.force_login(org_staff)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("funding:loan-detail", args=[loan.pk])).status_code == 200


@pytest.mark.parametrize("groups", [2, 20])
def test_the_group_list_makes_the_same_queries_whatever_the_rows(
    client, org_staff, village, groups, django_assert_max_num_queries
):
    for n in range(groups):
        group = GuaranteeGroup.objects.create(name=f"第{n}组", village=village, formed_on=date(2016, 3, 1))
        for _ in range(3):
            group.memberships.create(member=MemberFactory(village=village), joined_on=date(2016, 3, 1))
    client.force_login(org_staff)
    with django_assert_max_num_queries(13):
        assert client.get(reverse("funding:guarantee-group-list")).status_code == 200


# The export -----------------------------------------------------------------------------------------------------------


def test_the_export_has_the_filtered_loans_and_exact_amounts(client, org_staff, member, other_loan, bookkeeper):
    loan = disburse(make_loan(member, bookkeeper, amount_requested=D("12345.67")), date(2016, 4, 30))
    services.repayment_record(
        loan=loan, paid_on=date(2016, 5, 30), principal=D("1028.81"), interest=D("0"), by=bookkeeper
    )
    client.force_login(org_staff)
    response = client.get(reverse("funding:loan-list") + f"?village={member.village_id}&format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, (row,) = rows[0], rows[1:]
    record = dict(zip(header, row, strict=True))
    assert (record["借款人"], record["村（社区）"], record["状态"]) == ("张德福", "三星村", "已放款（还款中）")
    assert D(str(record["批准金额（元）"])) == D("12345.67")
    assert D(str(record["已还本金（元）"])) == D("1028.81")
    assert D(str(record["尚欠本金（元）"])) == D("11316.86")
    assert D(str(record["年利率（%）"])) == D("4.35")
    assert record["逾期起始日"].date() == date(2016, 5, 30)  # the first principal is paid, its interest not
    assert sheet.cell(row=2, column=header.index("批准金额（元）") + 1).number_format == "#,##0.00"


# The application form -------------------------------------------------------------------------------------------------


def application(borrower, **changes):
    return {
        "member": borrower.pk,
        "product": "small",
        "amount_requested": "30,000.50",
        "bank": "四川广汉农村商业银行",
        "purpose": "韭黄种植",
        "term_months": "12",
        "annual_rate": "4.35",
        "method": "equal_principal",
        "relaxed_terms": "免抵押",
        "applied_on": "2016-04-01",
        **changes,
    }


def apply(client, user, data):
    client.force_login(user)
    return client.post(reverse("funding:loan-create"), data)


def test_an_application_is_saved_with_the_exact_amount(client, dept_staff, scoped, member, project):
    response = apply(client, dept_staff, application(member, project=project.pk))
    loan = Loan.objects.get()
    assert response.url == reverse("funding:loan-detail", args=[loan.pk])
    assert (loan.amount_requested, loan.status, loan.by, loan.project) == (
        D("30000.50"),
        "applied",
        dept_staff,
        project,
    )
    assert "免抵押" in client.get(response.url).content.decode()


def test_the_application_page_offers_the_banks_and_the_chosen_member(client, org_staff, member):
    client.force_login(org_staff)
    response = client.get(reverse("funding:loan-create") + f"?member={member.pk}")
    html = response.content.decode()
    assert '<datalist id="banks">' in html and '<option value="广汉珠江村镇银行">' in html
    assert response.context["form"]["member"].value() == str(member.pk)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount_requested": "50000.01"}, "amount_requested", "小额信用贷款的申请金额不能超过 50,000.00 元"),
        ({"product": "large", "amount_requested": "50000.00"}, "amount_requested", "大额联保贷款的申请金额应超过"),
        ({"product": "large", "amount_requested": "500000.01"}, "amount_requested", "不超过 500,000.00 元"),
        (
            {"product": "large", "amount_requested": "80000"},
            "guarantee_group",
            "大额联保贷款须选择借款人所在的联保小组。",
        ),
        ({"term_months": "0"}, "term_months", "期限应在 1 到 120 个月之间。"),
        ({"term_months": "121"}, "term_months", "期限应在 1 到 120 个月之间。"),
        ({"term_months": "一年"}, "term_months", "期限请填写 1 到 120 之间的整数（月）。"),
        ({"annual_rate": "24.01"}, "annual_rate", "年利率应在 0 到 24（%）之间。"),
        ({"annual_rate": "-1"}, "annual_rate", "年利率应在 0 到 24（%）之间。"),
        ({"amount_requested": "1e3"}, "amount_requested", "不是金额"),
        ({"bank": ""}, "bank", "请填写贷款银行。"),
        ({"member": ""}, "member", "请选择借款人。"),
        ({"purpose": ""}, "purpose", "请填写借款用途。"),
        ({"applied_on": "2999-01-01"}, "applied_on", "申请日期不能晚于今天。"),
    ],
)
def test_the_application_explains_each_mistake(client, org_staff, member, changes, field, message):
    response = apply(client, org_staff, application(member, **changes))
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert not Loan.objects.exists()


def test_a_large_loan_needs_a_group_the_borrower_belongs_to(client, org_staff, member, guarantee_group, other_group):
    data = application(member, product="large", amount_requested="200000", guarantee_group=other_group.pk)
    errors = apply(client, org_staff, data).context["form"].errors
    assert errors["guarantee_group"] == ["借款人 张德福 不是联保小组“金光村联保小组”的成员。"]
    apply(client, org_staff, {**data, "guarantee_group": guarantee_group.pk})
    assert Loan.objects.get().guarantee_group == guarantee_group


def test_the_borrower_and_the_group_must_be_in_the_users_scope(client, dept_staff, scoped, other_member, other_group):
    data = application(other_member, product="large", amount_requested="80000", guarantee_group=other_group.pk)
    errors = apply(client, dept_staff, data).context["form"].errors
    assert errors["member"] == ["请从列表中选择您工作范围内的借款人。"]
    assert errors["guarantee_group"] == ["请从列表中选择您工作范围内的联保小组。"]


def test_a_project_in_another_town_is_refused(client, org_staff, member, other_project):
    errors = apply(client, org_staff, application(member, project=other_project.pk)).context["form"].errors
    assert errors["project"] == ["项目“金光村生猪养殖”不在借款人 张德福 所在乡镇，请核对。"]


# The bank's steps through the pages --------------------------------------------------------------------------------


def post(client, user, name, pk, data):
    client.force_login(user)
    return client.post(reverse(f"funding:{name}", args=[pk]), data)


def test_approving_more_than_requested_or_refusing_without_reason_is_explained(client, org_staff, loan_applied):
    data = {"decide-decision": "approve", "decide-amount": "30000.01", "decide-decided_on": "2016-04-10"}
    errors = post(client, org_staff, "loan-decide", loan_applied.pk, data).context["decide_form"].errors
    assert errors["amount"] == ["批准金额不能超过申请金额 30,000.00 元。"]
    data = {"decide-decision": "refuse", "decide-decided_on": "2016-03-01"}
    errors = post(client, org_staff, "loan-decide", loan_applied.pk, data).context["decide_form"].errors
    assert errors["reason"] == ["不批准时请填写未批准原因。"]
    assert errors["decided_on"] == ["审批日期不能早于申请日期 2016-04-01。"]
    loan_applied.refresh_from_db()
    assert loan_applied.status == "applied"


def test_a_loan_goes_from_application_to_its_schedule(client, org_staff, loan_applied):
    data = {"decide-decision": "approve", "decide-amount": "25,000", "decide-decided_on": "2016-04-10"}
    response = post(client, org_staff, "loan-decide", loan_applied.pk, data)
    assert response.url == reverse("funding:loan-detail", args=[loan_applied.pk])
    data = {"disburse-disbursed_on": "2016-04-30", "disburse-contract_no": "NS2016-0088"}
    page = client.get(post(client, org_staff, "loan-disburse", loan_applied.pk, data).url)
    loan_applied.refresh_from_db()
    assert (loan_applied.status, loan_applied.amount_approved, loan_applied.contract_no) == (
        "disbursed",
        D("25000.00"),
        "NS2016-0088",
    )
    assert LoanInstalment.objects.filter(loan=loan_applied).count() == 12
    html = page.content.decode()
    assert "已放款，还款计划从 2016-04-30 起算。" in html
    assert "2016-04-10 批准 25,000.00 元" in html and "2016-04-30 放款" in html


def test_deciding_twice_shows_why_on_the_form_and_changes_nothing(client, org_staff, loan_approved):
    data = {"decide-decision": "refuse", "decide-reason": "重复", "decide-decided_on": "2016-04-11"}
    response = post(client, org_staff, "loan-decide", loan_approved.pk, data)
    assert response.status_code == 200
    assert "该贷款当前为“已批准”，只有已申请的贷款可以审批。" in response.context["decide_form"].non_field_errors()
    loan_approved.refresh_from_db()
    assert (loan_approved.status, loan_approved.refusal_reason) == ("approved", "")


def test_disbursing_an_unapproved_loan_is_refused_on_the_form(client, org_staff, loan_applied):
    data = {"disburse-disbursed_on": "2016-04-30", "disburse-contract_no": "HT-1"}
    response = post(client, org_staff, "loan-disburse", loan_applied.pk, data)
    assert "只有已批准的贷款可以放款" in response.content.decode()
    assert not LoanInstalment.objects.exists()
    errors = post(client, org_staff, "loan-disburse", loan_applied.pk, {}).context["disburse_form"].errors
    assert errors == {"disbursed_on": ["请填写放款日期。"], "contract_no": ["请填写借款合同号。"]}


@pytest.fixture
def recent_loan(member, bookkeeper):
    """Paid out 40 days ago: the first instalment is past due, the second is not."""
    start = timezone.localdate() - timedelta(days=40)
    return disburse(make_loan(member, bookkeeper, applied_on=start), start)


def test_the_repayment_form_offers_the_next_unpaid_instalment(client, org_staff, recent_loan):
    client.force_login(org_staff)
    url = reverse("funding:loan-detail", args=[recent_loan.pk])
    form = client.get(url).context["repay_form"]
    assert (form["principal"].value(), form["interest"].value()) == (D("2500.00"), D("108.75"))
    data = {"repay-paid_on": f"{timezone.localdate():%Y-%m-%d}", "repay-principal": "2,500", "repay-interest": "108.75"}
    client.post(reverse("funding:loan-repay", args=[recent_loan.pk]), data)
    response = client.get(url)
    form = response.context["repay_form"]
    assert (form["principal"].value(), form["interest"].value()) == (D("2500.00"), D("99.69"))
    assert [i.state for i in response.context["instalments"][:3]] == ["paid", "due", "due"]


def test_the_schedule_shows_each_instalments_state(client, org_staff, recent_loan):
    client.force_login(org_staff)
    response = client.get(reverse("funding:loan-detail", args=[recent_loan.pk]))
    assert [i.state for i in response.context["instalments"][:2]] == ["overdue", "due"]
    html = response.content.decode()
    assert "逾期" in html and "未到期" in html
    assert response.context["arrears_principal"] == D("2500.00")
    assert response.context["arrears_interest"] == D("108.75")


def test_a_repayment_over_the_principal_owed_is_explained_and_not_written(client, org_staff, loan_disbursed):
    data = {"repay-paid_on": "2016-05-30", "repay-principal": "30000.01", "repay-interest": "0"}
    errors = post(client, org_staff, "loan-repay", loan_disbursed.pk, data).context["repay_form"].errors
    assert errors["principal"] == ["还款本金 30,000.01 元 超过尚欠本金 30,000.00 元。"]
    data = {"repay-paid_on": "2016-05-30", "repay-principal": "", "repay-interest": ""}
    errors = post(client, org_staff, "loan-repay", loan_disbursed.pk, data).context["repay_form"].errors
    assert errors["__all__"] == ["请填写还款本金或利息（至少一项大于 0）。"]
    data = {"repay-paid_on": "2016-04-01", "repay-principal": "1", "repay-interest": "0"}
    errors = post(client, org_staff, "loan-repay", loan_disbursed.pk, data).context["repay_form"].errors
    assert errors["paid_on"] == ["还款日期不能早于放款日期 2016-04-30。"]
    assert not Repayment.objects.exists()


def test_paying_everything_settles_and_a_reversal_reopens(client, org_staff, loan_disbursed):
    data = {"repay-paid_on": "2016-06-30", "repay-principal": "30000", "repay-interest": "706.89"}
    post(client, org_staff, "loan-repay", loan_disbursed.pk, data)
    loan_disbursed.refresh_from_db()
    assert loan_disbursed.status == "settled"
    repayment = Repayment.objects.get()
    prefix = f"reverse{repayment.pk}"
    errors = (
        post(client, org_staff, "repayment-reverse", repayment.pk, {f"{prefix}-reversed_on": "2016-07-01"})
        .context["reverse_forms"][repayment.pk]
        .errors
    )
    assert errors == {"reason": ["请填写冲销原因。"]}
    data = {f"{prefix}-reversed_on": "2016-07-01", f"{prefix}-reason": "银行回单重复"}
    page = client.get(post(client, org_staff, "repayment-reverse", repayment.pk, data).url)
    loan_disbursed.refresh_from_db()
    assert (loan_disbursed.status, loan_disbursed.paid_principal) == ("disbursed", D("0.00"))
    html = page.content.decode()
    assert "冲销：银行回单重复" in html and "已冲销" in html
    assert page.context["reverse_forms"] == {}  # neither line can be reversed again


def test_reversing_a_reversal_is_refused_on_the_form(client, org_staff, loan_disbursed):
    repayment = services.repayment_record(
        loan=loan_disbursed, paid_on=date(2016, 5, 30), principal=D("100"), interest=D("0"), by=org_staff
    )
    reversal = services.repayment_reverse(repayment=repayment, on=date(2016, 5, 31), reason="错", by=org_staff)
    prefix = f"reverse{reversal.pk}"
    data = {f"{prefix}-reversed_on": "2016-06-01", f"{prefix}-reason": "再冲"}
    response = post(client, org_staff, "repayment-reverse", reversal.pk, data)
    assert "冲销记录本身不能再冲销。" in response.context["reverse_forms"][reversal.pk].non_field_errors()
    assert Repayment.objects.count() == 2


# 联保小组 -------------------------------------------------------------------------------------------------------------


def test_a_group_is_formed_from_three_to_five_people_of_one_village(client, org_staff, village, member):
    people = [member, *(MemberFactory(village=village, name=n) for n in ("王二", "赵三", "钱四", "孙五", "周六"))]
    client.force_login(org_staff)
    url = reverse("funding:guarantee-group-create")
    form = client.get(f"{url}?village={village.pk}").context["form"]
    assert sorted(m.name for m in form.fields["members"].queryset) == sorted(p.name for p in people)
    data = {"village": village.pk, "name": "三星村第二联保小组", "formed_on": "2016-03-01"}
    errors = client.post(url, {**data, "members": [p.pk for p in people[:2]]}).context["form"].errors
    assert errors["members"] == ["联保小组须有 3 到 5 户成员，现在选了 2 户。"]
    errors = client.post(url, {**data, "members": [p.pk for p in people]}).context["form"].errors
    assert errors["members"] == ["联保小组须有 3 到 5 户成员，现在选了 6 户。"]
    response = client.post(url, {**data, "members": [p.pk for p in people[:3]]})
    group = GuaranteeGroup.objects.get()
    assert response.url == reverse("funding:guarantee-group-detail", args=[group.pk])
    assert (group.by, sorted(group.members.values_list("name", flat=True))) == (org_staff, ["张德福", "王二", "赵三"])
    errors = client.post(url, {**data, "members": [p.pk for p in people[3:]]}).context["form"].errors
    assert errors["name"] == ["三星村已有名为“三星村第二联保小组”的联保小组，请换个名称。"]


def test_a_group_takes_no_one_from_another_village(client, org_staff, village, member, other_member):
    people = [member, MemberFactory(village=village), other_member]
    client.force_login(org_staff)
    data = {"village": village.pk, "name": "混合组", "formed_on": "2016-03-01", "members": [p.pk for p in people]}
    errors = client.post(reverse("funding:guarantee-group-create"), data).context["form"].errors
    assert errors["members"] == ["成员须是所选村（社区）、您工作范围内的人员，请重新勾选。"]
    assert not GuaranteeGroup.objects.exists()


def test_department_staff_choose_among_their_households(client, dept_staff, scoped, village, member):
    MemberFactory(village=village, name="邻居")
    client.force_login(dept_staff)
    form = client.get(reverse("funding:guarantee-group-create") + f"?village={village.pk}").context["form"]
    assert [m.name for m in form.fields["members"].queryset] == ["张德福"]


def test_the_group_list_filters_by_name_or_member(client, org_staff, guarantee_group, other_group):
    client.force_login(org_staff)
    page = client.get(reverse("funding:guarantee-group-list") + "?q=赵三").context["page"]
    assert [g.name for g in page] == ["三星村第一联保小组"]
