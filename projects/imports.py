"""Imports of project lists (项目清单) and pair lists (党员帮户结对名单), with the roster import's care for bad rows.

    project_preview(path, user=...)   read and check a project list; writes nothing → Preview
    project_apply(preview, user=...)  write a clean preview: new projects (推荐, recommended by the user) and changes
    pair_preview(path, user=...)      read and check a pair list; writes nothing → Preview
    pair_apply(preview, user=...)     write a clean preview: new pairs and hand-overs (名单导入交接)
    store_upload / confirm            the pages' flow: the stored file is re-read and re-checked on confirmation and
                                      written only if its sha256 is the one the user previewed
    project_template / pair_template  the .xlsx templates

Reading (the first sheet, title rows above the header, 合计 rows, full-width text, formula cells) and the cell
parsers come from members/roster.py. Every problem is an Issue with the Excel row, the column and what to fix.
Key projects (重点) are never imported: choosing them stays the 敲定 workflow.
"""

import re
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pghistory
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from guanghan import access
from guanghan.lib import idnumber, uploads
from guanghan.lib.masking import mask_id_number
from guanghan.models import Cadre, Department, Industry, Town, Village
from members.models import Member
from members.roster import (
    FORMULA_MESSAGE,
    HEADER_SCAN_ROWS,
    MAX_BYTES,
    MAX_ROWS,
    TOTAL_WORDS,
    CellError,
    Issue,
    RosterError,
    check_text,
    clean_cell,
    file_sha256,
    nearest,
    parse_date,
    parse_id,
    parse_phone,
    read_rows,
    xlsx_formula_cells,
)
from projects.models import HouseholdPairing, Project

HAND_OVER_REASON = "名单导入交接"
EXAMPLE_NOTE = "示例行：导入前请删除此行"
YES = {"是", "√", "✓", "✔", "Y", "y"}
NO = {"否", "×", "✗", "N", "n"}


class ImportFileError(Exception):
    """A problem with the file or the confirmation as a whole, in Chinese."""


@dataclass(slots=True)
class Change:
    label: str
    old: str
    new: str


@dataclass(slots=True)
class Planned:
    """A clean row: what it is about, and what the import will do with it."""

    row: int
    label: str
    summary: str = ""
    changes: list[Change] = field(default_factory=list)
    pk: int | None = None  # the existing project, or the pair to end
    values: dict = field(default_factory=dict)


@dataclass
class Preview:
    rows_total: int = 0
    new: list[Planned] = field(default_factory=list)
    changed: list[Planned] = field(default_factory=list)
    unchanged: int = 0
    errors: list[Issue] = field(default_factory=list)

    @property
    def error_rows(self) -> int:
        return len({issue.row for issue in self.errors if issue.row is not None})

    @property
    def is_clean(self) -> bool:
        return not self.errors and self.rows_total > 0


# ---------------------------------------------------------------------------------------------------------------
# Reading a table


@dataclass(frozen=True)
class Layout:
    headers: tuple[str, ...]
    required: tuple[str, ...]
    aliases: dict[str, str]

    def key(self, value) -> str | None:
        """The template column a header cell names (村（社区）, 村(社区) and 预期年增收（万元） alike), or None."""
        text = clean_cell(value) if isinstance(value, str) else None
        if not text:
            return None
        text = re.sub(r"\s+", "", text).replace("（", "(").replace("）", ")").strip("*")
        text = self.aliases.get(text, text)
        if text not in self.headers:
            text = re.sub(r"\([^()]*\)$", "", text)  # a unit or a gloss: 预期年增收(万元), 特色产品(一村一品)
            text = self.aliases.get(text, text)
        return text if text in self.headers else None


class _Cells:
    """One row's cells by column, each problem kept with its column."""

    def __init__(self, number: int, cells: list, columns: dict[str, int], formulas: set):
        self.number, self.cells, self.columns, self.formulas = number, cells, columns, formulas
        self.errors: list[Issue] = []

    def error(self, column: str, message: str) -> None:
        self.errors.append(Issue(self.number, column, message))

    def has(self, column: str) -> bool:
        return column in self.columns

    def get(self, column: str, parse: Callable | None = None, *, required: bool = False):
        """The parsed value, or None when the cell is blank, the column absent or the value wrong (reported)."""
        index = self.columns.get(column)
        if index is None:
            return None
        value = clean_cell(self.cells[index]) if index < len(self.cells) else None
        try:
            negative = parse in NUMBER_PARSERS and isinstance(value, str) and value.startswith("-")
            if (self.number, index) in self.formulas or (uploads.looks_like_formula(value) and not negative):
                raise CellError(FORMULA_MESSAGE)
            if isinstance(value, str):
                check_text(value)
            if value is None:
                if required:
                    raise CellError(f"请填写{column}")
                return None
            return parse(value) if parse else as_text(value)
        except CellError as exc:
            self.error(column, str(exc))
            return None


