"""Resident ID numbers (公民身份号码, GB 11643-1999): 6-digit region, 8-digit birth date, 3-digit sequence, check.

The sequence's last digit is odd for men and even for women. The check character is ISO 7064 MOD 11-2.
"""

import re
from dataclasses import dataclass
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_FULLWIDTH = str.maketrans("０１２３４５６７８９ＸｘＸ", "0123456789XXX")
_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")  # ASCII only: \d would take Arabic-Indic digits too


class IDNumberError(ValueError):
    """A problem with an ID number, worded in Chinese for the person who typed it."""


@dataclass(frozen=True)
class IDNumber:
    value: str
    region: str
    birth_date: date
    gender: str  # "male" | "female"


def check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def normalise(raw) -> str:
    """Trim spaces, turn full-width digits and a lower-case x into the canonical form."""
    return re.sub(r"\s+", "", str(raw or "")).translate(_FULLWIDTH).upper()


def parse(raw, *, today: date | None = None) -> IDNumber:
    """Validate and decode an 18-character ID number, or raise IDNumberError saying what to fix."""
    value = normalise(raw)
    if not value:
        raise IDNumberError("请填写身份证号。")
    if len(value) != 18:
        raise IDNumberError(f"身份证号应为 18 位，现在是 {len(value)} 位，请核对。")
    if not _SHAPE.match(value):
        raise IDNumberError("身份证号前 17 位应为数字，最后一位为数字或 X，请核对。")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise IDNumberError(f"身份证号中的出生日期 {value[6:14]} 不存在，请核对第 7–14 位。") from None
    today = today or date.today()
    if born > today or born.year < 1900:
        raise IDNumberError(f"身份证号中的出生日期 {born:%Y-%m-%d} 不合理，请核对第 7–14 位。")
    expected = check_char(value[:17])
    if value[17] != expected:
        raise IDNumberError("身份证号校验位不正确（最后一位），可能有数字录错，请逐位核对。")
    gender = "male" if int(value[16]) % 2 else "female"
    return IDNumber(value=value, region=value[:6], birth_date=born, gender=gender)


def make(region: str, born: date, sequence: int, gender: str) -> str:
    """Build a valid ID number (for demo data and tests): the sequence's last digit is set by gender."""
    seq = sequence % 1000
    if (seq % 2 == 1) != (gender == "male"):
        seq = (seq + 1) % 1000 if seq < 999 else seq - 1
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)
