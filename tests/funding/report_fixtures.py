"""A small ledger for the report tests: money in and out of three accounts over two years, a reversal of each kind,
bank loans, and targets. A test module takes the fixtures by naming them at its top level
(`ledger = report_fixtures.ledger`)."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from funding import services
from funding.models import FundTarget, Loan
from tests.factories import MemberFactory, ProjectFactory

D = Decimal


def pay(account, amount, on, *, by, project=None, member=None, voucher="ZC"):
    return services.disbursement_create(
        account=account,
        amount=D(amount),
        paid_on=on,
        voucher_no=voucher,
        purpose="start_up",
        approved_by="王书记",
        project=project,
        member=member,
        by=by,
    )


def give(account, amount, on, *, by, source, department=None):
    return services.contribution_create(
        account=account, source=source, amount=D(amount), received_on=on, voucher_no="SR", department=department, by=by
    )


def lend(member, amount, *, by, on, paid=None):
    loan = Loan.objects.create(
        member=member,
        bank="广汉农商银行",
        product=Loan.Product.SMALL,
        purpose="韭黄种植",
        amount_requested=D(amount),
        term_months=12,
        annual_rate=D("6.00"),
        applied_on=on,
        by=by,
    )
    services.loan_decide(loan=loan, approve=True, on=on)
    loan = services.loan_disburse(loan=loan, on=on)
    if paid:
        services.repayment_record(loan=loan, paid_on=on, principal=paid, interest=D("0"), by=by)
    return loan


@pytest.fixture
def ledger(special_fund, dept_fund, other_dept_fund, department, other_department, project, other_project, member,
           other_member, bookkeeper):  # fmt: skip
    """2016 (besides the fixtures' 100,000 / 50,000 / 20,000 in): special fund 30,000 to `project` and 12,000 to
    `other_project`; the department 10,000 to `project` and 5,000 to `member`, that one reversed; the other department
    8,000 to `other_project`; a 1,000 donation in and reversed. 2015: 20,000 of party dues in, 4,000 out to a project
    of `village`. Loans: 30,000 to `member` in 2016 (5,000 repaid), 20,000 to `other_member` in 2015."""
    by = bookkeeper
    give(special_fund, "20000.00", date(2015, 4, 1), by=by, source="party_dues")
    old_project = ProjectFactory(village=project.village, year=2015, name="旧项目")
    pay(special_fund, "4000.00", date(2015, 9, 1), by=by, project=old_project)
    pay(special_fund, "30000.00", date(2016, 5, 1), by=by, project=project)
    pay(special_fund, "12000.00", date(2016, 5, 2), by=by, project=other_project)
    donation = give(special_fund, "1000.00", date(2016, 4, 1), by=by, source="donation")
    services.line_reverse(line=donation, on=date(2016, 4, 2), reason="重复登记", by=by)
    pay(dept_fund, "10000.00", date(2016, 6, 1), by=by, project=project)
    wrong = pay(dept_fund, "5000.00", date(2016, 7, 1), by=by, member=member)
    services.line_reverse(line=wrong, on=date(2016, 8, 1), reason="对象有误", by=by)
    pay(other_dept_fund, "8000.00", date(2016, 6, 1), by=by, project=other_project)
    loans = [
        lend(member, "30000.00", by=by, on=date(2016, 4, 1), paid=D("5000.00")),
        lend(other_member, "20000.00", by=by, on=date(2015, 4, 1)),
    ]
    for channel, source, dept, amount in [
        ("special", "", None, "1000000.00"),
        ("special", "city_finance", None, "600000.00"),
        ("special", "donation", None, "50000.00"),
        ("department", "", department, "80000.00"),
        ("department", "", other_department, "40000.00"),
        ("credit", "", None, "500000.00"),
    ]:
        FundTarget.objects.create(year=2016, channel=channel, source=source, department=dept, amount=D(amount))
    FundTarget.objects.create(year=2015, channel="special", amount=D("900000.00"))
    return SimpleNamespace(loans=loans, old_project=old_project)


@pytest.fixture
def many_lines(ledger, special_fund, dept_fund, other_dept_fund, village, other_village, bookkeeper):
    """Thirty more lines over more projects, members and towns, for the query counts."""
    for n in range(10):
        extra = ProjectFactory(village=village if n % 2 else other_village)
        pay(special_fund, "100.00", date(2016, 10, 1 + n), by=bookkeeper, project=extra)
        pay(dept_fund, "100.00", date(2016, 10, 1 + n), by=bookkeeper, project=extra)
        pay(other_dept_fund, "100.00", date(2016, 10, 1 + n), by=bookkeeper, member=MemberFactory(village=village))
        lend(MemberFactory(village=other_village), "1000.00", by=bookkeeper, on=date(2016, 9, 1))
