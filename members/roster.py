"""The roster import (花名册导入): read a village's Excel or CSV roster, check every row, preview, then write.

    roster_preview(path, villages=...)  read the file and check each row against the directory and the registry,
                                        both loaded once whatever the row count; writes nothing. → Preview: new,
                                        changed (with old → new per field) and unchanged rows, and the errors and
                                        warnings, each with its Excel row number and column
    roster_apply(preview=..., ...)      write a clean preview in one transaction and a fixed number of statements
                                        (COPY straight into the tables, one UPDATE … FROM for changed members), one
                                        Survey per created or changed member, the batch's counts
    roster_write(path=..., batch=...)   check and write in one pass (the check of the next rows runs while the
                                        rows before them are written); a file with errors writes nothing
    roster_confirm(batch=..., ...)      the pages' confirmation: the stored file re-read (refused if its sha256
                                        changed), checked again and written (roster_write), once
    roster_import(path=..., ...)        the management command's check-and-write in one go

The ID number is the key: a known ID updates that member, a new one creates it. A blank cell (or a missing column)
keeps what the registry already holds and only what the file says differently is written, so importing the same
file twice writes nothing the second time.
"""

import csv
import difflib
import hashlib
import io
import math
import re
import sys
import zipfile
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from itertools import islice
from pathlib import Path

import pghistory
from defusedxml import ElementTree
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from guanghan.lib import idnumber, uploads
from guanghan.models import Industry, PartyBranch, PovertyCause, Skill, Town, Village, phone_validator
from members.models import LISTS, ImportBatch, Member, Survey

MAX_BYTES = uploads.MAX_BYTES
MAX_ROWS = uploads.MAX_ROWS
MAX_SHEET_XML_BYTES = 400 * 1024 * 1024  # a 20 MB .xlsx that unpacks beyond this is not a roster
HEADER_SCAN_ROWS = 10
SUFFIXES = uploads.SUFFIXES
LOOKUP_CHUNK = 5000

HEADERS = [
    *("序号", "姓名", "性别", "身份证号", "出生日期", "民族", "联系电话", "乡镇", "村(社区)", "类别", "城乡"),
    *("家庭人口", "家庭年人均收入", "低保类型", "健康状况", "劳动能力", "致贫原因", "生存技能", "致富愿景"),
    *("入党时间", "所在党支部", "登记日期", "备注"),
]
REQUIRED = ("姓名", "身份证号", "乡镇", "村(社区)")
HEADER_ALIASES = {
    "身份证号码": "身份证号",
    "公民身份号码": "身份证号",
    "身份证": "身份证号",
    "出生年月": "出生日期",
    "电话": "联系电话",
    "联系方式": "联系电话",
    "手机号": "联系电话",
    "手机号码": "联系电话",
    "乡镇(街道)": "乡镇",
    "镇(乡)": "乡镇",
    "乡(镇)": "乡镇",
    "村": "村(社区)",
    "社区": "村(社区)",
    "村/社区": "村(社区)",
    "村(居)": "村(社区)",
    "人员类别": "类别",
    "对象类别": "类别",
    "城乡类别": "城乡",
    "家庭人口数": "家庭人口",
    "家庭人数": "家庭人口",
    "家庭年人均纯收入": "家庭年人均收入",
    "年人均收入": "家庭年人均收入",
    "人均收入": "家庭年人均收入",
    "低保": "低保类型",
    "健康情况": "健康状况",
    "主要致贫原因": "致贫原因",
    "致富意愿": "致富愿景",
    "入党日期": "入党时间",
    "入党年月": "入党时间",
    "党支部": "所在党支部",
    "所属党支部": "所在党支部",
    "登记时间": "登记日期",
}
TOTAL_WORDS = ("合计", "总计", "小计")
EXAMPLE_NOTE = "示例行：导入前请删除此行"

EXCEL_NUMBER_MESSAGE = "身份证号被 Excel 转成了数字，后几位已丢失：请把该列设为“文本”格式后重新填写身份证号"
FORMULA_MESSAGE = "单元格含公式或以 =、+、-、@ 开头（Excel 会当作公式）：请粘贴为数值，或删去开头的符号后再导入"

CHOICES = {
    # column: (accepted text → value, the values to show when the text is unknown)
    "类别": (
        {
            "困难党员": Member.Category.PARTY,
            "党员": Member.Category.PARTY,
            "困难群众": Member.Category.RESIDENT,
            "群众": Member.Category.RESIDENT,
        },
        ["困难党员", "困难群众"],
    ),
    "城乡": ({"农村": Member.Area.RURAL, "城镇": Member.Area.URBAN, "城市": Member.Area.URBAN}, ["农村", "城镇"]),
    "低保类型": (
        {
            "无": Member.Allowance.NONE,
            "农村低保": Member.Allowance.RURAL_DIBAO,
            "城市低保": Member.Allowance.URBAN_DIBAO,
            "城镇低保": Member.Allowance.URBAN_DIBAO,
            "特困": Member.Allowance.TEKUN,
            "特困供养": Member.Allowance.TEKUN,
        },
        ["无", "农村低保", "城市低保", "特困供养"],
    ),
    "健康状况": (
        {label: value for value, label in Member.Health.choices},
        [label for _, label in Member.Health.choices],
    ),
    "劳动能力": (
        {label: value for value, label in Member.Labour.choices}
        | {"弱劳动力": Member.Labour.WEAK, "半劳动力": Member.Labour.WEAK, "无劳动力": Member.Labour.NONE},
        [label for _, label in Member.Labour.choices],
    ),
    "性别": ({"男": "male", "女": "female", "男性": "male", "女性": "female"}, ["男", "女"]),
}
COLUMN_FIELDS = {
    "类别": "category",
    "城乡": "area",
    "低保类型": "allowance",
    "健康状况": "health",
    "劳动能力": "labour_capacity",
}

# What an import may set on a member, in the order changes are listed (attname → label from the model).
FIELDS = [
    "category",
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "phone",
    "village_id",
    "area",
    "household_size",
    "income_per_capita",
    "allowance",
    "health",
    "labour_capacity",
    "main_cause_id",
    "branch_id",
    "joined_party_on",
    "registered_on",
    "notes",
]
M2M = {"other_causes": "causes", "skills": "skills", "aspirations": "industries"}  # relation → directory lookup
SURVEY_FIELDS = ["household_size", "income_per_capita", "allowance", "health", "labour_capacity", "main_cause_id"]

# A row's values are kept as a tuple in FIELDS order and its lists as a tuple in RELATIONS order, not as dicts: a
# 99,000-row preview holds every row until the confirmation writes it (docs/benchmarks.md, "Peak memory").
RELATIONS = tuple(M2M)
FIELD_INDEX = {name: index for index, name in enumerate(FIELDS)}
_NAME, _VILLAGE, _CATEGORY = FIELD_INDEX["name"], FIELD_INDEX["village_id"], FIELD_INDEX["category"]
_MAIN_CAUSE, _BRANCH, _JOINED = FIELD_INDEX["main_cause_id"], FIELD_INDEX["branch_id"], FIELD_INDEX["joined_party_on"]
_SURVEY_INDEXES = [FIELD_INDEX[name] for name in SURVEY_FIELDS]
LIST_COLUMNS = [LISTS[relation] for relation in RELATIONS]  # the lists' columns, in the member's and survey's row
BLANK = object()  # a blank cell (or an absent column) in a row's tuple: the member keeps what it has
_NO_IDS: frozenset[int] = frozenset()
_NO_SETS = (_NO_IDS,) * len(RELATIONS)


def _label(name: str) -> str:
    return str(Member._meta.get_field(LISTS.get(name) or name.removesuffix("_id")).verbose_name)


def _defaults(today: date) -> tuple:
    """A new member's values in FIELDS order where its row leaves a cell blank (name, ID and village never are)."""
    defaults = {
        "category": Member.Category.PARTY,
        "ethnicity": "汉族",
        "phone": "",
        "area": Member.Area.RURAL,
        "household_size": 1,
        "income_per_capita": Decimal("0.00"),
        "allowance": Member.Allowance.NONE,
        "health": Member.Health.HEALTHY,
        "labour_capacity": Member.Labour.NORMAL,
        "main_cause_id": None,
        "branch_id": None,
        "joined_party_on": None,
        "registered_on": today,
        "notes": "",
    }
    return tuple(defaults.get(name) for name in FIELDS)


class RosterError(Exception):
    """A problem with the import as a whole (the file changed, the batch was already imported), in Chinese."""


class CellError(ValueError):
    """A problem with one cell, worded for the person who will fix the file."""


@dataclass(slots=True)
class Issue:
    row: int | None  # as Excel shows it (1-based, title rows counted); None for the file as a whole
    column: str
    message: str

    def __str__(self):
        if self.row is None:
            return f"[文件] {self.message}"
        return f"第{self.row}行 [{self.column}] {self.message}"


@dataclass(slots=True)
class Change:
    field: str  # attname or relation
    old: str
    new: str

    @property
    def label(self) -> str:
        return _label(self.field)


