"""The postings' monthly sums per account (PostingMonth): kept by a database trigger, equal to the lines, read-only."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import InternalError, connection, transaction
from django.test.utils import CaptureQueriesContext

from funding import services
from funding.models import POSTING_MONTH_SELECT, Account, Channel, Disbursement, Posting, PostingMonth
from funding.reports import Scope, by_channel
from tests.factories import ProjectFactory
from tests.funding.test_ledger import disburse

D = Decimal


def months() -> list[tuple]:
    return list(
        PostingMonth.objects.order_by("account_id", "month").values_list(
            "account_id", "month", "money_in", "money_out", "lines"
        )
    )


def recomputed() -> list[tuple]:
    """The monthly sums computed afresh from every posted line, with the trigger's own SELECT."""
    with connection.cursor() as cursor:
        cursor.execute(POSTING_MONTH_SELECT.format(source="funding_posting"))
        return [tuple(row) for row in cursor.fetchall()]


def test_every_posting_adds_to_its_accounts_month(special_fund, dept_fund, project, bookkeeper):
    disburse(special_fund, "30000.50", by=bookkeeper, project=project)
    line = disburse(dept_fund, "2500", by=bookkeeper, project=project, voucher="ZC-2")
    services.line_reverse(line=line, on=date(2016, 5, 2), reason="金额录错", by=bookkeeper)
    services.contribution_create(
        account=special_fund,
        source="donation",
        amount=D("1200"),
        received_on=date(2016, 3, 20),
        voucher_no="JZ-1",
        by=bookkeeper,
    )
    assert months() == [
        (special_fund.pk, date(2016, 3, 1), D("101200.00"), D("0.00"), 2),
        (special_fund.pk, date(2016, 4, 1), D("0.00"), D("30000.50"), 1),
        (dept_fund.pk, date(2016, 3, 1), D("50000.00"), D("0.00"), 1),
        (dept_fund.pk, date(2016, 4, 1), D("0.00"), D("2500.00"), 1),
        # the reversal puts the money back, in the month it was posted: money out of that month goes down
        (dept_fund.pk, date(2016, 5, 1), D("0.00"), D("-2500.00"), 1),
    ]
    assert months() == recomputed()
    for account in Account.objects.all():
        net = sum(
            (money_in - money_out for money_in, money_out in account.months.values_list("money_in", "money_out")), D(0)
        )
        assert net == account.balance


def test_lines_written_in_bulk_are_summed_in_one_statement(special_fund, bookkeeper):
    """A bulk insert (the demo data, a COPY) passes through the statement trigger too: no line is missed."""
    lines = [
        Posting(
            account=special_fund,
            seq=2 + n,
            amount=D("-10.00"),
            balance_after=D("100000.00") - D("10.00") * (n + 1),
            disbursement=disburse_row,
            posted_on=date(2016, 3 + n % 2, 5),
        )
        for n, disburse_row in enumerate(_bare_disbursements(special_fund, 4, by=bookkeeper))
    ]
    Posting.objects.bulk_create(lines)
    assert months() == [
        (special_fund.pk, date(2016, 3, 1), D("100000.00"), D("20.00"), 3),
        (special_fund.pk, date(2016, 4, 1), D("0.00"), D("20.00"), 2),
    ]
    assert months() == recomputed()


def _bare_disbursements(account, n, *, by):
    """Disbursement rows written directly, without postings (the test posts them in bulk itself)."""
    project = ProjectFactory()
    return [
        Disbursement.objects.create(
            account=account,
            amount=D("10.00"),
            paid_on=date(2016, 3 + k % 2, 5),
            voucher_no=f"BULK-{k}",
            purpose="start_up",
            approved_by="王建国",
            project=project,
            village=project.village,
            by=by,
        )
        for k in range(n)
    ]


@pytest.mark.parametrize("write", ["create", "update", "delete"])
def test_the_sums_cannot_be_written_directly(special_fund, write):
    month = PostingMonth.objects.get()
    with pytest.raises(InternalError, match="记账月汇总由记账明细的触发器维护"), transaction.atomic():
        if write == "create":
            PostingMonth.objects.create(
                account=special_fund, month=date(2016, 6, 1), money_in=D("1"), money_out=D("0"), lines=1
            )
        elif write == "update":
            PostingMonth.objects.filter(pk=month.pk).update(money_in=D("1"))
        else:
            PostingMonth.objects.filter(pk=month.pk).delete()
    assert months() == [(special_fund.pk, date(2016, 3, 1), D("100000.00"), D("0.00"), 1)]


def test_the_fund_report_reads_the_months_not_the_lines(special_fund, project, bookkeeper):
    disburse(special_fund, "30000.50", by=bookkeeper, project=project)
    with CaptureQueriesContext(connection) as queries:
        table = by_channel(Scope.of(bookkeeper), 2016, date(2016, 12, 31))
    assert not any('"funding_posting"' in q["sql"] for q in queries.captured_queries)
    special = next(row for row in table["rows"] if row["label"] == Channel.SPECIAL.label)
    assert (special["received"], special["paid"], special["balance"]) == (
        D("100000.00"),
        D("30000.50"),
        D("69999.50"),
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_postings_on_two_accounts_add_up(department, bookkeeper):
    """Eight requests at once, on two accounts and two months: every line is in its month, none twice."""
    accounts = [services.special_account(), services.account_for_department(department)]
    barrier = threading.Barrier(8)
    errors = []

    def receive(n):
        try:
            barrier.wait()
            services.contribution_create(
                account=accounts[n % 2],
                source="city_finance" if n % 2 == 0 else "department",
                department=None if n % 2 == 0 else department,
                amount=D("100") * (n + 1),
                received_on=date(2016, 3 + n % 4 // 2, 1),
                voucher_no=f"CZ-{n}",
                by=bookkeeper,
            )
        except Exception as error:  # any failure fails the test below, with its message
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=receive, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert months() == recomputed()
    assert sum(row[4] for row in months()) == Posting.objects.count() == 8
