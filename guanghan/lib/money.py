"""Money in 元 as Decimal with two places: parsing what people type, and showing totals the way leaders read them.

People copy amounts out of Excel and WPS ("1,234.50", "１２３４", "¥1 234.5元"); those are accepted. Anything that is
not a plain amount ("1e3", "NaN", "Infinity", three decimals, more than 12 digits before the point) is refused with a
message, never silently rounded or turned into a float.
"""

import re
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.core.exceptions import ValidationError

CENT = Decimal("0.01")
WAN = Decimal("10000")
MAX_DIGITS = 14  # 12 before the point: up to 9,999 亿元
DECIMAL_PLACES = 2
MAX_AMOUNT = Decimal("999999999999.99")

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－", "0123456789.,-")
_NOISE = re.compile(r"[\s\u00a0\u3000,¥￥]|元$|\u200e|\u200f|\u202a|\u202b|\u202c|\u202d|\u202e")
_PLAIN = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")  # ASCII digits: \d would take other scripts' digits too


def parse_amount(text) -> Decimal:
    """The amount in a cell or a form field, as Decimal with two places; ValueError with a Chinese reason otherwise."""
    if isinstance(text, Decimal):
        value = text
    elif isinstance(text, int) and not isinstance(text, bool):
        value = Decimal(text)
    else:
        cleaned = _NOISE.sub("", str(text).translate(_FULL_WIDTH).strip())
        if not cleaned:
            raise ValueError("请填写金额。")
        if not _PLAIN.match(cleaned):
            raise ValueError(f"“{str(text)[:20]}”不是金额，请只填写数字，例如 12500 或 12,500.50。")
        value = Decimal(cleaned)
    if not value.is_finite():
        raise ValueError("金额必须是数字。")
    if abs(value) > MAX_AMOUNT:  # before quantize, which fails on numbers beyond Decimal's precision
        raise ValueError("金额过大，请核对（单位为元）。")
    if value != value.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ValueError("金额最多保留两位小数（精确到分）。")
    return value.quantize(CENT)


def to_wan(amount: Decimal | None, places: int = 2) -> Decimal:
    """元 → 万元, rounded half up (leaders' tables)."""
    return (Decimal(amount or 0) / WAN).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


class MoneyField(forms.DecimalField):
    """An amount in 元: accepts thousands separators, full-width digits and a ¥ or 元; positive unless told."""

    def __init__(self, *, allow_zero=False, allow_negative=False, **kwargs):
        self.allow_zero, self.allow_negative = allow_zero, allow_negative
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", DECIMAL_PLACES)
        super().__init__(**kwargs)
        self.error_messages["required"] = f"请填写{kwargs.get('label') or '金额'}。"
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})
        self.widget.input_type = "text"

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            amount = parse_amount(value)
        except ValueError as error:
            raise ValidationError(str(error), code="invalid") from None
        if amount < 0 and not self.allow_negative:
            raise ValidationError("金额不能为负数。", code="min_value")
        if amount == 0 and not self.allow_zero:
            raise ValidationError("金额必须大于 0。", code="min_value")
        return amount

    def validate(self, value):
        forms.Field.validate(self, value)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)
        return attrs