class PlannedValues(Mapping):
    """A planned row's values by attname (and its id_number for a new member), read from the row's tuple."""

    __slots__ = ("_plan",)

    def __init__(self, plan: "PlannedRow"):
        self._plan = plan

    def __getitem__(self, name: str):
        index = FIELD_INDEX.get(name)
        if index is not None:
            return self._plan.fields[index]
        if name == "id_number" and self._plan.is_new:
            return self._plan.id_number
        raise KeyError(name)

    def __iter__(self):
        yield from FIELDS
        if self._plan.is_new:
            yield "id_number"

    def __len__(self) -> int:
        return len(FIELDS) + self._plan.is_new


@dataclass(slots=True, eq=False)
class PlannedRow:
    """A clean row: the member's values after the import, and what that changes."""

    row: int
    id_number: str
    fields: tuple  # FIELDS order, final values
    sets: tuple[frozenset[int], ...]  # RELATIONS order, final sets of lookup ids
    surveyed_on: date
    member_id: int | None = None  # None until a new member is written
    is_new: bool = True
    changes: tuple[Change, ...] = ()

    @property
    def values(self) -> PlannedValues:
        return PlannedValues(self)

    @property
    def m2m(self) -> dict[str, frozenset[int]]:
        return dict(zip(RELATIONS, self.sets, strict=True))

    @property
    def name(self) -> str:
        return self.fields[_NAME]


@dataclass
class Preview:
    rows_total: int = 0
    new: list[PlannedRow] = field(default_factory=list)
    changed: list[PlannedRow] = field(default_factory=list)
    unchanged: int = 0
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    village_labels: dict[int, str] = field(default_factory=dict)

    @property
    def error_rows(self) -> int:
        return len({issue.row for issue in self.errors if issue.row is not None})

    @property
    def file_errors(self) -> list[Issue]:
        return [issue for issue in self.errors if issue.row is None]

    @property
    def is_clean(self) -> bool:
        return not self.errors and self.rows_total > 0

    def counts(self) -> dict[str, int]:
        return {
            "rows_total": self.rows_total,
            "created_count": len(self.new),
            "updated_count": len(self.changed),
            "unchanged_count": self.unchanged,
            "error_count": len(self.errors),
        }


# ---------------------------------------------------------------------------------------------------------------
# Reading


_HALF_WIDTH = {0x3000: 0x20, 0xA0: 0x20, 0xFF0E: 0x2E, 0xFF0D: 0x2D, 0xFF0F: 0x2F}
_HALF_WIDTH |= {0xFF10 + i: 0x30 + i for i in range(10)}
_HALF_WIDTH |= {0xFF21 + i: 0x41 + i for i in range(26)} | {0xFF41 + i: 0x61 + i for i in range(26)}


def clean_cell(value):
    """Full-width digits, letters and spaces to half-width, surrounding spaces off; blank text is None."""
    if isinstance(value, str):
        value = value.translate(_HALF_WIDTH).strip()
        return value or None
    return value


def header_key(value) -> str | None:
    """The template column a header cell names (村（社区） and 村(社区) alike), or None."""
    if not isinstance(value, str):
        return None
    text = re.sub(r"\s+", "", value.translate(_HALF_WIDTH)).replace("（", "(").replace("）", ")").strip("*")
    text = re.sub(r"\((元|人|元/年|元/人|元/人/年)\)$", "", text)
    text = HEADER_ALIASES.get(text, text)
    return text if text in HEADERS else None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_OR_FORMULA_TAG = re.compile(rb"<(?:\w+:)?([cf])[\s>/][^>]*")
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')


def _column_index(letters: bytes) -> int:
    index = 0
    for char in letters:
        index = index * 26 + char - 64
    return index - 1


def xlsx_formula_cells(path: Path) -> set[tuple[int, int]]:
    """(row, column index) of the first sheet's formula cells.

    calamine reads only a formula's cached value, which a generated file may lack (the cell reads blank) and a
    copied one may carry stale, so such cells are refused. The sheet XML is streamed; only the stretches that hold
    a formula are looked at closely.
    """
    found: set[tuple[int, int]] = set()
    try:
        with zipfile.ZipFile(path) as archive:
            name = uploads.first_sheet_part(archive)
            if archive.getinfo(name).file_size > MAX_SHEET_XML_BYTES:
                raise RosterError("文件解压后过大，不像是花名册：请只保留花名册工作表后重新保存。")
            with archive.open(name) as sheet:
                previous, carry = b"", b""
                for chunk in iter(lambda: sheet.read(1 << 20), b""):
                    buffer = carry + chunk
                    cut = buffer.rfind(b"<")  # a tag cut by the chunk's end waits for the next chunk
                    body, carry = buffer[:cut], buffer[cut:]
                    _formula_cells_in(previous + body, found)  # a formula's cell tag may end the previous chunk
                    previous = body[-4096:]
                _formula_cells_in(previous + carry, found)
    except (zipfile.BadZipFile, KeyError, AttributeError, ElementTree.ParseError, OSError):
        return found  # not a readable .xlsx: calamine will say so
    return found


def _formula_cells_in(xml: bytes, found: set[tuple[int, int]]) -> None:
    if not _FORMULA_TAG.search(xml):
        return
    cell = None
    for tag in _CELL_OR_FORMULA_TAG.finditer(xml):
        if tag.group(1) == b"c":
            ref = _CELL_REF.search(tag.group(0))
            cell = (int(ref.group(2)), _column_index(ref.group(1))) if ref else None
        elif cell:
            found.add(cell)


def _decode_csv(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise RosterError("无法识别 CSV 文件的编码：请在 Excel/WPS 中另存为 .xlsx 或 UTF-8 编码的 CSV。") from None


def open_sheet(path: Path):
    """The first sheet of an .xlsx or .xls file, read whole by calamine (which lets other threads run meanwhile), as
    (workbook, sheet). Raises RosterError for unreadable files."""
    suffix = path.suffix.lower()
    unreadable = (
        f"无法读取该 {suffix} 文件：文件可能已损坏或并非 Excel 文件。请在 Excel/WPS 中打开后另存为 .xlsx 再上传。"
    )
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        return workbook, workbook.get_sheet_by_index(0)
    except PasswordError:
        raise RosterError("文件设置了打开密码：请取消密码后重新上传。") from None
    except (CalamineError, ValueError, OSError):
        raise RosterError(unreadable) from None


def read_rows(path: Path, opened: Future | None = None) -> Iterator[tuple[int, list]]:
    """(Excel row number, raw cells) of the first sheet, top to bottom. Raises RosterError for unreadable files.
    `opened`: open_sheet(path) already running in another thread."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text = _decode_csv(path.read_bytes())
        for number, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            yield number, row
        return
    if suffix not in (".xlsx", ".xls"):
        raise RosterError("只能导入 .xlsx、.xls 或 .csv 文件。")
    workbook, sheet = opened.result() if opened is not None else open_sheet(path)
    # calamine yields every row from row 1, but the columns only from the first one used: pad back to column A, so
    # that (row, column) match what Excel shows and the formula cells found in the XML.
    pad = [""] * (sheet.start[1] if sheet.start else 0)
    with workbook:
        for index, row in enumerate(sheet.iter_rows()):
            yield index + 1, pad + row if pad else row


# ---------------------------------------------------------------------------------------------------------------
# Cell parsers: each returns the canonical value or raises CellError saying what to write instead.

_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?[eE]\+?\d+$")
_FLOAT_TEXT = re.compile(r"^\d{15,18}\.0+$")
_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_YMD_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_YM = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_SPLIT = re.compile(r"[、,，;；/／\s]+")
# Compiled once: the cell parsers run for every cell of a 100,000-row file.
_SPACES = re.compile(r"\s+")
_ISO_DATETIME = re.compile(r"^\d{4}-\d\d-\d\d[ T]")
_MONEY_NOISE = re.compile(r"[,，\s]")
_HOUSEHOLD = re.compile(r"-?\d{1,3}人?")
_CHOICE_NOISE = re.compile(r"[\s()（）]")


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _whole(value) -> bool:
    """A number cell holding a whole number (Excel stores 12 as 12.0); never an infinity or NaN (a cell beyond
    Excel's largest number reads as one)."""
    return _is_number(value) and math.isfinite(value) and value == int(value)


def parse_id(value, today: date) -> idnumber.IDNumber:
    if _is_number(value):
        raise CellError(EXCEL_NUMBER_MESSAGE)
    text = _SPACES.sub("", str(value))
    if _SCIENTIFIC.match(text) or _FLOAT_TEXT.match(text):
        raise CellError(EXCEL_NUMBER_MESSAGE)
    try:
        return idnumber.parse(text, today=today)
    except idnumber.IDNumberError as exc:
        if re.fullmatch(r"\d{15}000", text):  # a float's 15 significant digits, then zeros
            raise CellError(EXCEL_NUMBER_MESSAGE) from None
        raise CellError(str(exc).rstrip("。")) from None


def parse_date(value, *, allow_month: bool = False) -> tuple[date, bool]:
    """(the date, whether the day was given). Excel dates, 2016-07-21, 2016/7/21, 2016.7.21, 2016年7月21日,
    20160721; with allow_month also 2016-07 or 2016年7月 (read as the 1st)."""
    if isinstance(value, datetime):
        return value.date(), True
    if isinstance(value, date):
        return value, True
    if _is_number(value):
        if not math.isfinite(value):
            raise CellError(f"日期“{value}”不是日期，请写成 2016-07-21 这样的格式")
        if value != int(value):
            raise CellError(
                f"日期“{value}”被 Excel 当成了小数（如 1990.10 会变成 1990.1），请写成 2016-07-21 这样的格式"
            )
        value = str(int(value))
    text = str(value).split(" ")[0].split("T")[0] if _ISO_DATETIME.match(str(value)) else str(value)
    text = text.strip()
    match = _YMD.match(text) or _YMD_COMPACT.match(text)
    day_given = True
    if not match and allow_month:
        match = _YM.match(text)
        day_given = False
    if not match:
        example = "2016-07-21 或 2016-07" if allow_month else "2016-07-21"
        raise CellError(f"无法识别的日期“{text}”，请写成 {example} 这样的格式")
    parts = [int(part) for part in match.groups()] + ([] if day_given else [1])
    try:
        return date(*parts), day_given
    except ValueError:
        raise CellError(f"日期“{text}”不存在，请核对") from None


def parse_money(value) -> Decimal:
    """Yuan with at most two decimals: 3200, 3,200.50, 3200元, ￥3200; never through float arithmetic."""
    if isinstance(value, bool):
        raise CellError("家庭年人均收入应为数字（元），如 3200 或 3200.50")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))  # the shortest text that reads back as this float, as Excel showed it
    else:
        text = _MONEY_NOISE.sub("", str(value)).removesuffix("元").lstrip("￥¥")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise CellError(f"家庭年人均收入“{value}”不是数字，请填写金额（元），如 3200 或 3200.50") from None
    if not amount.is_finite():
        raise CellError(f"家庭年人均收入“{value}”不是数字，请填写金额（元），如 3200 或 3200.50")
    if amount < 0:
        raise CellError("家庭年人均收入不能为负数")
    if amount >= Decimal(10) ** 12:  # before quantize, which fails on numbers beyond Decimal's precision
        raise CellError(f"家庭年人均收入“{value}”过大，请核对（单位：元）")
    if amount != amount.quantize(Decimal("0.01")):
        raise CellError(f"家庭年人均收入“{value}”最多保留两位小数")
    return amount.quantize(Decimal("0.01"))


