"""Submission keys on the money forms: a contribution, disbursement or repayment form posted twice (a double click, a
resubmit after a lost answer, two requests racing) records one line, posts once, and the second answer shows the saved
line with "该记录已保存，未重复记账" instead of an error."""

import threading
import uuid
from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.urls import reverse

from funding import services
from funding.models import Contribution, Disbursement, Posting, Repayment
from tests.funding.loan_fixtures import *  # noqa: F403

REPEAT = "该记录已保存，未重复记账"


def key_of(response, form="form") -> str:
    return str(response.context[form]["client_key"].value())


def contribution_data(account, key, **changes):
    data = {
        "client_key": key,
        "account": account.pk,
        "source": "city_finance",
        "amount": "20,000.00",
        "received_on": "2016-05-01",
        "voucher_no": "CZ-2016-002",
    }
    return {**data, **changes}


def disbursement_data(account, project, key, **changes):
    data = {
        "client_key": key,
        "account": account.pk,
        "project": project.pk,
        "purpose": "start_up",
        "amount": "8000",
        "paid_on": "2016-05-02",
        "voucher_no": "ZX-2016-010",
        "approved_by": "王建国",
    }
    return {**data, **changes}


def test_each_form_shown_carries_a_new_key(client, org_staff, special_fund):
    client.force_login(org_staff)
    url = reverse("funding:contribution-create")
    first, second = key_of(client.get(url)), key_of(client.get(url))
    assert uuid.UUID(first) and uuid.UUID(second) and first != second
    assert 'type="hidden" name="client_key"' in client.get(url).content.decode()


def test_a_contribution_posted_twice_is_recorded_and_posted_once(client, org_staff, special_fund):
    client.force_login(org_staff)
    url = reverse("funding:contribution-create")
    data = contribution_data(special_fund, key_of(client.get(url)))

    first = client.post(url, data)
    second = client.post(url, data, follow=True)

    line = Contribution.objects.get(voucher_no="CZ-2016-002")
    assert second.redirect_chain == [(first.url, 302)]
    assert first.url == reverse("funding:contribution-detail", args=[line.pk])
    html = second.content.decode()
    assert REPEAT in html and "CZ-2016-002" in html
    assert Posting.objects.filter(contribution__voucher_no="CZ-2016-002").count() == 1
    special_fund.refresh_from_db()
    assert special_fund.balance == D("120000.00")


def test_a_disbursement_posted_twice_is_recorded_and_posted_once(client, org_staff, special_fund, project):
    client.force_login(org_staff)
    url = reverse("funding:disbursement-create")
    data = disbursement_data(special_fund, project, key_of(client.get(url)))

    first = client.post(url, data)
    second = client.post(url, data, follow=True)

    line = Disbursement.objects.get()
    assert first.url == reverse("funding:disbursement-detail", args=[line.pk])
    assert second.redirect_chain == [(first.url, 302)]
    assert REPEAT in second.content.decode()
    assert Posting.objects.filter(disbursement=line).count() == 1
    special_fund.refresh_from_db()
    assert special_fund.balance == D("92000.00")


def test_a_repeat_of_a_disbursement_that_emptied_the_account_is_not_called_an_overdraw(
    client, org_staff, special_fund, project
):
    client.force_login(org_staff)
    url = reverse("funding:disbursement-create")
    data = disbursement_data(special_fund, project, key_of(client.get(url)), amount="100000")
    client.post(url, data)

    second = client.post(url, data, follow=True)

    html = second.content.decode()
    assert REPEAT in html and "余额不足" not in html
    assert Disbursement.objects.count() == 1
    special_fund.refresh_from_db()
    assert special_fund.balance == D("0.00")


def test_a_new_form_records_a_new_line_with_the_same_content(client, org_staff, special_fund):
    client.force_login(org_staff)
    url = reverse("funding:contribution-create")
    client.post(url, contribution_data(special_fund, key_of(client.get(url))))
    client.post(url, contribution_data(special_fund, key_of(client.get(url))))
    assert Contribution.objects.filter(voucher_no="CZ-2016-002").count() == 2
    special_fund.refresh_from_db()
    assert special_fund.balance == D("140000.00")


def test_a_refused_form_keeps_its_key_and_the_corrected_submission_records_once(
    client, org_staff, special_fund, project
):
    client.force_login(org_staff)
    url = reverse("funding:disbursement-create")
    key = key_of(client.get(url))
    refused = client.post(url, disbursement_data(special_fund, project, key, amount="100000.01"))
    assert "余额不足" in refused.content.decode() and key_of(refused) == key

    client.post(url, disbursement_data(special_fund, project, key, amount="1000"))

    assert list(Disbursement.objects.values_list("amount", flat=True)) == [D("1000.00")]