def as_text(value) -> str:
    """A cell as text with its spaces tidied; a number cell without its ".0" (an infinity, as a cell beyond Excel's
    largest number reads, stays as it is)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", str(value)).strip()


def _squeezed(value) -> str:
    return re.sub(r"\s+", "", as_text(value))


def _is_total(cells: list) -> bool:
    first = next((clean_cell(value) for value in cells if clean_cell(value) is not None), None)
    return isinstance(first, str) and re.sub(r"\s+", "", first).startswith(TOTAL_WORDS)


def _read_table(path: Path, layout: Layout):
    """(the columns found, the data rows as _Cells). Raises ImportFileError / RosterError for the file as a whole."""
    try:
        uploads.check_spreadsheet(path, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    except uploads.UploadError as exc:
        raise ImportFileError(str(exc)) from None
    formulas = xlsx_formula_cells(path) if path.suffix.lower() == ".xlsx" else set()
    rows = read_rows(path)
    columns: dict[str, int] = {}
    for number, cells in rows:
        found: dict[str, int] = {}
        for index, value in enumerate(cells):
            key = layout.key(value)
            if key and key not in found:
                found[key] = index
        if sum(key in found for key in layout.required) >= 2:
            columns = found
            break
        if number >= HEADER_SCAN_ROWS:
            break
    if not columns:
        raise ImportFileError(
            f"没有找到表头：前 {HEADER_SCAN_ROWS} 行中应有一行含“{'”“'.join(layout.required)}”。请使用导入模板的表头。"
        )
    missing = [column for column in layout.required if column not in columns]
    if missing:
        raise ImportFileError(f"表头缺少必填列：{'、'.join(missing)}。请按导入模板补上这些列。")
    used = sorted(columns.values())
    body = []
    for number, cells in rows:
        values = [clean_cell(cells[i]) if i < len(cells) else None for i in used]
        if all(value in (None, "") for value in values) or _is_total(cells):
            continue
        if sum(layout.key(value) is not None for value in values) >= len(used) // 2 + 1:
            continue  # the header repeated (a list printed over several pages)
        body.append(_Cells(number, cells, columns, formulas))
        if len(body) > MAX_ROWS:
            raise ImportFileError(f"数据超过 {MAX_ROWS:,} 行：请拆分为几个文件分别导入。")
    if not body:
        raise ImportFileError("文件中没有数据行：请在表头下方填写。")
    return columns, body


def _checked(path: Path, layout: Layout, check: Callable) -> Preview:
    """Read the file and run `check(columns, rows, preview)`; a problem with the whole file is one error."""
    try:
        columns, rows = _read_table(Path(path), layout)
    except (ImportFileError, RosterError) as exc:
        return Preview(errors=[Issue(None, "", str(exc))])
    preview = Preview(rows_total=len(rows))
    check(columns, rows, preview)
    order = {column: index for index, column in enumerate(layout.headers)}
    preview.errors.sort(key=lambda issue: (issue.row or 0, order.get(issue.column, 0)))
    return preview


def _duplicates(keys: dict, preview: Preview, column: str, what: str) -> set:
    """An error on every row of a key given more than once; answers those keys."""
    repeated = {key for key, numbers in keys.items() if len(numbers) > 1}
    for key in repeated:
        numbers = keys[key]
        for number in numbers:
            others = "、".join(f"第{n}行" for n in numbers if n != number)
            preview.errors.append(Issue(number, column, f"{what}与{others}重复：同一{what}只能出现一次"))
    return repeated


# ---------------------------------------------------------------------------------------------------------------
# Cell parsers


def parse_year(value) -> int:
    text = as_text(value).removesuffix("年")
    if not re.fullmatch(r"\d{4}", text):
        raise CellError(f"年度“{as_text(value)}”应为四位年份，如 2016")
    year = int(text)
    latest = timezone.localdate().year + 5
    if not 2000 <= year <= latest:
        raise CellError(f"年度 {year} 不合理，应在 2000 到 {latest} 之间")
    return year


def parse_maturity(value) -> int:
    text = as_text(value)
    if not re.fullmatch(r"\d+", text) or not 1 <= int(text) <= 5:
        raise CellError(f"成熟度“{text}”应为 1 到 5 的整数（5 为最成熟）")
    return int(text)


def parse_benefit(value) -> Decimal:
    """万元 with at most two decimals, never through float arithmetic."""
    if isinstance(value, bool):
        raise CellError("预期年增收应为数字（万元），如 12.5")
    if isinstance(value, float):
        text = repr(value)
    else:
        text = re.sub(r"[,，\s]", "", str(value)).removesuffix("万元").removesuffix("万").lstrip("￥¥")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise CellError(f"预期年增收“{value}”不是数字，请填写金额（万元），如 12.5") from None
    if not amount.is_finite():
        raise CellError(f"预期年增收“{value}”不是数字，请填写金额（万元），如 12.5")
    if amount < 0:
        raise CellError("预期年增收不能为负数")
    if amount >= Decimal(10) ** 10:  # before quantize, which fails on numbers beyond Decimal's precision
        raise CellError(f"预期年增收“{value}”过大，请核对（单位：万元）")
    if amount != amount.quantize(Decimal("0.01")):
        raise CellError(f"预期年增收“{value}”最多保留两位小数（单位：万元）")
    return amount.quantize(Decimal("0.01"))


NUMBER_PARSERS = (parse_benefit,)  # a leading minus there is a negative amount, not a formula


def parse_flag(column: str) -> Callable:
    def parse(value) -> bool:
        text = _squeezed(value)
        if text in YES:
            return True
        if text in NO:
            return False
        raise CellError(f"{column}“{value}”请填写“是”“否”或“√”，不是可留空")

    return parse


def _text(limit: int, column: str) -> Callable:
    def parse(value) -> str:
        text = as_text(value)
        if len(text) > limit:
            raise CellError(f"{column}过长（最多 {limit} 个字）")
        return text

    return parse


def _unknown(kind: str, name: str, candidates) -> str:
    guess = nearest(name, candidates)
    return f"未知的{kind}“{name}”，是否为“{guess}”？" if guess else f"未知的{kind}“{name}”，请核对名称"


class _Departments:
    """Departments by full or short name (active ones)."""

    def __init__(self):
        self.by_name: dict[str, int] = {}
        self.short: dict[int, str] = {}
        for pk, name, short_name, active in Department.objects.values_list("pk", "name", "short_name", "is_active"):
            self.short[pk] = short_name
            if active:
                self.by_name[name] = self.by_name[short_name] = pk

    def parse(self, value) -> int:
        name = _squeezed(value)
        if name not in self.by_name:
            raise CellError(_unknown("部门", name, self.by_name))
        return self.by_name[name]


# ---------------------------------------------------------------------------------------------------------------
# Project lists


PROJECT_LAYOUT = Layout(
    headers=(
        *("年度", "乡镇", "村(社区)", "项目名称", "产业", "特色产品", "成熟度", "预期年增收", "帮扶部门"),
        *("党员创业示范基地", "困难群众项目", "项目说明"),
    ),
    required=("年度", "乡镇", "村(社区)", "项目名称", "产业"),
    aliases={
        "村": "村(社区)",
        "社区": "村(社区)",
        "村/社区": "村(社区)",
        "乡镇(街道)": "乡镇",
        "年份": "年度",
        "项目": "项目名称",
        "所属产业": "产业",
        "一村一品": "特色产品",
        "示范基地": "党员创业示范基地",
        "群众项目": "困难群众项目",
        "困难群众帮扶项目": "困难群众项目",
        "部门": "帮扶部门",
        "说明": "项目说明",
        "备注": "项目说明",
    },
)
# column → the Project attname it sets, in the order changes are listed
PROJECT_FIELDS = {
    "产业": "industry_id",
    "特色产品": "product",
    "成熟度": "maturity",
    "预期年增收": "expected_benefit",
    "帮扶部门": "department_id",
    "党员创业示范基地": "is_demo_base",
    "困难群众项目": "for_residents",
    "项目说明": "description",
}
PROJECT_DEFAULTS = {
    "product": "",
    "maturity": 3,
    "expected_benefit": Decimal("0.00"),
    "department_id": None,
    "is_demo_base": False,
    "for_residents": False,
    "description": "",
}


class _ProjectDirectory:
    """Towns, villages, industries and departments, read in a fixed number of queries."""

    def __init__(self, user):
        self.towns = set(Town.objects.values_list("name", flat=True))
        self.villages: dict[tuple[str, str], tuple[int, bool]] = {}
        self.village_names: dict[str, list[str]] = defaultdict(list)
        self.labels: dict[int, str] = {}
        for pk, name, town, active in Village.objects.values_list("pk", "name", "town__name", "is_active"):
            self.villages[town, name] = (pk, active)
            self.village_names[town].append(name)
            self.labels[pk] = f"{town}{name}"
        self.in_scope = set(access.villages_visible_to(user).values_list("pk", flat=True))
        self.industries: dict[str, int] = {}
        self.industry_names: dict[int, str] = {}
        for pk, name, active in Industry.objects.values_list("pk", "name", "is_active"):
            self.industry_names[pk] = name
            if active:
                self.industries[name] = pk
        self.departments = _Departments()

    def industry(self, value) -> int:
        name = _squeezed(value)
        if name not in self.industries:
            raise CellError(_unknown("产业", name, self.industries))
        return self.industries[name]

    def village(self, row: _Cells) -> int | None:
        town, village = row.get("乡镇", _squeezed, required=True), row.get("村(社区)", _squeezed, required=True)
        if town is None or village is None:
            return None
        if town not in self.towns:
            row.error("乡镇", _unknown("乡镇", town, self.towns))
            return None
        found = self.villages.get((town, village))
        if found is None:
            row.error("村(社区)", _unknown("村（社区）", village, self.village_names.get(town, [])))
            return None
        pk, active = found
        if not active:
            row.error("村(社区)", f"“{village}”已撤并停用，请填写合并后的村（社区）")
            return None
        if pk not in self.in_scope:
            row.error("村(社区)", f"{town}{village}不在您的工作范围内，不能导入")
            return None
        return pk

    def display(self, attname: str, value) -> str:
        if value is None or value == "":
            return "（空）"
        if attname == "industry_id":
            return self.industry_names.get(value, str(value))
        if attname == "department_id":
            return self.departments.short.get(value, str(value))
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, Decimal):
            return f"{value:.2f}"
        return str(value)


def _project_label(attname: str) -> str:
    return str(Project._meta.get_field(attname.removesuffix("_id")).verbose_name)


def project_preview(path: Path, *, user) -> Preview:
    """Read and check a project list for `user` (rows may name only the villages the user sees); write nothing."""

    def check(columns, rows, preview):
        directory = _ProjectDirectory(user)
        parsers = {
            "产业": directory.industry,
            "特色产品": _text(40, "特色产品"),
            "成熟度": parse_maturity,
            "预期年增收": parse_benefit,
            "帮扶部门": directory.departments.parse,
            "党员创业示范基地": parse_flag("党员创业示范基地"),
            "困难群众项目": parse_flag("困难群众项目"),
            "项目说明": _text(2000, "项目说明"),
        }
        parsed, keys = [], defaultdict(list)
        for row in rows:
            year = row.get("年度", parse_year, required=True)
            village_id = directory.village(row)
            name = row.get("项目名称", _text(80, "项目名称"), required=True)
            given = {}
            for column, attname in PROJECT_FIELDS.items():
                value = row.get(column, parsers[column], required=column == "产业")
                if value is None and attname.startswith(("is_", "for_")) and row.has(column):
                    value = False  # a blank 是/否 cell is 否
                if value is not None:
                    given[attname] = value
            if given.get("description") == EXAMPLE_NOTE:
                row.error("项目说明", "这是模板中的示例行，请删除后再导入")
            if row.errors:
                preview.errors.extend(row.errors)
                continue
            key = (village_id, year, name)
            keys[key].append(row.number)
            parsed.append((row.number, key, given))
        repeated = _duplicates(keys, preview, "项目名称", "村、年度和项目名称")
        existing = {
            (p["village_id"], p["year"], p["name"]): p
            for p in Project.objects.filter(
                village_id__in={key[0] for _, key, _ in parsed}, year__in={key[1] for _, key, _ in parsed}
            ).values("pk", "village_id", "year", "name", *PROJECT_FIELDS.values())
        }
        for number, key, given in parsed:
            if key in repeated:
                continue
            village_id, year, name = key
            label = f"{directory.labels[village_id]} {year} 年 {name}"
            current = existing.get(key)
            if current is None:
                values = {**PROJECT_DEFAULTS, **given, "village_id": village_id, "year": year, "name": name}
                summary = f"产业：{directory.display('industry_id', values['industry_id'])}"
                if values["department_id"]:
                    summary += f"；帮扶部门：{directory.display('department_id', values['department_id'])}"
                preview.new.append(Planned(number, label, summary, values=values))
                continue
            changes = [
                Change(_project_label(a), directory.display(a, current[a]), directory.display(a, v))
                for a, v in given.items()
                if v != current[a]
            ]
            if changes:
                values = {a: v for a, v in given.items() if v != current[a]}
                preview.changed.append(Planned(number, label, changes=changes, pk=current["pk"], values=values))
            else:
                preview.unchanged += 1

    return _checked(path, PROJECT_LAYOUT, check)


def project_apply(preview: Preview, *, user, file_name: str = "") -> None:
    """Write a clean preview in one transaction: one INSERT for the new projects, bulk UPDATEs for the changed.

    New projects are 推荐 (recommended) by `user`; key status is left alone. The unique (village, year, name)
    constraint is the last guard against a project someone else added meanwhile (IntegrityError: nothing written).
    """
    if not preview.is_clean:
        raise ImportFileError("文件有错误，未导入任何数据：请改正后重新上传。")
    with transaction.atomic(), pghistory.context(user=user.pk, import_file=file_name):
        Project.objects.bulk_create(
            [Project(**plan.values, status=Project.Status.RECOMMENDED, recommended_by=user) for plan in preview.new],
            batch_size=1000,
        )
        by_fields = defaultdict(list)
        for plan in preview.changed:
            by_fields[tuple(sorted(plan.values))].append(Project(pk=plan.pk, **plan.values))
        for fields, projects in by_fields.items():
            Project.objects.bulk_update(projects, [name.removesuffix("_id") for name in fields], batch_size=1000)


# ---------------------------------------------------------------------------------------------------------------
# Pair lists (党员帮户)


PAIR_LAYOUT = Layout(
    headers=("帮扶干部", "干部电话", "所在部门", "对象姓名", "对象身份证号", "结对日期"),
    required=("帮扶干部", "对象姓名", "对象身份证号"),
    aliases={
        "干部姓名": "帮扶干部",
        "帮扶责任人": "帮扶干部",
        "联系电话": "干部电话",
        "电话": "干部电话",
        "部门": "所在部门",
        "单位": "所在部门",
        "帮扶对象": "对象姓名",
        "姓名": "对象姓名",
        "身份证号": "对象身份证号",
        "身份证号码": "对象身份证号",
        "对象身份证号码": "对象身份证号",
        "开始日期": "结对日期",
    },
)


class _Cadres:
    def __init__(self):
        self.by_phone: dict[str, dict] = {}
        self.by_name: dict[tuple[int, str], list[dict]] = defaultdict(list)
        self.names: dict[int, list[str]] = defaultdict(list)
        self.by_pk: dict[int, dict] = {}
        for cadre in Cadre.objects.values("pk", "name", "department_id", "phone", "is_active"):
            self.by_pk[cadre["pk"]] = cadre
            if cadre["phone"]:
                self.by_phone[cadre["phone"]] = cadre
            if cadre["department_id"]:
                self.by_name[cadre["department_id"], cadre["name"]].append(cadre)
                self.names[cadre["department_id"]].append(cadre["name"])


def _cadre(row: _Cells, cadres: _Cadres, departments: _Departments, user) -> dict | None:
    """The row's cadre: by phone, else by department and name; for department staff, one of its own."""
    name = row.get("帮扶干部", _squeezed, required=True)
    phone = row.get("干部电话", parse_phone)
    department_id = row.get("所在部门", departments.parse)
    if row.errors or name is None:
        return None
    cadre = cadres.by_phone.get(phone) if phone else None
    if cadre and cadre["name"] != name:
        row.error("干部电话", f"电话 {phone} 登记的干部是“{cadre['name']}”，表中为“{name}”，请核对")
        return None
    if cadre is None:
        if department_id is None:
            row.error(
                "所在部门", f"没有找到电话为 {phone} 的干部：请填写所在部门" if phone else "请填写所在部门或干部电话"
            )
            return None
        found = cadres.by_name.get((department_id, name), [])
        if not found:
            where = departments.short[department_id]
            guess = nearest(name, cadres.names.get(department_id, []))
            row.error("帮扶干部", f"{where}没有干部“{name}”" + (f"，是否为“{guess}”？" if guess else "，请核对姓名"))
            return None
        if len(found) > 1:
            row.error("干部电话", f"{departments.short[department_id]}有 {len(found)} 名干部叫“{name}”：请填写干部电话")
            return None
        cadre = found[0]
    elif department_id is not None and cadre["department_id"] != department_id:
        actual = departments.short.get(cadre["department_id"], "（未设部门）")
        row.error("所在部门", f"{name}登记在{actual}，表中为{departments.short[department_id]}，请核对")
        return None
    if not cadre["is_active"]:
        row.error("帮扶干部", f"{name}已登记为不在职，不能结对")
        return None
    if not access.is_city_wide(user) and cadre["department_id"] != user.department_id:
        row.error("帮扶干部", f"{name}不是本部门的干部：只能导入本部门干部的结对")
        return None
    return cadre