def parse_household(value) -> int:
    if _whole(value):
        size = int(value)
    elif isinstance(value, str) and _HOUSEHOLD.fullmatch(value):
        size = int(value.removesuffix("人"))
    else:
        raise CellError(f"家庭人口“{value}”应为整数，如 4")
    if not 1 <= size <= 99:
        raise CellError(f"家庭人口应在 1 到 99 之间，现在是 {size}")
    return size


NUMBER_PARSERS = (parse_money, parse_household)


INTERNATIONAL_MOBILE = re.compile(r"^(?:\+|00)86[\s-]*(1\d{2}[\s-]*\d{4}[\s-]*\d{4})$")


def parse_phone(value) -> str:
    """A mobile or fixed number; "+86 138 1234 5678" (the country code as phones show it) is kept as 13812345678."""
    text = str(int(value)) if _whole(value) else str(value).strip()
    if match := INTERNATIONAL_MOBILE.match(text):
        text = match.group(1)
    text = _SPACES.sub("", text)
    if not phone_validator.regex.match(text):
        raise CellError(f"联系电话“{text}”格式不对：" + str(phone_validator.message).rstrip("。"))
    return text


def parse_choice(column: str, value) -> str:
    accepted, shown = CHOICES[column]
    text = _CHOICE_NOISE.sub("", str(value))
    if text not in accepted:
        raise CellError(f"“{value}”不是有效的{column}，请填写：{'、'.join(shown)}")
    return accepted[text]


def split_values(value) -> list[str]:
    """Several names in one cell (、 , ， ; ； / or spaces), each once, in order."""
    seen: dict[str, None] = {}
    for part in _SPLIT.split(str(value)):
        if part:
            seen[part] = None
    return list(seen)


def nearest(name: str, candidates) -> str | None:
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.5)
    return matches[0] if matches else None


def _unknown(kind: str, name: str, candidates, *, list_all: bool = False) -> str:
    guess = nearest(name, candidates)
    if guess:
        return f"未知的{kind}“{name}”，是否为“{guess}”？"
    if list_all:
        return f"未知的{kind}“{name}”，可填写：{'、'.join(candidates)}"
    return f"未知的{kind}“{name}”，请核对名称"


# ---------------------------------------------------------------------------------------------------------------
# The directory and the registry, loaded once per check


class Directory:
    """Everything a row is checked against, read in a fixed number of queries whatever the file's size."""

    def __init__(self, villages):
        self.towns = dict(Town.objects.values_list("name", "pk"))
        self.villages: dict[tuple[str, str], tuple[int, bool]] = {}
        self.village_names: dict[str, list[str]] = defaultdict(list)  # town → its villages
        self.village_towns: dict[str, list[str]] = defaultdict(list)  # village name → towns having one
        self.village_labels: dict[int, str] = {}
        for pk, name, town, active in Village.objects.values_list("pk", "name", "town__name", "is_active"):
            self.villages[town, name] = (pk, active)
            self.village_names[town].append(name)
            self.village_towns[name].append(town)
            self.village_labels[pk] = f"{town}{name}"
        self.in_scope = set(villages.values_list("pk", flat=True))
        self.lookups: dict[str, dict[str, int]] = {}
        self.lookup_names: dict[str, dict[int, str]] = {}
        for key, model in (("causes", PovertyCause), ("skills", Skill), ("industries", Industry)):
            rows = list(model.objects.order_by("order", "code").values_list("pk", "name", "is_active"))
            self.lookups[key] = {name: pk for pk, name, active in rows if active}
            self.lookup_names[key] = {pk: name for pk, name, _ in rows}
        self.branches: dict[tuple[int, str], int] = {}
        self.branch_names: dict[int, list[str]] = defaultdict(list)
        self.branch_village: dict[int, int | None] = {}
        self.branch_labels: dict[int, str] = {}
        for pk, name, village_id, active in PartyBranch.objects.values_list("pk", "name", "village_id", "is_active"):
            self.branch_village[pk] = village_id
            self.branch_labels[pk] = name
            if active and village_id:
                self.branches[village_id, name] = pk
                self.branch_names[village_id].append(name)

    def display(self, attname: str, value) -> str:
        if value is None or value == "":
            return "（空）"
        if attname == "village_id":
            return self.village_labels.get(value, str(value))
        if attname == "branch_id":
            return self.branch_labels.get(value, str(value))
        if attname == "main_cause_id":
            return self.lookup_names["causes"].get(value, str(value))
        if isinstance(value, date):
            return f"{value:%Y-%m-%d}"
        if isinstance(value, Decimal):
            return f"{value:.2f}"
        choices = Member._meta.get_field(attname.removesuffix("_id")).choices
        if choices:
            return str(dict(choices).get(value, value))
        return str(value)

    def display_set(self, relation: str, ids: set[int]) -> str:
        names = self.lookup_names[M2M[relation]]
        order = list(names)
        return "、".join(names[pk] for pk in sorted(ids, key=order.index)) if ids else "（空）"


@dataclass(slots=True)
class _Existing:
    pk: int
    status: str
    fields: tuple  # FIELDS order
    sets: tuple[frozenset[int], ...]  # RELATIONS order: the lists' lookup ids


def _load_existing(id_numbers: list[str], *, cursor=None) -> dict[str, _Existing]:
    """The registry's members with these ID numbers, their values and lists. With `cursor` (a raw psycopg2 cursor:
    the roster writer's thread), the same queries run on it instead of through Django's connection."""

    def rows(queryset):
        if cursor is None:
            return queryset
        cursor.execute(*queryset.query.sql_with_params())
        return cursor.fetchall()

    existing: dict[str, _Existing] = {}
    for start in range(0, len(id_numbers), LOOKUP_CHUNK):
        chunk = id_numbers[start : start + LOOKUP_CHUNK]
        members = Member.objects.filter(id_number__in=chunk).values_list(
            "pk", "id_number", "status", *LIST_COLUMNS, *FIELDS
        )
        lists = len(LIST_COLUMNS)
        for pk, id_number, status, *values in rows(members):
            sets = tuple(frozenset(ids) for ids in values[:lists])
            existing[id_number] = _Existing(pk, status, tuple(values[lists:]), sets)
    return existing


# ---------------------------------------------------------------------------------------------------------------
# Checking


@dataclass(slots=True)
class _Row:
    """What one row says, before it is compared with the registry."""

    row: int
    id_number: str
    given: tuple  # FIELDS order; BLANK where the cell was blank
    sets: tuple  # RELATIONS order; None where the cell was blank
    surveyed_on: date
    party_columns: tuple[str, ...]  # 入党时间 / 所在党支部 when filled


class _Shared:
    """One object for equal values that many rows repeat (dates, short texts, sets of lookup ids), so that a large
    preview holds each of them once."""

    def __init__(self):
        self.dates: dict[date, date] = {}
        self.texts: dict[str, str] = {}
        self.sets: dict[frozenset[int], frozenset[int]] = {}

    def date(self, value: date) -> date:
        return self.dates.setdefault(value, value)

    def text(self, value: str) -> str:
        return self.texts.setdefault(value, value)

    def ids(self, values) -> frozenset[int]:
        key = frozenset(values)
        return self.sets.setdefault(key, key)


