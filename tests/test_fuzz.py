"""Fuzzing with hypothesis: the ID-number validator, the money parser, the roster parser and the member and money
forms answer any input with a Chinese message, never an exception of another kind or a 500 (NUL bytes, 10k-character
strings, RTL marks, full-width and non-ASCII digits, "1e3", "NaN", "¥100", 10**13). Examples are bounded so the file
runs in well under a minute."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from funding import services as funding
from guanghan.lib import idnumber
from guanghan.lib.money import MoneyField, parse_amount
from guanghan.models import Village
from members import roster
from members.models import ImportBatch
from tests.factories import ProjectFactory
from tests.members.test_member_pages import form_data
from tests.members.test_roster import make_roster, person

HOSTILE = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from("0123456789Xx０１２３４５６７８９٣۴\u202e\u200f\x00 ¥,.-eE"), max_size=24),
    st.just("x" * 10_000),
    st.sampled_from(["1e3", "NaN", "Infinity", "¥100", "-0", str(10**13), "\u202e100", "１２３", "\x00"]),
)
CHINESE = ("请", "应", "不", "金额", "身份证号")


@settings(max_examples=60, deadline=None)
@given(HOSTILE)
@example("51068119600101001\u0663")  # an Arabic-Indic digit: int() reads it, the ID must not
def test_the_id_number_validator_answers_anything_with_a_chinese_message(text):
    try:
        parsed = idnumber.parse(text, today=date(2026, 1, 1))
    except idnumber.IDNumberError as error:
        assert any(word in str(error) for word in CHINESE)
    else:
        assert parsed.value.isascii() and len(parsed.value) == 18


@settings(max_examples=60, deadline=None)
@given(st.one_of(HOSTILE, st.integers(min_value=-(10**15), max_value=10**15)))
def test_the_money_field_answers_anything_with_a_chinese_message(value):
    try:
        amount = MoneyField(label="金额").clean(value)
    except ValidationError as error:
        assert all(any(word in message for word in CHINESE) for message in error.messages)
    else:
        assert isinstance(amount, Decimal) and amount > 0 and amount == amount.quantize(Decimal("0.01"))


@settings(max_examples=60, deadline=None)
@given(HOSTILE)
@example("9" * 40)  # beyond Decimal's 28-digit precision: quantize used to raise InvalidOperation
@example("1" * 30 + ".005")
def test_parse_amount_raises_only_value_error(text):
    try:
        parse_amount(text)
    except ValueError as error:
        assert any(word in str(error) for word in CHINESE)


# ------------------------------------------------------------------ the roster parser, on generated workbooks

CELL = st.one_of(
    HOSTILE,
    st.integers(min_value=-(10**14), max_value=10**14),
    st.floats(allow_nan=True, allow_infinity=True),
    st.just("_x0000_"),  # how an .xlsx carries a NUL: calamine decodes it
)
FUZZED_COLUMNS = ("姓名", "身份证号", "民族", "联系电话", "家庭人口", "家庭年人均收入", "登记日期", "备注", "生存技能")
DB_SAFE = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def _xlsx_text(value):
    """openpyxl refuses XML-illegal characters; they go in as the _xHHHH_ escapes Excel itself writes."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
    return value


@pytest.mark.django_db
@DB_SAFE
@given(st.fixed_dictionaries({column: CELL for column in FUZZED_COLUMNS}))
def test_the_roster_parser_answers_any_cell_with_row_column_and_message(tmp_path_factory, village, cells):
    row = person(1, **{column: _xlsx_text(value) for column, value in cells.items()})
    path = make_roster(tmp_path_factory.mktemp("fuzz") / "r.xlsx", [row])

    preview = roster.roster_preview(path, villages=Village.objects.all())

    for issue in preview.errors:
        assert issue.message and (issue.row is None or issue.column)
    if preview.is_clean:  # what passed the checks must also be writable: no NUL, nothing too long for a column
        with transaction.atomic():
            batch = ImportBatch.objects.create(file_name="r.xlsx", sha256="0" * 64)
            roster.roster_apply(preview=preview, batch=batch)
            transaction.set_rollback(True)


# ------------------------------------------------------------------ forms posted through the test client


@pytest.fixture
def funded_project(org_staff):
    account = funding.special_account()
    funding.contribution_create(
        account=account,
        source="city_finance",
        amount=Decimal("100000.00"),
        received_on=date(2016, 3, 1),
        voucher_no="CZ-1",
        by=org_staff,
    )
    return account, ProjectFactory()


def _posted(response):
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        errors = [message for messages in response.context["form"].errors.values() for message in messages]
        assert errors and all(any("\u4e00" <= char <= "\u9fff" for char in message) for message in errors), errors


@pytest.mark.django_db
@DB_SAFE
@given(name=HOSTILE, id_number=HOSTILE, income=HOSTILE, notes=HOSTILE, ethnicity=HOSTILE)
def test_the_member_form_answers_anything_with_a_message(
    client, org_staff, village, name, id_number, income, notes, ethnicity
):
    client.force_login(org_staff)
    data = form_data(
        village, name=name, id_number=id_number, income_per_capita=income, notes=notes, ethnicity=ethnicity
    )

    with transaction.atomic():
        _posted(client.post(reverse("members:member-create"), data))
        transaction.set_rollback(True)


@pytest.mark.django_db
@DB_SAFE
@given(amount=HOSTILE, voucher=HOSTILE, contributor=HOSTILE, approved_by=HOSTILE)
def test_the_money_forms_answer_anything_with_a_message(
    client, org_staff, funded_project, amount, voucher, contributor, approved_by
):
    account, project = funded_project
    client.force_login(org_staff)
    contribution = {
        "account": account.pk,
        "source": "city_finance",
        "amount": amount,
        "received_on": "2016-05-01",
        "voucher_no": voucher,
        "contributor": contributor,
    }
    disbursement = {
        "account": account.pk,
        "project": project.pk,
        "purpose": "start_up",
        "amount": amount,
        "paid_on": "2016-05-01",
        "voucher_no": voucher,
        "approved_by": approved_by,
    }

    with transaction.atomic():
        _posted(client.post(reverse("funding:contribution-create"), contribution))
        _posted(client.post(reverse("funding:disbursement-create"), disbursement))
        transaction.set_rollback(True)