def _members_in_scope(user, ids) -> set[int]:
    members = Member.objects.filter(pk__in=ids)
    if access.is_city_wide(user):
        return set(ids)
    visible = set(access.scope(user, members).values_list("pk", flat=True))
    return visible | set(access.scope_people(user, members).values_list("pk", flat=True))


def pair_preview(path: Path, *, user, today: date | None = None) -> Preview:
    """Read and check a pair list for `user`; write nothing."""
    today = today or timezone.localdate()

    def check(columns, rows, preview):
        cadres, departments = _Cadres(), _Departments()
        parsed, keys = [], defaultdict(list)
        city_wide = access.is_city_wide(user)
        for row in rows:
            cadre = _cadre(row, cadres, departments, user)
            member_name = row.get("对象姓名", _squeezed, required=True)
            ident = row.get("对象身份证号", lambda v: parse_id(v, today), required=True)
            started = row.get("结对日期", parse_date)
            if started and started[0] > today:
                row.error("结对日期", "结对日期不能晚于今天")
            if row.errors:
                preview.errors.extend(row.errors)
                continue
            keys[ident.value].append(row.number)
            parsed.append((row.number, cadre, member_name, ident.value, started[0] if started else today))
        repeated = _duplicates(keys, preview, "对象身份证号", "对象")
        members = {
            m["id_number"]: m
            for m in Member.objects.filter(id_number__in=[p[3] for p in parsed]).values(
                "pk", "id_number", "name", "status"
            )
        }
        in_scope = _members_in_scope(user, [m["pk"] for m in members.values()])
        active = {
            p["member_id"]: p
            for p in HouseholdPairing.objects.filter(member_id__in=in_scope, ended_on__isnull=True).values(
                "pk", "member_id", "cadre_id", "started_on"
            )
        }

        def who(cadre_id):
            cadre = cadres.by_pk[cadre_id]
            return f"{cadre['name']}（{departments.short.get(cadre['department_id'], '未设部门')}）"

        for number, cadre, member_name, id_number, started_on in parsed:
            if id_number in repeated:
                continue
            member = members.get(id_number)
            masked = mask_id_number(id_number)
            if member is None:
                message = f"信息库中没有身份证号为 {masked} 的对象：请先通过花名册导入此人"
                preview.errors.append(Issue(number, "对象身份证号", message))
                continue
            if member["name"] != member_name:
                message = f"身份证号 {masked} 在信息库中登记为“{member['name']}”，表中为“{member_name}”，请核对"
                preview.errors.append(Issue(number, "对象姓名", message))
                continue
            if member["pk"] not in in_scope:
                preview.errors.append(Issue(number, "对象身份证号", f"{member_name}不在您的工作范围内，不能结对"))
                continue
            if member["status"] == Member.Status.REMOVED:
                preview.errors.append(Issue(number, "对象身份证号", f"{member_name}已退出信息库，不能结对"))
                continue
            label = f"{who(cadre['pk'])} → {member_name}（{masked}）"
            values = {"cadre_id": cadre["pk"], "member_id": member["pk"], "started_on": started_on}
            current = active.get(member["pk"])
            if current is None:
                summary = f"结对日期：{started_on:%Y-%m-%d}"
                preview.new.append(Planned(number, label, summary, values=values))
            elif current["cadre_id"] == cadre["pk"]:
                preview.unchanged += 1
            elif not city_wide and cadres.by_pk[current["cadre_id"]]["department_id"] != user.department_id:
                message = f"{member_name}现由{who(current['cadre_id'])}结对帮扶：跨部门交接请联系组织部办理"
                preview.errors.append(Issue(number, "帮扶干部", message))
            elif started_on < current["started_on"]:
                was = f"{current['started_on']:%Y-%m-%d}（原帮扶干部 {who(current['cadre_id'])}）"
                message = f"交接日期不能早于原结对日期 {was}"
                preview.errors.append(Issue(number, "结对日期", message))
            else:
                changes = [
                    Change("帮扶干部", who(current["cadre_id"]), who(cadre["pk"])),
                    Change("交接日期", f"原结对 {current['started_on']:%Y-%m-%d}", f"{started_on:%Y-%m-%d}"),
                ]
                preview.changed.append(Planned(number, label, changes=changes, pk=current["pk"], values=values))

    return _checked(path, PAIR_LAYOUT, check)


