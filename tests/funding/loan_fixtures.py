"""Loans of 党员农贷快车 in each state, and a joint-guarantee group. Import into a test module with
`from tests.funding.loan_fixtures import *`."""

from datetime import date
from decimal import Decimal

import pytest

from funding import services
from funding.models import GuaranteeGroup, GuaranteeMembership, Loan
from tests.factories import MemberFactory


def make_loan(member, by, **fields) -> Loan:
    """A small loan applied for: 30,000.00 元 over 12 months at 4.35 %, equal principal every month."""
    values = {
        "bank": "四川广汉农村商业银行",
        "product": Loan.Product.SMALL,
        "purpose": "韭黄种植",
        "amount_requested": Decimal("30000.00"),
        "term_months": 12,
        "annual_rate": Decimal("4.35"),
        "method": Loan.Method.EQUAL_PRINCIPAL,
        "applied_on": date(2016, 4, 1),
        **fields,
    }
    return Loan.objects.create(member=member, by=by, **values)


def disburse(loan: Loan, on: date, amount: Decimal | None = None) -> Loan:
    """Approve (on the application day) and pay out."""
    services.loan_decide(loan=loan, approve=True, on=loan.applied_on, amount=amount)
    return services.loan_disburse(loan=loan, on=on, contract_no=f"HT-{loan.pk}")


@pytest.fixture
def loan_applied(member, bookkeeper):
    return make_loan(member, bookkeeper)


@pytest.fixture
def loan_approved(loan_applied):
    return services.loan_decide(loan=loan_applied, approve=True, on=date(2016, 4, 10))


@pytest.fixture
def loan_disbursed(loan_applied):
    """Paid out on 2016-04-30: all twelve instalments (2016-05-30 … 2017-04-30) are long past due."""
    return disburse(loan_applied, date(2016, 4, 30))


@pytest.fixture
def other_loan(other_member, bookkeeper):
    """A loan in the other town, out of reach of town_staff and dept_staff."""
    return disburse(make_loan(other_member, bookkeeper, bank="广汉珠江村镇银行"), date(2016, 4, 30))


@pytest.fixture
def guarantee_group(village, member, bookkeeper):
    """三星村第一联保小组: member and two neighbours."""
    group = GuaranteeGroup.objects.create(name="三星村第一联保小组", village=village, formed_on=date(2016, 3, 1))
    for person in (member, MemberFactory(village=village, name="王二"), MemberFactory(village=village, name="赵三")):
        GuaranteeMembership.objects.create(group=group, member=person, joined_on=date(2016, 3, 1))
    return group


@pytest.fixture
def other_group(other_village, other_member):
    group = GuaranteeGroup.objects.create(name="金光村联保小组", village=other_village, formed_on=date(2016, 3, 1))
    GuaranteeMembership.objects.create(group=group, member=other_member, joined_on=date(2016, 3, 1))
    return group