MAX_CELL_CHARS = 2000


def check_text(value: str) -> None:
    """Characters PostgreSQL refuses (NUL, which an .xlsx can carry as _x0000_) and text no roster cell needs."""
    if "\x00" in value:
        raise CellError("单元格含有不可见的空字符（NUL）：请删除该单元格的内容后重新输入")
    if len(value) > MAX_CELL_CHARS:
        raise CellError(f"内容过长（{len(value):,} 个字），一个单元格最多 {MAX_CELL_CHARS:,} 个字：请精简")


def _formula_text(value, parse) -> bool:
    """Text Excel would run as a formula; a number column's leading minus is left to its parser (negative)."""
    if parse in NUMBER_PARSERS and isinstance(value, str) and value.startswith("-"):
        return False
    if parse is parse_phone and isinstance(value, str) and INTERNATIONAL_MOBILE.match(value.strip()):
        return False  # "+86 138…" is a phone number written with its country code, not a formula
    return uploads.looks_like_formula(value)


# Columns whose few distinct values repeat down a roster: each distinct value is parsed once per file. Their parsers
# depend on the value (and the directory) only.
REPEATED_COLUMNS = frozenset(
    ("性别", *COLUMN_FIELDS, "家庭人口", "致贫原因", "生存技能", "致富愿景", "入党时间", "登记日期")
)
PARSED_KEPT = 20_000  # distinct values remembered per file, beyond which the rest are parsed each time


class _RowCheck:
    """One row being read: each column parsed on its own, every problem kept with its column."""

    def __init__(self, checker: "_Checker", number: int, cells: list):
        self.checker, self.number, self.cells = checker, number, cells
        self.errors: list[Issue] = []
        self.given: dict = {}  # attname → value, for the cells that were filled in
        self.m2m: dict[str, set[int]] = {}
        self.party_columns: list[str] = []

    def error(self, column: str, message: str) -> None:
        self.errors.append(Issue(self.number, column, message))

    def cell(self, column: str, parse: Callable | None = None, *, required: bool = False):
        """The parsed value, or None when the cell is blank, the column absent, or the value wrong (reported)."""
        checker = self.checker
        index = checker.columns.get(column)
        if index is None:
            return None
        value = self.cells[index] if index < len(self.cells) else None
        if checker.formulas and (self.number, index) in checker.formulas:
            self.error(column, FORMULA_MESSAGE)
            return None
        if parse is not None and column in REPEATED_COLUMNS:
            known = checker.read_repeated(column, value, parse)
        else:
            known = _read_cell(column, value, parse, required)
        if known[0]:
            return known[1]
        self.error(column, known[1])
        return None

    def set(self, attname: str, value) -> None:
        if value is not None:
            self.given[attname] = value


def _read_cell(column: str, value, parse: Callable | None, required: bool) -> tuple[bool, object]:
    """A cell's raw value cleaned (as clean_cell), checked and parsed: (True, value), or (False, what is wrong)."""
    if isinstance(value, str):  # clean_cell, inline: this runs for every cell of the file
        value = value.translate(_HALF_WIDTH).strip() or None
    try:
        if value is None:
            if required:
                raise CellError(f"请填写{column}")
            return True, None
        if isinstance(value, str):
            if value.startswith(uploads.FORMULA_STARTS) and _formula_text(value, parse):
                raise CellError(FORMULA_MESSAGE)
            check_text(value)
        return True, (_as_text(value) if parse is None else parse(value))
    except CellError as exc:
        return False, str(exc)


class _Checker:
    """Checks rows against the directory; collects the errors and warnings of the whole file."""

    def __init__(self, directory: Directory, columns: dict[str, int], formulas: set, today: date):
        self.directory = directory
        self.columns = columns
        self.formulas = formulas
        self.today = today
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []
        self.shared = _Shared()
        self.choice_parsers = {column: partial(parse_choice, column) for column in CHOICES}
        self.parse_id = partial(parse_id, today=today)
        self._parsed: dict[tuple, tuple[bool, object]] = {}

    def read_repeated(self, column: str, value, parse: Callable) -> tuple[bool, object]:
        """_read_cell for a column of few distinct values, remembered per column and raw value (its type too: 1, 1.0
        and True read differently): the cleaning, the checks and the parsing run once per distinct value."""
        key = (column, value.__class__, value)
        known = self._parsed.get(key)
        if known is None:
            known = _read_cell(column, value, parse, False)
            if len(self._parsed) < PARSED_KEPT:
                self._parsed[key] = known
        return known

    def check(self, number: int, cells: list) -> _Row | None:
        row = _RowCheck(self, number, cells)
        ident = self._person(row)
        village_id = self._village(row)
        row.set("village_id", village_id)
        for column, attname in COLUMN_FIELDS.items():
            row.set(attname, row.cell(column, self.choice_parsers[column]))
        row.set("household_size", row.cell("家庭人口", parse_household))
        row.set("income_per_capita", row.cell("家庭年人均收入", parse_money))
        self._lists(row)
        self._party(row, ident, village_id)
        registered = row.cell("登记日期", parse_date)
        if registered is not None:
            if registered[0] > self.today:
                row.error("登记日期", "登记日期不能晚于今天")
            row.set("registered_on", registered[0])
        notes = row.cell("备注")
        if notes == EXAMPLE_NOTE:
            row.error("备注", "这是模板中的示例行，请删除后再导入")
        row.set("notes", notes)

        if row.errors or ident is None:
            self.errors.extend(row.errors)
            return None
        shared, given = self.shared, row.given
        for attname in ("birth_date", "registered_on", "joined_party_on"):
            if given.get(attname) is not None:
                given[attname] = shared.date(given[attname])
        if "ethnicity" in given:
            given["ethnicity"] = shared.text(given["ethnicity"])
        return _Row(
            number,
            ident.value,
            tuple(given.get(name, BLANK) for name in FIELDS),
            tuple(shared.ids(row.m2m[relation]) if relation in row.m2m else None for relation in RELATIONS),
            shared.date(registered[0]) if registered else self.today,
            tuple(row.party_columns),
        )

    def _person(self, row: _RowCheck) -> idnumber.IDNumber | None:
        """姓名, 身份证号 (性别 and 出生日期 must agree with it), 民族, 联系电话."""
        name = row.cell("姓名", required=True)
        if name is not None:
            name = _SPACES.sub("", name)
            if len(name) > 30:
                row.error("姓名", "姓名过长（最多 30 个字）")
            row.set("name", name)
        ident = row.cell("身份证号", self.parse_id, required=True)
        if ident is not None:
            row.given.update(gender=ident.gender, birth_date=ident.birth_date)
            if not ident.region.startswith("51"):
                message = f"身份证号的地区码 {ident.region} 不属于四川省，请确认是否录错"
                self.warnings.append(Issue(row.number, "身份证号", message))
        gender = row.cell("性别", self.choice_parsers["性别"])
        if gender and ident and gender != ident.gender:
            row.error("性别", f"性别与身份证号不一致：身份证号显示为“{Member.Gender(ident.gender).label}”")
        born = row.cell("出生日期", lambda v: parse_date(v, allow_month=True))
        if born and ident:
            day, day_given = born
            same = day == ident.birth_date if day_given else day == ident.birth_date.replace(day=1)
            if not same:
                row.error("出生日期", f"出生日期与身份证号不一致：身份证号显示为 {ident.birth_date:%Y-%m-%d}")
        ethnicity = row.cell("民族")
        if ethnicity is not None:
            ethnicity = _SPACES.sub("", ethnicity)
            if len(ethnicity) > 20:
                row.error("民族", "民族过长（最多 20 个字），如“汉族”“藏族”")
            row.set("ethnicity", ethnicity if ethnicity.endswith("族") or len(ethnicity) > 4 else ethnicity + "族")
        row.set("phone", row.cell("联系电话", parse_phone))
        return ident

    def _lists(self, row: _RowCheck) -> None:
        """致贫原因 (the first is the main cause, at most two more), 生存技能, 致富愿景."""
        causes = row.cell("致贫原因", lambda v: self._many(v, "causes", "致贫原因", list_all=True))
        if causes is not None:
            if len(causes) > 3:
                row.error("致贫原因", f"致贫原因最多填 3 项（第一项为主要致贫原因），现在有 {len(causes)} 项")
            row.given["main_cause_id"] = causes[0] if causes else None
            row.m2m["other_causes"] = set(causes[1:])
        for column, relation in (("生存技能", "skills"), ("致富愿景", "aspirations")):
            ids = row.cell(column, lambda v, c=column, r=relation: self._many(v, M2M[r], c))
            if ids is not None:
                row.m2m[relation] = set(ids)

    def _party(self, row: _RowCheck, ident, village_id: int | None) -> None:
        """入党时间 and 所在党支部 (a branch of the row's village), for party members only."""
        joined = row.cell("入党时间", lambda v: parse_date(v, allow_month=True))
        if joined is not None:
            row.party_columns.append("入党时间")
            if joined[0] > self.today:
                row.error("入党时间", "入党时间不能晚于今天")
            elif ident and joined[0] <= ident.birth_date:
                row.error("入党时间", "入党时间早于出生日期，请核对")
            row.set("joined_party_on", joined[0])
        branch = row.cell("所在党支部")
        if branch is not None:
            row.party_columns.append("所在党支部")
            if village_id is not None:
                row.set("branch_id", self._branch(row, branch, village_id))
        if row.given.get("category") == Member.Category.RESIDENT:
            for column in row.party_columns:
                row.error(column, f"只有困难党员填写{column}（该行类别为困难群众），请删去")

    def _branch(self, row: _RowCheck, name: str, village_id: int) -> int | None:
        d = self.directory
        branch_id = d.branches.get((village_id, name))
        if branch_id is None:
            label, candidates = d.village_labels[village_id], d.branch_names.get(village_id, [])
            guess = nearest(name, candidates)
            if guess:
                hint = f"，是否为“{guess}”？"
            elif candidates:
                hint = f"，{label}的党支部有：{'、'.join(candidates)}"
            else:
                hint = f"，{label}还没有登记党支部"
            row.error("所在党支部", f"{label}没有党支部“{name}”{hint}")
        return branch_id

    def _village(self, row: _RowCheck) -> int | None:
        """乡镇 + 村(社区): a known, active village inside the importer's scope."""
        d = self.directory
        town, village = row.cell("乡镇", required=True), row.cell("村(社区)", required=True)
        if town is None or village is None:
            return None
        town, village = _SPACES.sub("", town), _SPACES.sub("", village)
        if town not in d.towns:
            row.error("乡镇", _unknown("乡镇", town, d.towns))
            return None
        found = d.villages.get((town, village))
        if found is None:
            elsewhere = d.village_towns.get(village)
            if elsewhere:
                message = f"{town}没有“{village}”，{'、'.join(elsewhere)}有“{village}”：请核对乡镇"
            else:
                guess = nearest(village, d.village_names.get(town, []))
                message = (
                    f"未知的村（社区）“{village}”，是否为“{guess}”？"
                    if guess
                    else f"未知的村（社区）“{village}”：{town}没有这个村（社区），请核对名称"
                )
            row.error("村(社区)", message)
            return None
        pk, active = found
        if not active:
            row.error("村(社区)", f"“{village}”已撤并停用，请填写合并后的村（社区）")
            return None
        if pk not in d.in_scope:
            row.error("村(社区)", f"{town}{village}不在您的工作范围内，不能导入")
            return None
        return pk

    def _many(self, value, lookup: str, column: str, *, list_all: bool = False) -> list[int]:
        names = self.directory.lookups[lookup]
        ids, problems = [], []
        for part in split_values(value):
            if part in names:
                ids.append(names[part])
            else:
                problems.append(_unknown(column, part, names, list_all=list_all))
        if problems:
            raise CellError("；".join(problems))
        return ids