def pair_apply(preview: Preview, *, user, file_name: str = "") -> None:
    """Write a clean preview in one transaction: the handed-over pairs end on the new pair's date (名单导入交接),
    then every new pair is inserted in one statement.

    The pairs to end are locked first; one that ended or changed hands meanwhile refuses the whole import. The
    database's one-active-pair-per-member constraint is the last guard (IntegrityError: nothing written).
    """
    if not preview.is_clean:
        raise ImportFileError("文件有错误，未导入任何数据：请改正后重新上传。")
    with transaction.atomic(), pghistory.context(user=user.pk, import_file=file_name):
        ending = {plan.pk: plan for plan in preview.changed}
        locked = HouseholdPairing.objects.select_for_update().filter(pk__in=ending, ended_on__isnull=True)
        pairs = list(locked)
        if len(pairs) != len(ending):
            raise ImportFileError("导入时有结对已被他人交接或结束，未导入任何数据：请重新上传预览。")
        for pair in pairs:
            pair.ended_on, pair.end_reason = ending[pair.pk].values["started_on"], HAND_OVER_REASON
        HouseholdPairing.objects.bulk_update(pairs, ["ended_on", "end_reason"], batch_size=1000)
        HouseholdPairing.objects.bulk_create(
            [HouseholdPairing(**plan.values) for plan in [*preview.changed, *preview.new]], batch_size=1000
        )