def test_a_malformed_key_is_named_and_nothing_is_recorded(client, org_staff, special_fund):
    client.force_login(org_staff)
    response = client.post(reverse("funding:contribution-create"), contribution_data(special_fund, "abc"))
    assert response.status_code == 200
    assert "提交标识有误，请刷新页面后重新填写" in response.content.decode()
    assert not Contribution.objects.filter(voucher_no="CZ-2016-002").exists()


def test_the_service_answers_the_saved_line_for_a_used_key(special_fund, bookkeeper):
    key = uuid.uuid4()
    values = dict(
        account=special_fund,
        source="donation",
        amount=D("500.00"),
        received_on=date(2016, 5, 1),
        voucher_no="JZ-1",
        contributor="李明",
        by=bookkeeper,
        client_key=key,
    )
    first = services.contribution_create(**values)
    second = services.contribution_create(**{**values, "amount": D("900.00")})
    assert (first.is_repeat, second.is_repeat) == (False, True)
    assert second.pk == first.pk and second.amount == D("500.00")
    assert Contribution.objects.filter(client_key=key).count() == 1


def test_a_keyed_line_can_still_be_reversed(special_fund, bookkeeper, project):
    line = services.disbursement_create(
        account=special_fund,
        amount=D("3000.00"),
        paid_on=date(2016, 5, 2),
        voucher_no="ZX-1",
        purpose="materials",
        approved_by="王建国",
        project=project,
        by=bookkeeper,
        client_key=uuid.uuid4(),
    )
    reversal = services.line_reverse(line=line, on=date(2016, 5, 3), reason="金额录入错误", by=bookkeeper)
    assert reversal.amount == D("-3000.00") and reversal.client_key is None


