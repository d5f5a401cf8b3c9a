import random
from datetime import date

import pytest

from guanghan.lib import chinese_names, idnumber
from guanghan.lib.masking import mask_id_number, mask_phone

VALID = "11010519491231002X"  # the standard's own example


def test_a_valid_id_is_decoded():
    parsed = idnumber.parse(VALID)
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.gender == "female"
    assert parsed.region == "110105"


def test_full_width_digits_spaces_and_lower_x_are_normalised():
    assert idnumber.parse(" １１０１０５１９４９１２３１００２x ").value == VALID


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "请填写身份证号"),
        ("1101051949123100", "应为 18 位，现在是 16 位"),
        ("11010519491231002A", "最后一位为数字或 X"),
        ("110105194902300028", "出生日期 19490230 不存在"),
        ("110105194912310021", "校验位不正确"),
        ("110105209912310026", "不合理"),
    ],
)
def test_bad_ids_say_what_to_fix(raw, message):
    with pytest.raises(idnumber.IDNumberError, match=message):
        idnumber.parse(raw, today=date(2016, 7, 21))


def test_made_ids_are_valid_and_carry_the_gender():
    rng = random.Random(1)
    for n in range(200):
        gender = rng.choice(["male", "female"])
        born = date(1930 + n % 80, 1 + n % 12, 1 + n % 28)
        value = idnumber.make("510681", born, rng.randint(0, 999), gender)
        parsed = idnumber.parse(value)
        assert (parsed.birth_date, parsed.gender, parsed.region) == (born, gender, "510681")


def test_masks_hide_the_middle():
    assert mask_id_number("51068119620315123X") == "510681********123X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("") == ""
    assert mask_id_number(None) == ""


def test_chinese_names_are_two_or_three_characters_and_repeatable():
    names = [chinese_names.name(random.Random(7), "female") for _ in range(3)]
    assert names[0] == names[1] == names[2]
    sample = [chinese_names.name(random.Random(n)) for n in range(100)]
    assert all(2 <= len(name) <= 3 for name in sample)
    assert len(set(sample)) > 50