# ---------------------------------------------------------------------------------------------------------------
# The pages' flow: the stored upload, the confirmation


def imports_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def store_upload(upload, *, kind: str) -> tuple[str, str]:
    """Store an uploaded file under MEDIA_ROOT/imports/ with a fresh name; answers (stored name, sha256)."""
    name = f"{kind}-{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}"
    path = imports_dir() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return name, file_sha256(path)


_STORED_NAME = re.compile(r"^(projects|pairs)-[0-9a-f]{32}\.(xlsx|xls|csv)$")


def stored_file(name: str, sha256: str) -> Path:
    """The stored file the user previewed: refused when the name is not one we gave or the content changed."""
    path = imports_dir() / name
    if not _STORED_NAME.match(name or "") or not path.exists() or file_sha256(path) != sha256:
        raise ImportFileError("文件与预览时不一致（已被改动、删除或已经导入），未导入任何数据：请重新上传。")
    return path


def confirm(*, name: str, sha256: str, preview_func, apply_func, user, file_name: str) -> Preview:
    """Re-read and re-check the stored file inside one transaction, and write it only if still clean."""
    path = stored_file(name, sha256)
    with transaction.atomic():
        preview = preview_func(path, user=user)
        if preview.is_clean:
            apply_func(preview, user=user, file_name=file_name)
    return preview


