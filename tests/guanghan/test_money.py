"""Amounts as people type or paste them, and what is refused."""

from decimal import Decimal

import pytest
from django import forms

from guanghan.lib.money import MoneyField, parse_amount, to_wan


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("12500", "12500.00"),
        ("12,500.5", "12500.50"),
        ("１２，５００．５０", "12500.50"),
        ("¥ 1 234.00元", "1234.00"),
        ("￥800", "800.00"),
        ("\u200f300\u200e", "300.00"),
        (Decimal("7.1"), "7.10"),
        (42, "42.00"),
    ],
)
def test_amounts_pasted_from_excel_or_wps_are_read_exactly(text, amount):
    value = parse_amount(text)
    assert value == Decimal(amount) and value.as_tuple().exponent == -2


@pytest.mark.parametrize("text", ["1e3", "NaN", "Infinity", "12.345", "abc", "1,2,3.4.5", "", "10000000000000", "１e5"])
def test_anything_that_is_not_a_plain_amount_is_refused_with_a_reason(text):
    with pytest.raises(ValueError) as refused:
        parse_amount(text)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(refused.value))


class AmountForm(forms.Form):
    amount = MoneyField(label="金额")


@pytest.mark.parametrize(
    ("text", "message"),
    [("-5", "不能为负数"), ("0", "必须大于 0"), ("NaN", "不是金额"), ("12.345", "两位小数"), ("", "请填写金额")],
)
def test_the_form_field_names_what_to_fix(text, message):
    form = AmountForm({"amount": text})
    assert not form.is_valid()
    assert message in form.errors["amount"][0]


def test_the_form_field_returns_decimal_never_float():
    form = AmountForm({"amount": "0.1"})
    assert form.is_valid()
    assert form.cleaned_data["amount"] == Decimal("0.10") and isinstance(form.cleaned_data["amount"], Decimal)


def test_wan_rounds_half_up():
    assert to_wan(Decimal("18420000.00")) == Decimal("1842.00")
    assert to_wan(Decimal("12345")) == Decimal("1.23")
    assert to_wan(Decimal("15000")) == Decimal("1.50")
    assert to_wan(Decimal("5")) == Decimal("0.00")
    assert to_wan(Decimal("50")) == Decimal("0.01")
