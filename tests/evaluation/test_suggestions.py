"""Suggested scores from the data: each block's figure against hand-built data, caps, zero cases, the basis, and a
query count that does not grow with the number of departments."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluation.models import Agreement, AssessmentYear, Block, BlockCode, Score
from evaluation.suggestions import explain, suggest
from funding import services
from funding.models import Loan
from guanghan.models import Department
from projects.models import HouseholdContact, HouseholdPairing, Project, VillagePairing
from tests.factories import (
    AssociationFactory,
    CadreFactory,
    DepartmentFactory,
    MemberFactory,
    PartyBranchFactory,
    ProjectFactory,
    UserFactory,
    VillageFactory,
)
from tests.funding.loan_fixtures import disburse, make_loan

MAX_POINTS = {
    BlockCode.VILLAGE_PAIRING: Decimal(30),
    BlockCode.HOUSEHOLD_PAIRING: Decimal(20),
    BlockCode.BRANCH_ASSOCIATION: Decimal(15),
    BlockCode.CREDIT: Decimal(15),
    BlockCode.DEMO_BASE: Decimal(20),
}


@pytest.fixture
def year(db):
    year = AssessmentYear.objects.create(year=2016)
    for order, (code, max_points) in enumerate(MAX_POINTS.items()):
        Block.objects.create(year=year, code=code, weight=max_points, max_points=max_points, order=order)
    return year


@pytest.fixture
def bookkeeper(db):
    return UserFactory(username="bookkeeper", role="org_staff")


@pytest.fixture
def third_village(town):
    return VillageFactory(town=town, name="友谊村")


def pair(department, *villages, year=2016):
    for village in villages:
        VillagePairing.objects.create(department=department, village=village, year=year, started_on=date(year, 3, 1))


def agree(department, village, by, *, projects: int, money: str, year=2016):
    return Agreement.objects.create(
        department=department,
        village=village,
        year=year,
        signed_on=date(year, 3, 1),
        projects_started=projects,
        money_invested=Decimal(money),
        by=by,
    )


def fund(department, by, amount="500000.00"):
    account = services.account_for_department(department)
    services.contribution_create(
        account=account,
        source="department",
        amount=Decimal(amount),
        received_on=date(2015, 1, 5),
        voucher_no=f"BM-{department.pk}",
        department=department,
        by=by,
    )
    return account


def pay(account, project, amount, by, on=date(2016, 6, 1)):
    return services.disbursement_create(
        account=account,
        amount=Decimal(amount),
        paid_on=on,
        voucher_no=f"ZC-{project.pk}-{amount}-{on}",
        purpose="start_up",
        approved_by="王敏",
        by=by,
        project=project,
    )


def household(department, member, started_on=date(2016, 1, 10), ended_on=None):
    return HouseholdPairing.objects.create(
        cadre=CadreFactory(department=department), member=member, started_on=started_on, ended_on=ended_on
    )


def contact(pairing, *days):
    for day in days:
        HouseholdContact.objects.create(pairing=pairing, contacted_on=day, summary="入户走访，了解生产情况")


def key_project(village, slot, *, branch=False, association=False, year=2016):
    return ProjectFactory(
        village=village,
        year=year,
        is_key=True,
        key_slot=slot,
        status=Project.Status.RUNNING,
        branch=PartyBranchFactory(village=village) if branch else None,
        association=AssociationFactory(village=village) if association else None,
    )


# 部门帮村


def test_village_pairing_averages_each_agreements_two_targets(
    year, department, other_department, village, other_village, bookkeeper
):
    pair(department, village, other_village)
    agree(department, village, bookkeeper, projects=2, money="100000.00")
    agree(department, other_village, bookkeeper, projects=1, money="20000.00")
    running = ProjectFactory(village=village, status=Project.Status.RUNNING)
    ProjectFactory(village=village, status=Project.Status.COMPLETED)
    ProjectFactory(village=village, status=Project.Status.SELECTED)  # not started
    ProjectFactory(village=other_village, year=2015, status=Project.Status.RUNNING)  # another year
    other = ProjectFactory(village=other_village, status=Project.Status.RECOMMENDED)
    account = fund(department, bookkeeper)
    pay(account, running, "50000.00", bookkeeper)
    pay(account, running, "9000.00", bookkeeper, on=date(2015, 12, 30))  # last year: not counted
    wrong = pay(account, running, "7000.00", bookkeeper)
    services.line_reverse(line=wrong, on=date(2016, 7, 1), reason="录错", by=bookkeeper)  # nets to zero
    pay(fund(other_department, bookkeeper), running, "40000.00", bookkeeper)  # another department's money
    pay(account, other, "30000.00", bookkeeper)  # over the target: counts 100 %

    score, basis = suggest(year, [department])[(department.pk, BlockCode.VILLAGE_PAIRING)]

    # village: projects 2/2 → 1, money 5/10 万 → 0.5; other village: projects 0/1 → 0, money 3/2 万 → 1; mean 0.625
    assert score == Decimal("18.75")
    assert basis == "2 个责任村：开工项目 2/3，投入资金 8.00/12.00 万元，完成 62.5%"


def test_village_pairing_is_capped_at_the_blocks_maximum(year, department, village, bookkeeper):
    pair(department, village)
    agree(department, village, bookkeeper, projects=1, money="10000.00")
    project = ProjectFactory(village=village, status=Project.Status.RUNNING)
    ProjectFactory(village=village, status=Project.Status.COMPLETED)
    pay(fund(department, bookkeeper), project, "80000.00", bookkeeper)

    score, basis = suggest(year, [department])[(department.pk, BlockCode.VILLAGE_PAIRING)]

    assert score == Decimal("30.00")
    assert "开工项目 2/1" in basis
    assert "完成 100.0%" in basis


def test_village_pairing_target_of_zero_counts_as_met(year, department, village, bookkeeper):
    pair(department, village)
    agree(department, village, bookkeeper, projects=1, money="0.00")

    score, basis = suggest(year, [department])[(department.pk, BlockCode.VILLAGE_PAIRING)]

    assert score == Decimal("15.00")
    assert basis == "1 个责任村：开工项目 0/1，投入资金 0.00/0.00 万元，完成 50.0%"


def test_village_pairing_without_agreements_uses_the_paired_villages(
    year, department, village, other_village, third_village, bookkeeper
):
    pair(department, village, other_village, third_village)
    ProjectFactory(village=village, status=Project.Status.RUNNING)
    project = ProjectFactory(village=other_village, status=Project.Status.SELECTED)
    pay(fund(department, bookkeeper), project, "1000.00", bookkeeper)

    score, basis = suggest(year, [department])[(department.pk, BlockCode.VILLAGE_PAIRING)]

    # three villages × two targets, two met: 1/3 of 30
    assert score == Decimal("10.00")
    assert "未签目标责任书，按 3 个结对村计" in basis
    assert "有开工项目的村 1/3，有资金投入的村 1/3，完成 33.3%" in basis


# 党员帮户


def test_household_pairing_counts_contacts_against_six_a_year_per_household(year, department, village, other_village):
    first = household(department, MemberFactory(village=village))
    second = household(department, MemberFactory(village=other_village), started_on=date(2015, 5, 1))
    ended = household(department, MemberFactory(village=village), date(2014, 1, 1), ended_on=date(2015, 12, 31))
    contact(first, *[date(2016, month, 15) for month in (2, 4, 6, 8, 10, 12)])
    contact(second, date(2015, 11, 2), date(2016, 3, 1), date(2016, 9, 9), date(2017, 1, 3))
    contact(ended, date(2015, 6, 1))
    household(CadreFactory().department, MemberFactory(village=village))  # another department's cadre

    score, basis = suggest(year, [department])[(department.pk, BlockCode.HOUSEHOLD_PAIRING)]

    assert score == Decimal("13.33")  # 8 ÷ 12 of 20
    assert basis == "2 户结对：全年联系 8 次，应联系 12 次（每户每两个月一次），完成 66.7%"


def test_household_pairing_is_capped_at_the_blocks_maximum(year, department, village):
    pairing = household(department, MemberFactory(village=village))
    contact(pairing, *[date(2016, month, 1) for month in range(1, 13)])

    score, basis = suggest(year, [department])[(department.pk, BlockCode.HOUSEHOLD_PAIRING)]

    assert score == Decimal("20.00")
    assert "全年联系 12 次，应联系 6 次" in basis


def test_household_pair_handed_over_during_the_year_counts(year, department, village):
    household(department, MemberFactory(village=village), date(2015, 1, 1), ended_on=date(2016, 2, 1))

    score, basis = suggest(year, [department])[(department.pk, BlockCode.HOUSEHOLD_PAIRING)]

    assert score == Decimal("0.00")
    assert basis.startswith("1 户结对：全年联系 0 次")


# 支部+协会


def test_branch_association_is_the_share_of_key_projects_with_both(
    year, department, village, other_village, third_village
):
    pair(department, village, other_village)
    key_project(village, 1, branch=True, association=True)
    key_project(village, 2, branch=True)
    key_project(other_village, 1, branch=True, association=True)
    key_project(other_village, 2, year=2015)  # another year
    key_project(third_village, 1)  # not a paired village
    ProjectFactory(
        village=other_village,
        branch=PartyBranchFactory(village=other_village),
        association=AssociationFactory(village=other_village),
    )  # not a key project

    score, basis = suggest(year, [department])[(department.pk, BlockCode.BRANCH_ASSOCIATION)]

    assert score == Decimal("10.00")  # 2 of 3, of 15
    assert basis == "2 个结对村的重点培植项目 3 个，其中既有支部又有协会的 2 个，完成 66.7%"


def test_branch_association_without_key_projects_is_zero(year, department, village):
    pair(department, village)
    ProjectFactory(village=village, status=Project.Status.RUNNING)

    score, basis = suggest(year, [department])[(department.pk, BlockCode.BRANCH_ASSOCIATION)]

    assert score == Decimal("0.00")
    assert basis == "1 个结对村本年度没有重点培植项目"


# 党员农贷快车


def test_credit_is_the_share_of_loans_not_in_arrears_at_year_end(
    year, department, village, other_village, third_village, bookkeeper
):
    pair(department, village)
    in_village = MemberFactory(village=village)
    household(department, in_village)  # paired both ways: its loans count once
    paired = MemberFactory(village=other_village)
    household(department, paired)
    stranger = MemberFactory(village=third_village)

    disburse(make_loan(in_village, bookkeeper), date(2016, 4, 30))  # monthly instalments unpaid: in arrears
    disburse(make_loan(paired, bookkeeper, method=Loan.Method.BULLET, term_months=24), date(2016, 6, 1))  # none due
    paid_up = disburse(make_loan(paired, bookkeeper, applied_on=date(2015, 3, 1)), date(2015, 3, 20))
    services.repayment_record(
        loan=paid_up, paid_on=date(2016, 3, 20), principal=Decimal("30000.00"), interest=Decimal("800"), by=bookkeeper
    )  # paid off during the year: counts, not in arrears
    old = disburse(make_loan(in_village, bookkeeper, applied_on=date(2014, 3, 1)), date(2014, 3, 10))
    services.repayment_record(
        loan=old, paid_on=date(2015, 3, 10), principal=Decimal("30000.00"), interest=Decimal("800"), by=bookkeeper
    )  # settled before the year: not counted
    make_loan(in_village, bookkeeper)  # applied only
    disburse(make_loan(in_village, bookkeeper, applied_on=date(2017, 1, 5)), date(2017, 1, 20))  # next year
    disburse(make_loan(stranger, bookkeeper), date(2016, 4, 30))  # not its member

    score, basis = suggest(year, [department])[(department.pk, BlockCode.CREDIT)]

    assert basis == "农贷 3 笔（本年度放款或仍在还款），年末未逾期 2 笔，逾期 1 笔，完成 66.7%"
    assert score == Decimal("10.00")  # 2 of 3, of 15


def test_credit_without_loans_is_zero(year, department, village, bookkeeper):
    pair(department, village)
    make_loan(MemberFactory(village=village), bookkeeper)

    assert suggest(year, [department])[(department.pk, BlockCode.CREDIT)] == (Decimal("0.00"), "本年度无农贷")


# 党员创业示范基地


def test_demo_base_is_bases_per_paired_village(year, department, village, other_village, third_village):
    pair(department, village, other_village, third_village)
    ProjectFactory(village=village, is_demo_base=True)
    ProjectFactory(village=other_village, is_demo_base=True)
    ProjectFactory(village=third_village, is_demo_base=True, year=2015)  # another year
    ProjectFactory(village=VillageFactory(), is_demo_base=True)  # not a paired village

    score, basis = suggest(year, [department])[(department.pk, BlockCode.DEMO_BASE)]

    assert score == Decimal("13.33")  # 2 of 3, of 20
    assert basis == "3 个结对村，党员创业示范基地 2 个（每村 1 个为满分），完成 66.7%"


def test_demo_base_is_capped_at_the_blocks_maximum(year, department, village, other_village):
    pair(department, village, other_village)
    for _ in range(3):
        ProjectFactory(village=village, is_demo_base=True)

    score, basis = suggest(year, [department])[(department.pk, BlockCode.DEMO_BASE)]

    assert score == Decimal("20.00")
    assert "党员创业示范基地 3 个" in basis
    assert "完成 100.0%" in basis


# Every block, every department


def test_department_without_data_gets_zero_in_every_block(year, department):
    suggestions = suggest(year, [department])

    assert set(suggestions) == {(department.pk, code) for code in MAX_POINTS}
    assert {score for score, _ in suggestions.values()} == {Decimal("0.00")}
    assert suggestions[(department.pk, BlockCode.VILLAGE_PAIRING)][1] == "本年度没有目标责任书，也没有结对村"
    assert suggestions[(department.pk, BlockCode.HOUSEHOLD_PAIRING)][1] == "本年度没有党员帮户结对"
    assert suggestions[(department.pk, BlockCode.BRANCH_ASSOCIATION)][1] == "本年度没有结对村"
    assert suggestions[(department.pk, BlockCode.DEMO_BASE)][1] == "本年度没有结对村"


def test_by_default_the_departments_paired_that_year_are_suggested(
    year, department, other_department, village, other_village
):
    pair(department, village)
    pair(other_department, other_village, year=2015)

    suggestions = suggest(year)

    assert {pk for pk, _ in suggestions} == {department.pk}


def test_each_department_is_counted_on_its_own_data(year, department, other_department, village, other_village):
    pair(department, village)
    pair(other_department, other_village)
    ProjectFactory(village=village, is_demo_base=True)

    suggestions = suggest(year, Department.objects.filter(pk__in=[department.pk, other_department.pk]))

    assert suggestions[(department.pk, BlockCode.DEMO_BASE)][0] == Decimal("20.00")
    assert suggestions[(other_department.pk, BlockCode.DEMO_BASE)][0] == Decimal("0.00")


def test_only_the_years_blocks_are_suggested(db, department):
    year = AssessmentYear.objects.create(year=2015)
    Block.objects.create(year=year, code=BlockCode.CREDIT, weight=100, max_points=100)

    assert set(suggest(year, [department])) == {(department.pk, BlockCode.CREDIT)}


def test_staff_computing_suggestions_fills_the_score_sheet(client, org_staff, year, department, village):
    pair(department, village)
    ProjectFactory(village=village, is_demo_base=True)
    client.force_login(org_staff)

    response = client.post(reverse("evaluation:suggest", args=[2016]))

    assert response.status_code == 302
    scores = {s.block.code: s for s in Score.objects.filter(year=year, department=department).select_related("block")}
    assert set(scores) == set(MAX_POINTS)
    assert scores[BlockCode.DEMO_BASE].suggested == Decimal("20.00")
    assert scores[BlockCode.DEMO_BASE].basis == "1 个结对村，党员创业示范基地 1 个（每村 1 个为满分），完成 100.0%"
    assert scores[BlockCode.CREDIT].suggested == Decimal("0.00")
    assert scores[BlockCode.CREDIT].basis == "本年度无农贷"


def test_every_block_is_explained():
    for code in BlockCode:
        assert explain(code)
    assert "6 次" in explain(BlockCode.HOUSEHOLD_PAIRING)
    assert "目标责任书" in explain(BlockCode.VILLAGE_PAIRING)


def busy_departments(count: int, bookkeeper) -> list:
    """Departments with data in every block."""
    departments = []
    for n in range(count):
        department = DepartmentFactory()
        village = VillageFactory()
        pair(department, village)
        agree(department, village, bookkeeper, projects=1, money="1000.00")
        key_project(village, 1, branch=True, association=True)
        ProjectFactory(village=village, is_demo_base=True)
        member = MemberFactory(village=village)
        contact(household(department, member), date(2016, 5, 1))
        disburse(make_loan(member, bookkeeper, applied_on=date(2016, 4, 1 + n % 20)), date(2016, 4, 30))
        departments.append(department)
    return departments


def queries_for(year, departments) -> int:
    with CaptureQueriesContext(connection) as captured:
        suggestions = suggest(year, departments)
    assert len(suggestions) == len(departments) * len(MAX_POINTS)
    return len(captured)


def test_query_count_does_not_grow_with_the_departments(year, bookkeeper):
    few, many = busy_departments(2, bookkeeper), busy_departments(20, bookkeeper)

    assert queries_for(year, few) == queries_for(year, many) == 7
    with CaptureQueriesContext(connection) as captured:
        suggest(year)
    assert len(captured) == 8  # and one for the paired departments
