"""Funding fixtures: the village the test department helps, its project and members, and funded accounts."""

from datetime import date
from decimal import Decimal

import pytest

from funding import services
from tests.factories import CadreFactory, MemberFactory, ProjectFactory, UserFactory


@pytest.fixture
def paired(department, village):
    """The department helps `village` (部门帮村)."""
    from projects.models import VillagePairing

    return VillagePairing.objects.create(department=department, village=village, year=2016, started_on="2016-03-01")


@pytest.fixture
def project(village, department):
    return ProjectFactory(village=village, name="三星村韭黄种植基地", department=department)


@pytest.fixture
def other_project(other_village):
    return ProjectFactory(village=other_village, name="金光村生猪养殖")


@pytest.fixture
def member(village):
    return MemberFactory(village=village, name="张德福")


@pytest.fixture
def other_member(other_village):
    return MemberFactory(village=other_village, name="李秀英")


@pytest.fixture
def household(department, member):
    """A cadre of the department is paired with `member` (党员帮户): department staff may see that member."""
    from projects.models import HouseholdPairing

    return HouseholdPairing.objects.create(
        cadre=CadreFactory(department=department), member=member, started_on="2016-03-01"
    )


@pytest.fixture
def bookkeeper(db):
    return UserFactory(username="bookkeeper", role="org_staff")


@pytest.fixture
def special_fund(bookkeeper):
    """The special fund with 100,000.00 元 from city finance."""
    account = services.special_account()
    services.contribution_create(
        account=account,
        source="city_finance",
        amount=Decimal("100000.00"),
        received_on=date(2016, 3, 1),
        voucher_no="CZ-2016-001",
        by=bookkeeper,
    )
    account.refresh_from_db()
    return account


@pytest.fixture
def dept_fund(department, bookkeeper):
    """The department's own account with 50,000.00 元."""
    account = services.account_for_department(department)
    services.contribution_create(
        account=account,
        source="department",
        amount=Decimal("50000.00"),
        received_on=date(2016, 3, 1),
        voucher_no="BM-2016-001",
        department=department,
        by=bookkeeper,
    )
    account.refresh_from_db()
    return account


@pytest.fixture
def other_dept_fund(other_department, bookkeeper):
    account = services.account_for_department(other_department)
    services.contribution_create(
        account=account,
        source="department",
        amount=Decimal("20000.00"),
        received_on=date(2016, 3, 1),
        voucher_no="SL-2016-001",
        department=other_department,
        by=bookkeeper,
    )
    account.refresh_from_db()
    return account