def _as_text(value) -> str:
    """A cell as text; a number cell without its ".0" (Excel stores 12 as 12.0)."""
    if _is_number(value):
        return str(int(value)) if _whole(value) else repr(value)
    return str(value)


def _find_header(rows: Iterator[tuple[int, list]]) -> tuple[int, dict[str, int]] | None:
    for number, cells in rows:
        columns: dict[str, int] = {}
        for index, value in enumerate(cells):
            key = header_key(value)
            if key and key not in columns:
                columns[key] = index
        if "姓名" in columns and "身份证号" in columns:
            return number, columns
        if number >= HEADER_SCAN_ROWS:
            return None
    return None


def _text_at(cells: list, index: int) -> str:
    value = clean_cell(cells[index]) if index < len(cells) else None
    return _SPACES.sub("", value) if isinstance(value, str) else ""


def _is_total(cells: list, name_index: int) -> bool:
    """The 合计 / 总计 / 小计 row: its first filled cell, or its name cell, says so."""
    first = next((i for i, value in enumerate(cells) if clean_cell(value) is not None), None)
    return first is not None and (
        _text_at(cells, first).startswith(TOTAL_WORDS) or _text_at(cells, name_index).startswith(TOTAL_WORDS)
    )


class _Reading:
    """A roster file opened for checking: the header found and the directory loaded (RosterError for a file that
    cannot be read as a whole); rows() then checks the data rows one by one."""

    def __init__(self, path: Path, *, villages, today: date, preview: Preview):
        self.preview = preview
        try:
            uploads.check_spreadsheet(path, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
        except uploads.UploadError as exc:
            raise RosterError(str(exc)) from None
        # calamine reads the sheet in another thread, letting this one find the formula cells and load the directory
        # meanwhile (about a quarter of a second of a 10,000-row file's half second before its first row).
        suffix = path.suffix.lower()
        with ThreadPoolExecutor(1, "roster-reader") as reader:
            opened = reader.submit(open_sheet, path) if suffix in (".xlsx", ".xls") else None
            formulas = xlsx_formula_cells(path) if suffix == ".xlsx" else set()
            directory = Directory(villages)
            self.lines = read_rows(path, opened)
            header = _find_header(self.lines)
        if header is None:
            raise RosterError(
                f"没有找到表头：前 {HEADER_SCAN_ROWS} 行中应有一行同时含“姓名”和“身份证号”。请使用导入模板的表头。"
            )
        header_row, self.columns = header
        missing = [column for column in REQUIRED if column not in self.columns]
        if missing:
            raise RosterError(f"第{header_row}行的表头缺少必填列：{'、'.join(missing)}。请按导入模板补上这些列。")
        self.directory = directory
        self.checker = _Checker(self.directory, {k: v for k, v in self.columns.items() if k != "序号"}, formulas, today)
        self.first_seen: dict[str, int] = {}  # ID number → its row
        self.duplicated: dict[str, list[int]] = {}  # ID number → its rows, for an ID on several rows

    def rows(self) -> Iterator[_Row]:
        """The rows that passed their checks, in file order; the others leave their errors with the checker. Blank,
        total and repeated header rows are skipped; an ID number met again goes into `duplicated`."""
        columns, preview, checker = self.columns, self.preview, self.checker
        used = sorted(index for key, index in columns.items() if key != "序号")
        for number, cells in self.lines:
            if all(clean_cell(cells[i]) in (None, "") for i in used if i < len(cells)):
                continue
            if _is_total(cells, columns["姓名"]):
                continue
            if _text_at(cells, columns["姓名"]) == "姓名" and _text_at(cells, columns["身份证号"]) == "身份证号":
                continue  # the header repeated (a roster printed over several pages)
            preview.rows_total += 1
            if preview.rows_total > MAX_ROWS:
                raise RosterError(f"数据超过 {MAX_ROWS:,} 行：请拆分为几个文件分别导入。")
            row = checker.check(number, cells)
            if row is not None:
                first = self.first_seen.setdefault(row.id_number, number)
                if first != number:
                    self.duplicated.setdefault(row.id_number, [first]).append(number)
                yield row

    @property
    def is_clean(self) -> bool:
        """No row so far has an error (a plan's own errors aside)."""
        return not self.checker.errors and not self.duplicated


def roster_preview(path: Path, *, villages, today: date | None = None) -> Preview:
    """Read and check a roster file; write nothing. `villages` is the queryset of villages the rows may name."""
    today = today or timezone.localdate()
    preview = Preview()
    try:
        reading = _Reading(Path(path), villages=villages, today=today, preview=preview)
        parsed = list(reading.rows())
    except RosterError as exc:
        return Preview(errors=[Issue(None, "", str(exc))])

    if preview.rows_total == 0:
        preview.errors.append(Issue(None, "", "文件中没有数据行：请在表头下方填写名单。"))
        return preview
    checker, directory, duplicated = reading.checker, reading.directory, reading.duplicated
    preview.errors, preview.warnings = checker.errors, checker.warnings
    del reading.first_seen
    for numbers in duplicated.values():
        for number in numbers:
            others = "、".join(f"第{n}行" for n in numbers if n != number)
            preview.errors.append(Issue(number, "身份证号", f"身份证号与{others}重复：同一人只能出现一次"))
    existing = _load_existing([row.id_number for row in parsed if row.id_number not in duplicated])
    defaults = _defaults(today)
    parsed.reverse()
    while parsed:  # each row is let go once planned, so the rows and the plans are not held twice
        row = parsed.pop()
        if row.id_number not in duplicated:
            _plan(row, existing.get(row.id_number), directory, defaults, checker.shared, preview)
    del existing
    preview.errors.sort(
        key=lambda issue: (issue.row or 0, HEADERS.index(issue.column) if issue.column in HEADERS else 0)
    )
    preview.warnings.sort(key=lambda issue: issue.row or 0)
    preview.village_labels = directory.village_labels
    return preview


def _plan(
    row: _Row, current: _Existing | None, directory: Directory, defaults: tuple, shared: _Shared, preview: Preview
) -> None:
    """Merge what the row says with the member's current values; sort it into new, changed or unchanged."""
    given = row.given
    if current is not None and current.fields[_VILLAGE] not in directory.in_scope:
        preview.errors.append(
            Issue(row.row, "身份证号", "此人已登记在其他乡镇（不在您的工作范围内）：请联系组织部处理")
        )
        return
    base = current.fields if current else defaults
    values = [old if new is BLANK else new for new, old in zip(given, base, strict=True)]
    if values[_CATEGORY] == Member.Category.RESIDENT:
        if row.party_columns:
            for column in row.party_columns:
                preview.errors.append(
                    Issue(
                        row.row, column, f"只有困难党员填写{column}（此人登记为困难群众），请删去或把类别改为困难党员"
                    )
                )
            return
        values[_BRANCH] = values[_JOINED] = None
    branch_village = directory.branch_village.get(values[_BRANCH])
    if values[_BRANCH] and given[_BRANCH] is BLANK and branch_village != values[_VILLAGE]:
        values[_BRANCH] = None
        preview.warnings.append(
            Issue(row.row, "所在党支部", "村（社区）已变更，原所在党支部属于原村（社区），已清空：请在名册中补填")
        )
    current_sets = tuple(shared.ids(ids) for ids in current.sets) if current else _NO_SETS
    sets = [old if new is None else new for new, old in zip(row.sets, current_sets, strict=True)]
    if values[_MAIN_CAUSE] is not None and values[_MAIN_CAUSE] in sets[0]:
        sets[0] = shared.ids(sets[0] - {values[_MAIN_CAUSE]})
    sets = tuple(sets)

    if current is None:
        preview.new.append(PlannedRow(row.row, row.id_number, tuple(values), sets, row.surveyed_on))
        return
    changes = []
    for index, attname in enumerate(FIELDS):
        if values[index] != base[index]:
            old, new = directory.display(attname, base[index]), directory.display(attname, values[index])
            changes.append(Change(attname, old, new))
    for index, relation in enumerate(RELATIONS):
        old_ids, new_ids = current_sets[index], sets[index]
        if new_ids != old_ids:
            changes.append(
                Change(relation, directory.display_set(relation, old_ids), directory.display_set(relation, new_ids))
            )
    if not changes:
        preview.unchanged += 1
        return
    if current.status == Member.Status.REMOVED:
        preview.warnings.append(Issue(row.row, "身份证号", "此人已退出信息库：本次导入只更新其信息，不会恢复在册状态"))
    preview.changed.append(
        PlannedRow(
            row.row,
            row.id_number,
            tuple(values),
            sets,
            row.surveyed_on,
            member_id=current.pk,
            is_new=False,
            changes=tuple(changes),
        )
    )


# ---------------------------------------------------------------------------------------------------------------
# Writing


def roster_apply(*, preview: Preview, batch: ImportBatch, user=None) -> None:
    """Write a clean preview in one transaction: new members, changed members (lists in their rows), one Survey each.

    A fixed number of statements whatever the row count (see _write); the batch gets the preview's counts. The
    unique ID number stays the final guard: a member someone else added meanwhile fails the whole import
    (IntegrityError).
    """
    if not preview.is_clean:
        raise RosterError("文件有错误，未导入任何数据：请改正后重新上传。")
    now = timezone.now()
    with (
        transaction.atomic(),
        pghistory.context(user=getattr(user, "pk", None), import_batch=batch.pk),
        connection.cursor() as cursor,
    ):
        _check_constraints_now()  # through Django's cursor: pghistory sets the context variables the COPYs need
        _write(cursor, preview.new, preview.changed, batch=batch, user=user, now=now)
        _batch_imported(batch, preview, now=now)
        _check_constraints_at_commit()


def roster_write(*, path: Path, villages, batch: ImportBatch, user=None, today: date | None = None) -> Preview:
    """Check a roster file and write it in the same pass: what the confirmation and the command do.

    The rows are checked in Python while PostgreSQL writes the rows checked before them (a writer thread on the
    same connection and transaction, WRITE_CHUNK rows at a time), so the check and the write take two cores instead
    of one after the other (docs/benchmarks.md, "Checked while written"). The first row with an error stops the
    writing and everything written is rolled back: a file with errors writes nothing, and the Preview returned is
    roster_preview's, with every error of the file.
    """
    today = today or timezone.localdate()
    preview = Preview()
    try:
        reading = _Reading(Path(path), villages=villages, today=today, preview=preview)
        with transaction.atomic():
            if _write_as_read(reading, preview, batch=batch, user=user, today=today):
                return preview
            transaction.set_rollback(True)
    except RosterError as exc:
        return Preview(errors=[Issue(None, "", str(exc))])
    return roster_preview(path, villages=villages, today=today)


WRITE_CHUNK = 1000  # rows checked before they are handed over: the last chunk's write is the part not overlapped
WRITES_AHEAD = 2  # chunks handed over and not yet written: memory stays bounded when the writing is the slower


def _write_as_read(reading: "_Reading", preview: Preview, *, batch: ImportBatch, user, today: date) -> bool:
    """Check the file's rows, plan and write them a chunk at a time; True when every row was clean and is written.

    This thread does the Python (checking, planning, the COPY text) and alone changes the Preview. A writer thread
    runs the statements on the same connection, in order, while this one goes on: for each chunk it first loads the
    registry's members (and draws ids for the new ones), then, once the chunk is planned here, writes it. This
    thread does not touch the connection until the writer has stopped.
    """
    now = timezone.now()
    wrapper = connections[DEFAULT_DB_ALIAS]
    with pghistory.context(user=getattr(user, "pk", None), import_batch=batch.pk):
        _check_constraints_now()  # through Django's cursor: pghistory sets the context variables the writer needs
        chunks = _Chunks(
            reading, preview, defaults=_defaults(today), write=partial(_write, batch=batch, user=user, now=now)
        )
        writer = ThreadPoolExecutor(1, "roster-writer", initializer=_share_connection, initargs=(wrapper,))
        with _quick_switches():  # until the last chunk is written
            try:
                chunks.hand_over(writer, wrapper.connection)
            finally:
                writer.shutdown(wait=True)  # on an error here too: the connection is this thread's again after it
        for future in chunks.written:
            future.result()  # a database error (another import wrote one of these ID numbers) fails the import
        _check_constraints_at_commit()
        if not reading.is_clean or preview.errors or preview.rows_total == 0:
            return False
        preview.warnings.sort(key=lambda issue: issue.row or 0)
        preview.village_labels = reading.directory.village_labels
        _batch_imported(batch, preview, now=now)
    return True


class _Chunks:
    """The file's clean rows, WRITE_CHUNK at a time, planned and handed to the writer until the first error."""

    def __init__(self, reading: "_Reading", preview: Preview, *, defaults: tuple, write: Callable):
        self.reading, self.preview, self.defaults, self.write = reading, preview, defaults, write
        self.written: deque[Future] = deque()

    def hand_over(self, writer: ThreadPoolExecutor, raw) -> None:
        waiting = None  # (rows, the future of their registry rows) of the chunk before
        for rows in self._checked():
            loading = writer.submit(_chunk_load, raw, [row.id_number for row in rows])
            if waiting and not self._plan(writer, raw, *waiting):
                return
            waiting = (rows, loading)
            while len(self.written) > WRITES_AHEAD:
                self.written.popleft().result()
        if waiting and self.reading.is_clean:
            self._plan(writer, raw, *waiting)

    def _checked(self) -> Iterator[list[_Row]]:
        reading, chunk = self.reading, []
        for row in reading.rows():
            if not reading.is_clean:
                return
            chunk.append(row)
            if len(chunk) == WRITE_CHUNK:
                yield chunk
                chunk = []
        if chunk and reading.is_clean:
            yield chunk

    def _plan(self, writer: ThreadPoolExecutor, raw, rows: list[_Row], loading: Future) -> bool:
        """Plan a chunk against its registry rows and hand its statements over; False if a plan has an error (a
        member registered outside the importer's scope): then nothing more is written."""
        existing, ids = loading.result()
        directory, shared, part = self.reading.directory, self.reading.checker.shared, Preview()
        for row in rows:
            _plan(row, existing.get(row.id_number), directory, self.defaults, shared, part)
        if part.errors:
            self.preview.errors += part.errors
            return False
        for plan, pk in zip(part.new, ids, strict=True):
            plan.member_id = pk
        statements = _Statements()
        self.write(statements, part.new, part.changed)
        self.written.append(writer.submit(statements.run, raw))
        preview = self.preview
        preview.new += part.new
        preview.changed += part.changed
        preview.unchanged += part.unchanged
        preview.warnings += part.warnings
        return True


SWITCH_SECONDS = 0.0005  # how long the checking thread may hold the GIL while the writer waits for it


@contextmanager
def _quick_switches():
    """Let the writer thread have the GIL sooner while it writes (sys.setswitchinterval, the process's; restored).

    The writer needs the GIL for a moment after every statement and round trip, while the checking thread, pure
    Python, holds it for up to Python's default 5 ms each time: the writer (and PostgreSQL behind it) stood idle that
    long, many times per chunk. At 0.5 ms a 10,000-row import took 1.90 s instead of 2.27 (medians of four,
    interleaved; docs/benchmarks.md). Another thread of the process switches more often meanwhile, and nothing else.
    """
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, SWITCH_SECONDS))
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _share_connection(wrapper) -> None:
    """The writer thread's `connection` is the caller's (as Django's live server thread shares it): the queries it
    builds are compiled for that connection, and using it through Django there fails loudly instead of opening a
    second one outside the transaction."""
    connections[DEFAULT_DB_ALIAS] = wrapper