# ---------------------------------------------------------------------------------------------------------------
# Templates

_HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")


def _template(title: str, headers, required, example: dict, notes: dict, general: list[str], text_columns=()):
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(list(headers))
    ws.append([example.get(header, "") for header in headers])
    ws.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        letter = get_column_letter(index)
        head = ws.cell(row=1, column=index)
        head.font, head.fill, head.alignment = Font(bold=True), _HEADER_FILL, Alignment(horizontal="center")
        ws.column_dimensions[letter].width = max(12, len(header) * 2 + 6)
        if header in text_columns:
            ws.column_dimensions[letter].number_format = "@"
            ws.cell(row=2, column=index).number_format = "@"
    sheet = wb.create_sheet("填写说明")
    sheet.append(["列", "是否必填", "填写说明"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for header in headers:
        sheet.append([header, "必填" if header in required else "", notes[header]])
    sheet.append([])
    sheet.append(["注意事项"])
    sheet[sheet.max_row][0].font = Font(bold=True)
    for line in general:
        sheet.append(["", "", line])
    for letter, width in (("A", 18), ("B", 10), ("C", 100)):
        sheet.column_dimensions[letter].width = width
    return wb


def project_template(user) -> Workbook:
    village = access.villages_visible_to(user).filter(is_active=True).order_by("code").first()
    industries = "、".join(
        Industry.objects.filter(is_active=True).order_by("order", "code").values_list("name", flat=True)
    )
    example = {
        "年度": timezone.localdate().year,
        "乡镇": village.town.name if village else "三星堆镇",
        "村(社区)": village.name if village else "三星村",
        "项目名称": "韭黄种植基地",
        "产业": "种植",
        "特色产品": "韭黄",
        "成熟度": 4,
        "预期年增收": 12.5,
        "帮扶部门": "农业",
        "党员创业示范基地": "是",
        "困难群众项目": "",
        "项目说明": EXAMPLE_NOTE,
    }
    notes = {
        "年度": "必填，四位年份，如 2016。",
        "乡镇": "必填：乡镇（街道）全称，如“三星堆镇”。",
        "村(社区)": "必填：该乡镇的村（社区），须在您的工作范围内。",
        "项目名称": "必填，最多 80 字。同一村同一年度的项目名称不能重复：已有同名项目的，按本表更新该项目。",
        "产业": f"必填：{'、'.join(industries)}。",
        "特色产品": "选填（一村一品），最多 40 字。",
        "成熟度": "选填：1 到 5 的整数，5 为最成熟；新项目空白按 3。",
        "预期年增收": "选填：单位万元，最多两位小数，不能为负数。",
        "帮扶部门": "选填：部门简称或全称，如“农业”或“广汉市农业局”。",
        "党员创业示范基地": "填“是”或“√”；“否”或空白表示不是。",
        "困难群众项目": "填“是”或“√”；“否”或空白表示不是。",
        "项目说明": "选填。",
    }
    general = [
        "表头须在前 10 行内，列的顺序不限，多出的列（如导出表中的“重点”“状态”）不读取；标题行、合计行自动跳过。",
        "按“村（社区）+ 年度 + 项目名称”识别项目：已有的项目按本表更新（预览时列出变化），没有的新建为“推荐”状态。",
        "已有项目的文字、数字、部门列留空时保留原内容；“是/否”两列留空表示“否”。",
        "重点培植项目不通过导入设置：请在项目页面办理“敲定”。",
        "上传后先预览，没有错误时才能确认导入；导入一次完成，出错时不写入任何数据。",
    ]
    return _template("帮扶项目", PROJECT_LAYOUT.headers, PROJECT_LAYOUT.required, example, notes, general)


def pair_template(user) -> Workbook:
    department = user.department if not access.is_city_wide(user) and user.department_id else None
    example = {
        "帮扶干部": "赵刚",
        "干部电话": "13912345678",
        "所在部门": department.short_name if department else "农业",
        "对象姓名": "张德福",
        "对象身份证号": idnumber.make("510681", date(1950, 2, 1), 1, "male"),
        "结对日期": f"{timezone.localdate():%Y-%m-%d}",
    }
    notes = {
        "帮扶干部": "必填：干部姓名，须与干部名册一致。",
        "干部电话": "选填：干部名册中登记的手机号；同部门有同名干部时必填。",
        "所在部门": "部门简称或全称；未填干部电话时必填。" + ("部门工作人员只能导入本部门干部。" if department else ""),
        "对象姓名": "必填：须与信息库中该身份证号登记的姓名一致。",
        "对象身份证号": "必填，18 位，此列须为“文本”格式。对象须已在信息库中（先导入花名册）。",
        "结对日期": "如 2016-07-21；空白按导入当天。更换帮扶干部时，原结对在这一天结束（交接）。",
    }
    general = [
        "表头须在前 10 行内，列的顺序不限，多出的列不读取；标题行、合计行自动跳过。",
        "同一对象只能出现一次。对象已与表中干部结对的，不作改动；已与其他干部结对的，办理交接（原结对结束，原因“名单导入交接”）。",
        "请删除示例行后再导入。上传后先预览，没有错误时才能确认导入；导入一次完成，出错时不写入任何数据。",
    ]
    return _template(
        "党员帮户",
        PAIR_LAYOUT.headers,
        PAIR_LAYOUT.required,
        example,
        notes,
        general,
        text_columns={"干部电话", "对象身份证号", "结对日期"},
    )