def run_together(count: int, work) -> list:
    """Run `work` in `count` threads released at once; answers what each returned (or raised)."""
    barrier = threading.Barrier(count)
    results = []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(work())
        except Exception as error:
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_disbursements_with_one_key_make_one_line_and_one_posting(special_fund, bookkeeper, project):
    key = uuid.uuid4()

    def pay():
        return services.disbursement_create(
            account=special_fund,
            amount=D("6000.00"),
            paid_on=date(2016, 5, 2),
            voucher_no="ZX-2",
            purpose="start_up",
            approved_by="王建国",
            project=project,
            by=bookkeeper,
            client_key=key,
        )

    results = run_together(3, pay)

    assert all(isinstance(r, Disbursement) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert sorted(r.is_repeat for r in results) == [False, True, True]
    assert Disbursement.objects.count() == 1
    assert Posting.objects.filter(disbursement__client_key=key).count() == 1
    special_fund.refresh_from_db()
    assert special_fund.balance == D("94000.00")


@pytest.mark.django_db(transaction=True)
def test_concurrent_contributions_with_one_key_make_one_line(special_fund, bookkeeper):
    key = uuid.uuid4()

    def give():
        return services.contribution_create(
            account=special_fund,
            source="party_dues",
            amount=D("1000.00"),
            received_on=date(2016, 5, 1),
            voucher_no="DF-1",
            by=bookkeeper,
            client_key=key,
        )

    results = run_together(3, give)

    assert all(isinstance(r, Contribution) for r in results), results
    assert Contribution.objects.filter(client_key=key).count() == 1
    special_fund.refresh_from_db()
    assert special_fund.balance == D("101000.00")


# Repayments of 党员农贷快车 -------------------------------------------------------------------------------------------


def repay_data(key, **changes):
    data = {
        "repay-client_key": key,
        "repay-paid_on": "2016-05-30",
        "repay-principal": "2500",
        "repay-interest": "108.75",
    }
    return {**data, **changes}


def test_a_repayment_posted_twice_is_recorded_once(client, org_staff, loan_disbursed):
    client.force_login(org_staff)
    detail = reverse("funding:loan-detail", args=[loan_disbursed.pk])
    url = reverse("funding:loan-repay", args=[loan_disbursed.pk])
    data = repay_data(key_of(client.get(detail), "repay_form"))

    client.post(url, data)
    second = client.post(url, data, follow=True)

    (repayment,) = Repayment.objects.all()
    assert second.redirect_chain[-1][0] == f"{detail}#repayment-{repayment.pk}"
    assert REPEAT in second.content.decode()
    assert f'id="repayment-{repayment.pk}"' in second.content.decode()
    loan_disbursed.refresh_from_db()
    assert (loan_disbursed.paid_principal, loan_disbursed.paid_interest) == (D("2500.00"), D("108.75"))


def test_a_repeat_of_the_repayment_that_settled_the_loan_is_not_refused(client, org_staff, loan_disbursed):
    client.force_login(org_staff)
    detail = reverse("funding:loan-detail", args=[loan_disbursed.pk])
    url = reverse("funding:loan-repay", args=[loan_disbursed.pk])
    data = repay_data(key_of(client.get(detail), "repay_form"), **{"repay-principal": "30000"})
    client.post(url, data)

    second = client.post(url, data, follow=True)

    html = second.content.decode()
    assert REPEAT in html and "超过尚欠本金" not in html and "不能登记还款" not in html
    loan_disbursed.refresh_from_db()
    assert (loan_disbursed.status, loan_disbursed.paid_principal) == ("settled", D("30000.00"))
    assert Repayment.objects.count() == 1


def test_each_loan_page_offers_a_new_repayment_key(client, org_staff, loan_disbursed):
    client.force_login(org_staff)
    detail = reverse("funding:loan-detail", args=[loan_disbursed.pk])
    assert key_of(client.get(detail), "repay_form") != key_of(client.get(detail), "repay_form")


@pytest.mark.django_db(transaction=True)
def test_concurrent_repayments_with_one_key_make_one_row(loan_disbursed, bookkeeper):
    key = uuid.uuid4()

    def repay():
        return services.repayment_record(
            loan=loan_disbursed,
            paid_on=date(2016, 5, 30),
            principal=D("2500.00"),
            interest=D("108.75"),
            by=bookkeeper,
            client_key=key,
        )

    results = run_together(3, repay)

    assert all(isinstance(r, Repayment) for r in results), results
    assert sorted(r.is_repeat for r in results) == [False, True, True]
    assert Repayment.objects.count() == 1
    loan_disbursed.refresh_from_db()
    assert loan_disbursed.paid_principal == D("2500.00")


def test_a_reversal_form_sent_twice_reverses_once_and_says_so(client, org_staff, special_fund, project):
    client.force_login(org_staff)
    url = reverse("funding:disbursement-create")
    client.post(url, disbursement_data(special_fund, project, key_of(client.get(url))))
    line = Disbursement.objects.get()
    page = client.get(reverse("funding:disbursement-detail", args=[line.pk]))
    key = key_of(page, "reverse_form")
    assert f'name="client_key" value="{key}"' in page.content.decode()
    data = {"client_key": key, "on": "2016-05-03", "reason": "金额录入错误"}
    reverse_url = reverse("funding:disbursement-reverse", args=[line.pk])

    first = client.post(reverse_url, data)
    second = client.post(reverse_url, data, follow=True)

    reversal = Disbursement.objects.get(reverses=line)
    assert first.url == reverse("funding:disbursement-detail", args=[reversal.pk])
    assert second.redirect_chain == [(first.url, 302)]
    html = second.content.decode()
    assert REPEAT in html and "已经冲销过了" not in html
    assert Posting.objects.filter(disbursement=reversal).count() == 1
    special_fund.refresh_from_db()
    assert special_fund.balance == D("100000.00")


def test_a_reversal_with_a_used_key_answers_the_line_it_saved(special_fund, bookkeeper, project):
    line = services.contribution_create(
        account=special_fund,
        source="city_finance",
        amount=D("800.00"),
        received_on=date(2016, 5, 1),
        voucher_no="CZ-9",
        by=bookkeeper,
    )
    key = uuid.uuid4()
    first = services.line_reverse(line=line, on=date(2016, 5, 2), reason="重复录入", by=bookkeeper, client_key=key)
    again = services.line_reverse(line=line, on=date(2016, 5, 2), reason="重复录入", by=bookkeeper, client_key=key)
    assert not getattr(first, "is_repeat", False) and again.is_repeat
    assert again.pk == first.pk and Contribution.objects.filter(reverses=line).count() == 1


def test_a_repayment_reversal_sent_twice_reverses_once(client, org_staff, loan_disbursed):
    repayment = services.repayment_record(
        loan=loan_disbursed, paid_on=date(2016, 5, 30), principal=D("100"), interest=D("0"), by=org_staff
    )
    client.force_login(org_staff)
    page = client.get(reverse("funding:loan-detail", args=[loan_disbursed.pk]))
    form = page.context["reverse_forms"][repayment.pk]
    prefix = f"reverse{repayment.pk}"
    data = {
        f"{prefix}-client_key": str(form["client_key"].value()),
        f"{prefix}-reversed_on": "2016-06-01",
        f"{prefix}-reason": "银行回单重复",
    }
    url = reverse("funding:repayment-reverse", args=[repayment.pk])

    assert client.post(url, data).status_code == 302
    second = client.post(url, data, follow=True)

    html = second.content.decode()
    assert REPEAT in html and "已经冲销过了" not in html
    assert Repayment.objects.filter(reverses=repayment).count() == 1
    loan_disbursed.refresh_from_db()
    assert loan_disbursed.paid_principal == D("0.00")