def _chunk_load(raw, id_numbers: list[str]) -> tuple[dict[str, "_Existing"], list[int]]:
    """In the writer thread: the registry's members with these ID numbers, and ids for the others (new members)."""
    with raw.cursor() as cursor, connection.wrap_database_errors:
        existing = _load_existing(id_numbers, cursor=cursor)
        return existing, _new_ids(cursor, Member, len(id_numbers) - len(existing))


class _Statements:
    """Stands in for a cursor while _write runs: keeps its statements, COPY input as text, for the writer thread."""

    def __init__(self):
        self.statements: list[tuple[str, list | None, str | None]] = []

    def execute(self, sql: str, params=None) -> None:
        self.statements.append((sql, params, None))

    def copy_expert(self, sql: str, source) -> None:
        self.statements.append((sql, None, "".join(iter(source.read, ""))))

    def run(self, raw) -> None:
        """In the writer thread, on the raw psycopg2 connection: the statements, in order."""
        with raw.cursor() as cursor, connection.wrap_database_errors:
            for sql, params, text in self.statements:
                if text is None:
                    cursor.execute(sql, params)
                else:
                    cursor.copy_expert(sql, io.StringIO(text), size=len(text) + 1)


def _write(cursor, new: list[PlannedRow], changed: list[PlannedRow], *, batch: ImportBatch, user, now) -> None:
    """New members, changed members and one Survey each, in a fixed number of statements whatever the row count: new
    rows by COPY straight into their tables (members with their ids drawn from the sequence first; members and
    surveys keep their lists in their own rows), changed members by one UPDATE … FROM a COPY-filled temporary table.
    The history triggers (statement-level: one history INSERT per statement, COPY included) record every row by
    themselves, under the pghistory context of the transaction, which names the user and the batch."""
    _members_create(cursor, new, batch=batch, now=now)
    _members_update(cursor, changed, batch=batch, now=now)
    _surveys_create(cursor, new + changed, batch=batch, user=user, now=now)


def _batch_imported(batch: ImportBatch, preview: Preview, *, now: datetime) -> None:
    batch.imported_at = now
    batch_record(batch, preview, status=ImportBatch.Status.IMPORTED, also=("imported_at",))


def _check_constraints_now() -> None:
    """Check foreign keys statement by statement for the bulk write, not at commit.

    Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: each written row queues a check until commit, and
    Postgres walks that growing queue again after every statement a history trigger runs, so the write slows down
    quadratically (measured on 10,000 rows with the row-level history triggers of then: 13 s instead of 6 s for new
    members, 28 s instead of 10 s for changed ones). The rows are written parents first, so checking them at once
    never fails.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _check_constraints_at_commit() -> None:
    """Back to Django's default for the rest of an enclosing transaction (every deferrable constraint here is
    INITIALLY DEFERRED)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _members_create(cursor, plans: list[PlannedRow], *, batch: ImportBatch, now: datetime) -> None:
    """COPY the new members straight into their table, with ids drawn first (COPY returns none): each plan gets its
    member's id."""
    if not plans:
        return
    if plans[0].member_id is None:  # not drawn yet (the writer thread draws them while loading the registry)
        for plan, pk in zip(plans, _new_ids(cursor, Member, len(plans)), strict=True):
            plan.member_id = pk
    _copy(
        cursor,
        Member,
        ["id", "id_number", *FIELDS, *LIST_COLUMNS],
        ((plan.member_id, plan.id_number, *plan.fields, *_int_arrays(plan.sets)) for plan in plans),
        constants={"import_batch_id": batch.pk, "created_at": now, "updated_at": now},
    )


def _members_update(cursor, plans: list[PlannedRow], *, batch: ImportBatch, now: datetime) -> None:
    """One UPDATE … FROM for the changed members, setting only the columns some row changes (and the batch), and
    moving each member's version on."""
    if not plans:
        return
    changed = {change.field for plan in plans for change in plan.changes}
    columns = [name for name in FIELDS if name in changed]
    indexes = [FIELD_INDEX[name] for name in columns]
    lists = [index for index, relation in enumerate(RELATIONS) if relation in changed]
    columns += [LIST_COLUMNS[index] for index in lists]
    pk = _quote(Member._meta.pk.column)
    rows = (
        [
            plan.member_id,
            *(plan.fields[index] for index in indexes),
            *(_int_array(sorted(plan.sets[index])) for index in lists),
        ]
        for plan in plans
    )
    stage = _stage(cursor, Member, [Member._meta.pk.column, *columns], rows)
    assignments = [f"{_quote(name)} = staged.{_quote(name)}" for name in columns]
    assignments += [f"{_quote('import_batch_id')} = %s", f"{_quote('updated_at')} = %s"]
    # A new version (optimistic locking): an edit form opened before the import is refused rather than undoing it.
    assignments += [f"{_quote('version')} = member.{_quote('version')} + 1"]
    cursor.execute(
        f"UPDATE {_table(Member)} AS member SET {', '.join(assignments)} "
        f"FROM {stage} AS staged WHERE member.{pk} = staged.{pk}",
        [batch.pk, now],
    )
    cursor.execute(f"DROP TABLE {stage}")


def _surveys_create(cursor, plans: list[PlannedRow], *, batch: ImportBatch, user, now: datetime) -> None:
    """One Survey per written member, with the member's lists at the time in its own row (lookup ids)."""
    if not plans:
        return
    rows = (
        (
            plan.member_id,
            plan.surveyed_on,
            *(plan.fields[index] for index in _SURVEY_INDEXES),
            *_int_arrays(plan.sets),
        )
        for plan in plans
    )
    constants = {
        "surveyor_id": getattr(user, "pk", None),
        "import_batch_id": batch.pk,
        "notes": f"花名册导入：{batch.file_name}"[:200],
        "created_at": now,
    }
    columns = ["member_id", "surveyed_on", *SURVEY_FIELDS, *LIST_COLUMNS]
    _copy(cursor, Survey, columns, rows, constants=constants)


def _int_arrays(sets) -> list[str]:
    """A planned row's lists (RELATIONS order) as the array texts of their columns."""
    return [_int_array(sorted(ids)) for ids in sets]


def _new_ids(cursor, model, count: int) -> list[int]:
    """`count` ids from the table's own sequence, in one statement."""
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [model._meta.db_table, model._meta.pk.column, count],
    )
    return [row[0] for row in cursor.fetchall()]


def _copy(cursor, model, columns: list[str], rows, *, constants: dict) -> None:
    """COPY `rows` (values for `columns`) straight into the model's table, `constants` on every row.

    The columns neither given nor in `constants` take their field's default, as Model.save would (the primary key
    its sequence, unless given). The statement-level history triggers fire for COPY as for INSERT; COPY does not go
    through Django's cursor, so pghistory's context variables must already be set in the transaction (roster_apply
    runs a statement through Django's cursor first).
    """
    constants = _with_defaults(model, columns, constants)
    names = ", ".join(_quote(name) for name in [*columns, *constants])
    suffix = "".join("\t" + _copy_text(value) for value in constants.values())
    with connection.wrap_database_errors:
        cursor.copy_expert(f"COPY {_table(model)} ({names}) FROM STDIN", _CopySource(rows, suffix))


def _with_defaults(model, columns: list[str], constants: dict) -> dict:
    """`constants` and the default of every other column not in `columns` (the primary key aside)."""
    constants = dict(constants)
    for model_field in model._meta.concrete_fields:
        if not model_field.primary_key and model_field.attname not in columns and model_field.attname not in constants:
            constants[model_field.attname] = model_field.get_default()
    return constants


def _stage(cursor, model, columns: list[str], rows) -> str:
    """A temporary table with these columns of the model's table (same types), filled with `rows` by COPY."""
    name = f"roster_stage_{model._meta.model_name}"
    names = ", ".join(map(_quote, columns))
    cursor.execute(f"CREATE TEMPORARY TABLE {name} ON COMMIT DROP AS SELECT {names} FROM {_table(model)} WITH NO DATA")
    with connection.wrap_database_errors:
        cursor.copy_expert(f"COPY {name} ({names}) FROM STDIN", _CopySource(rows))
    return name


class _CopySource:
    """COPY's input in COPY's text format, made from the rows a piece at a time as psycopg2 reads it: the whole text
    of a large import is never held at once."""

    LINES_PER_READ = 2000

    def __init__(self, rows, suffix: str = ""):
        end = suffix + "\n"  # what every line ends with: the constants' text
        escapes = _COPY_ESCAPES  # _copy_text, inline: this runs for every value written
        self.lines = (
            "\t".join(["\\N" if v is None else v.translate(escapes) if isinstance(v, str) else str(v) for v in row])
            + end
            for row in rows
        )

    def read(self, size: int = -1) -> str:
        return "".join(islice(self.lines, self.LINES_PER_READ))  # psycopg2 sends whatever length it gets; "" ends


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """A value as COPY's text format reads it: \\N for NULL; str of an int, Decimal or date is exact."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    return str(value)


def _int_array(values) -> str:
    return "{" + ",".join(map(str, values)) + "}"


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _table(model) -> str:
    return _quote(model._meta.db_table)


# ---------------------------------------------------------------------------------------------------------------
# Batches: the stored file, the preview's counts, the confirmation


def stored_path(batch: ImportBatch) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / f"{batch.pk}{Path(batch.file_name).suffix.lower()}"


def batch_create(*, upload, user) -> ImportBatch:
    """An ImportBatch for an uploaded file; the file is stored under MEDIA_ROOT/imports/ and hashed as it is written."""
    with transaction.atomic():
        batch = ImportBatch.objects.create(file_name=Path(upload.name).name[:255], sha256="", uploaded_by=user)
        path = stored_path(batch)
        path.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with open(path, "wb") as out:
            for chunk in upload.chunks():
                digest.update(chunk)
                out.write(chunk)
        batch.sha256 = digest.hexdigest()
        batch.save(update_fields=["sha256"])
    return batch


def batch_record(
    batch: ImportBatch, preview: Preview, *, status: str | None = None, also: tuple[str, ...] = ()
) -> None:
    """Keep a preview's counts on its batch; a batch whose file has errors is marked as such (or `status`, with the
    fields in `also` saved too)."""
    counts = preview.counts()
    for name, value in counts.items():
        setattr(batch, name, value)
    clean = ImportBatch.Status.PREVIEWED if preview.is_clean else ImportBatch.Status.REJECTED
    batch.status = status or clean
    batch.save(update_fields=[*counts, "status", *also])


def roster_confirm(*, batch: ImportBatch, villages, user) -> Preview:
    """Import a previewed batch: its stored file is read and checked again, and written only if still clean.

    The batch row is locked first, so two confirmations of one batch (a double click, two tabs) import it once.
    A file whose sha256 differs from the upload's is refused. With errors, nothing is written and they are returned.
    """
    path = stored_path(batch)
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status == ImportBatch.Status.IMPORTED:
            raise RosterError("该批次已经导入，不能重复导入。")
        if not path.exists() or file_sha256(path) != locked.sha256:
            raise RosterError("文件与预览时不一致（已被改动或删除），未导入任何数据：请重新上传。")
        preview = roster_write(path=path, villages=villages, batch=locked, user=user)
        if not preview.is_clean:
            batch_record(locked, preview)
            return preview
    batch.refresh_from_db()
    return preview


def roster_import(*, path: Path, villages, user=None) -> tuple[Preview, ImportBatch | None]:
    """Check and, when clean, import a file in one go (the management command): no batch when there are errors."""
    path = Path(path)
    with transaction.atomic():
        batch = ImportBatch.objects.create(file_name=path.name[:255], sha256=file_sha256(path), uploaded_by=user)
        preview = roster_write(path=path, villages=villages, batch=batch, user=user)
        if not preview.is_clean:
            transaction.set_rollback(True)
            return preview, None
    return preview, batch


# ---------------------------------------------------------------------------------------------------------------
# The template


COLUMN_NOTES = {
    "序号": "选填，导入时不读取。",
    "姓名": "必填。",
    "性别": "选填：男、女；填写时须与身份证号一致。",
    "身份证号": "必填，18 位。此列须为“文本”格式，否则 Excel 会把号码变成科学计数法并丢失后几位。",
    "出生日期": "选填，如 1968-05-12；须与身份证号一致。",
    "民族": "选填，空白按汉族。",
    "联系电话": "选填：11 位手机号，或带区号的固定电话（如 0838-5221234）。",
    "乡镇": "必填：乡镇（街道）全称，如“三星堆镇”。",
    "村(社区)": "必填：须为该乡镇的村（社区），名称见“村（社区）及党支部”表。",
    "类别": "困难党员、困难群众；空白按困难党员。",
    "城乡": "农村、城镇。",
    "家庭人口": "整数，至少 1。",
    "家庭年人均收入": "单位：元，最多两位小数，如 3200 或 3200.50。",
    "低保类型": "无、农村低保、城市低保、特困供养。",
    "健康状况": "、".join(CHOICES["健康状况"][1]) + "。",
    "劳动能力": "、".join(CHOICES["劳动能力"][1]) + "。",
    "致贫原因": "可填多项，用顿号“、”分隔；第一项为主要致贫原因，最多 3 项。",
    "生存技能": "可填多项，用顿号“、”分隔。",
    "致富愿景": "可填多项，用顿号“、”分隔。",
    "入党时间": "仅困难党员填写，如 1990-07-01 或 1990-07。",
    "所在党支部": "仅困难党员填写，须为本村（社区）的党支部。",
    "登记日期": "进入信息库的日期，如 2016-07-21；空白按导入当天。",
    "备注": "选填。",
}
GENERAL_NOTES = [
    "表头须在前 10 行内，列的顺序不限，多出的列不读取；表头上方的标题行、表格末尾的合计行会自动跳过。",
    "身份证号已在信息库中的，按本表更新此人信息（预览时列出变化）；空白单元格保留信息库中原有的内容。",
    "单元格不能含公式：请先“选择性粘贴为数值”。",
    "上传后先预览，没有错误时才能确认导入；导入一次完成，出错时不写入任何数据。",
]
_HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")
_TEMPLATE_ROWS = 2000


def roster_template(villages) -> Workbook:
    """The import template: the header row, one example row, text-formatted ID and phone columns, drop-down lists
    for the choice columns, and the allowed values and the user's villages on two more sheets."""
    village = villages.select_related("town").filter(is_active=True).order_by("code").first()
    branch = village.branches.filter(is_active=True).order_by("name").first() if village else None
    example = {
        "序号": 1,
        "姓名": "张三",
        "性别": "男",
        "身份证号": idnumber.make("510681", date(1968, 5, 12), 21, "male"),
        "出生日期": "1968-05-12",
        "民族": "汉族",
        "联系电话": "13812345678",
        "乡镇": village.town.name if village else "三星堆镇",
        "村(社区)": village.name if village else "三星村",
        "类别": "困难党员",
        "城乡": "农村",
        "家庭人口": 4,
        "家庭年人均收入": 3200.5,
        "低保类型": "农村低保",
        "健康状况": "长期慢性病",
        "劳动能力": "普通劳动力",
        "致贫原因": "缺技术、缺资金",
        "生存技能": "蔬菜种植",
        "致富愿景": "种植、养殖",
        "入党时间": "1990-07-01",
        "所在党支部": branch.name if branch else "",
        "登记日期": "",
        "备注": EXAMPLE_NOTE,
    }
    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws.append(HEADERS)
    ws.append([example[header] for header in HEADERS])
    ws.freeze_panes = "A2"
    text_columns = {"身份证号", "出生日期", "联系电话", "入党时间", "登记日期"}
    for index, header in enumerate(HEADERS, start=1):
        letter = get_column_letter(index)
        head = ws.cell(row=1, column=index)
        head.font = Font(bold=True)
        head.fill = _HEADER_FILL
        head.alignment = Alignment(horizontal="center")
        ws.column_dimensions[letter].width = 22 if header == "身份证号" else max(10, len(header) * 2 + 4)
        if header in text_columns:
            ws.column_dimensions[letter].number_format = "@"  # typed IDs stay text, not 5.10681E+17
            ws.cell(row=2, column=index).number_format = "@"
        if header in CHOICES:
            rule = DataValidation(type="list", formula1='"' + ",".join(CHOICES[header][1]) + '"', allow_blank=True)
            rule.error = f"请从下拉列表中选择{header}"
            rule.add(f"{letter}2:{letter}{_TEMPLATE_ROWS + 1}")
            ws.add_data_validation(rule)
    ws.cell(row=2, column=HEADERS.index("家庭年人均收入") + 1).number_format = "0.00"

    notes = wb.create_sheet("填写说明")
    bold = Font(bold=True)

    def heading(*titles):
        notes.append(list(titles))
        for cell in notes[notes.max_row]:
            cell.font = bold

    heading("列", "是否必填", "填写说明")
    for header in HEADERS:
        notes.append([header, "必填" if header in REQUIRED else "", COLUMN_NOTES[header]])
    notes.append([])
    heading("可填写的值")
    for header in ("类别", "城乡", "低保类型", "健康状况", "劳动能力"):
        notes.append([header, "", "、".join(CHOICES[header][1])])
    for header, model in (("致贫原因", PovertyCause), ("生存技能", Skill), ("致富愿景", Industry)):
        names = model.objects.filter(is_active=True).order_by("order", "code").values_list("name", flat=True)
        notes.append([header, "", "、".join(names)])
    notes.append([])
    heading("注意事项")
    for line in GENERAL_NOTES:
        notes.append(["", "", line])
    for letter, width in (("A", 16), ("B", 10), ("C", 100)):
        notes.column_dimensions[letter].width = width

    directory = wb.create_sheet("村（社区）及党支部")
    directory.append(["乡镇", "村(社区)", "党支部"])
    for cell in directory[1]:
        cell.font = Font(bold=True)
    branches = defaultdict(list)
    for village_id, name in PartyBranch.objects.filter(village__in=villages, is_active=True).values_list(
        "village_id", "name"
    ):
        branches[village_id].append(name)
    for pk, town, name in villages.filter(is_active=True).order_by("code").values_list("pk", "town__name", "name"):
        directory.append([town, name, "、".join(sorted(branches[pk]))])
    for letter, width in (("A", 14), ("B", 18), ("C", 40)):
        directory.column_dimensions[letter].width = width
    return wb
