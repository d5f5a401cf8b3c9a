"""The leaders' year-end table (考核结果表): one row per assessed department with its block scores, total, rank,
grade, reward or penalty, and last year's total and rank beside it.

`results_table` builds it once; the page, the print view, the .xlsx export and the JSON all render that dict, so
they cannot disagree. A closed year is read from its frozen `Result` rows (and the `Score` rows for the block
figures); an open year is computed live with `services.compute_results`. The number of queries is fixed whatever
the number of departments.
"""

from dataclasses import dataclass
from decimal import Decimal

from evaluation.models import AssessmentYear, Result, RuleBand, Score
from evaluation.services import compute_results
from guanghan import access

ASCENDING, DESCENDING = "asc", "desc"
# Each sort key's own direction, used when ?dir= is not given: scores best first, rank and name from the top.
FIXED_SORTS = {
    "rank": ASCENDING,
    "name": ASCENDING,
    "total": DESCENDING,
    "points": DESCENDING,
    "last_total": DESCENDING,
    "last_rank": ASCENDING,
    "rank_change": DESCENDING,
    "total_change": DESCENDING,
}


@dataclass(frozen=True)
class Change:
    """A change against last year: `value` is signed (for the rank, positive means it moved up)."""

    value: Decimal | int

    @property
    def direction(self) -> str:
        return "up" if self.value > 0 else "down" if self.value < 0 else "same"

    @property
    def size(self):
        return abs(self.value)


@dataclass(frozen=True)
class Header:
    """A column heading of the page: `key` is its sort key (None: not sortable); a click on an unsorted column
    sorts it ascending, a click on the sorted one turns the order round."""

    key: str | None
    label: str
    notes: tuple[str, ...] = ()  # small lines under the label
    kind: str = "number"  # "number" or "text", how the page's script compares the column
    aria_sort: str = ""
    next_direction: str = ASCENDING


def _headers(blocks, previous: int, sort: str, direction: str) -> list[Header]:
    def header(key, label, *notes, kind="number"):
        if key != sort:
            return Header(key, label, notes, kind)
        aria = "ascending" if direction == ASCENDING else "descending"
        return Header(key, label, notes, kind, aria, DESCENDING if direction == ASCENDING else ASCENDING)

    return [
        header("rank", "名次"),
        header("name", "部门", kind="text"),
        *(
            header(
                b.code, b.get_code_display(), f"满分 {b.max_points.normalize():f}", f"权重 {b.weight.normalize():f}%"
            )
            for b in blocks
        ),
        header("total", "项目帮扶总分", "满分 100"),
        Header(None, "等次", kind="text"),
        Header(None, "奖惩", kind="text"),
        header("points", "奖惩分"),
        header("last_total", "上年总分", f"{previous} 年"),
        header("last_rank", "上年名次", f"{previous} 年"),
        header("rank_change", "名次升降", "比上年"),
        header("total_change", "总分增减", "比上年"),
    ]


def years(year: int) -> tuple[AssessmentYear | None, AssessmentYear | None]:
    """The assessment year and the one before it (None where there is none), with blocks and rule bands (3 queries)."""
    found = {
        y.year: y for y in AssessmentYear.objects.filter(year__in=[year, year - 1]).prefetch_related("blocks", "bands")
    }
    return found.get(year), found.get(year - 1)


def _frozen_rows(user, year: AssessmentYear) -> list[dict]:
    """A closed year's rows as they were written when it was closed."""
    codes = {block.pk: block.code for block in year.blocks.all()}
    given = {}
    for department_id, block_id, value in (
        Score.objects.visible_to(user).filter(year=year).values_list("department_id", "block_id", "given")
    ):
        given.setdefault(department_id, {})[codes[block_id]] = value
    rows = []
    for result in Result.objects.visible_to(user).filter(year=year).select_related("department"):
        by_block = given.get(result.department_id, {})
        rows.append(
            {
                "department": result.department,
                "by_block": {code: by_block.get(code) for code in codes.values()},
                "total": result.total,
                "rank": result.rank,
                "grade": result.grade,
                "kind": result.kind,
                "percentage": result.percentage,
                "points": result.points,
            }
        )
    return sorted(rows, key=lambda r: (r["rank"], r["department"].name))


def _rows(user, year: AssessmentYear) -> list[dict]:
    if year.is_closed:
        return _frozen_rows(user, year)
    rows = compute_results(year)
    if not access.is_city_wide(user):
        rows = [row for row in rows if row["department"].pk == user.department_id]
    return rows


def _sort_key(sort: str, blocks) -> tuple:
    """The value a row sorts by, and the key's own direction; an unknown key sorts by rank."""
    codes = [block.code for block in blocks]
    if sort in codes:
        return (lambda row: row["by_block"][sort]), DESCENDING
    if sort not in FIXED_SORTS:
        sort = "rank"
    if sort == "name":
        return (lambda row: row["department"].name), ASCENDING
    if sort in ("last_total", "last_rank"):
        field = sort.removeprefix("last_")
        return (lambda row: row["last"][field] if row["last"] else None), FIXED_SORTS[sort]
    if sort in ("rank_change", "total_change"):
        return (lambda row: row[sort].value if row[sort] else None), FIXED_SORTS[sort]
    return (lambda row: row[sort]), FIXED_SORTS[sort]


def sort_rows(rows: list[dict], value, descending: bool) -> list[dict]:
    """Sorted by `value`, equal values in rank order, rows without a value last (the page's script does the same)."""
    present = sorted((row for row in rows if value(row) is not None), key=lambda row: row["position"])
    present.sort(key=value, reverse=descending)  # a stable sort: equal values keep rank order
    return present + [row for row in rows if value(row) is None]


def sort_keys(blocks) -> list[str]:
    return [*FIXED_SORTS, *(block.code for block in blocks)]


def results_table(
    user, year: AssessmentYear, previous: AssessmentYear | None, *, sort: str = "rank", direction: str = ""
) -> dict:
    """The year's table for the user, sorted by `sort` (see `sort_keys`) in `direction` ("asc"/"desc"; empty: the
    key's own direction). `previous` is last year's assessment (from `years`), for the comparison columns."""
    blocks = list(year.blocks.all())
    rows = _rows(user, year)
    last = {row["department"].pk: row for row in _rows(user, previous)} if previous else {}
    tied = {}
    for row in rows:
        tied[row["rank"]] = tied.get(row["rank"], 0) + 1
    for position, row in enumerate(rows):
        before = last.get(row["department"].pk)
        row |= {
            "position": position,
            "tied": tied[row["rank"]] > 1,
            "kind_label": RuleBand.Kind(row["kind"]).label,
            "last": {"total": before["total"], "rank": before["rank"]} if before else None,
            "rank_change": Change(before["rank"] - row["rank"]) if before else None,
            "total_change": Change(row["total"] - before["total"]) if before else None,
        }
    value, own_direction = _sort_key(sort, blocks)
    if sort not in sort_keys(blocks):
        sort = "rank"
    if direction not in (ASCENDING, DESCENDING):
        direction = own_direction
    return {
        "year": year,
        "closed": year.is_closed,
        "title": f"广汉市{year.year}年度党内项目帮扶工作考核结果",
        "blocks": blocks,
        "bands": list(year.bands.all()),
        "previous": previous,
        "rows": sort_rows(rows, value, direction == DESCENDING),
        "sort": sort,
        "direction": direction,
        "headers": _headers(blocks, year.year - 1, sort, direction),
    }


def as_json(table: dict) -> dict:
    """The table as plain JSON: numbers as strings with two decimals, ranks as integers."""

    def number(value: Decimal | None) -> str | None:
        return None if value is None else f"{value:.2f}"

    return {
        "year": table["year"].year,
        "closed": table["closed"],
        "blocks": [
            {
                "code": block.code,
                "name": block.get_code_display(),
                "weight": number(block.weight),
                "max_points": number(block.max_points),
            }
            for block in table["blocks"]
        ],
        "results": [
            {
                "department": row["department"].name,
                "department_id": row["department"].pk,
                "rank": row["rank"],
                "total": number(row["total"]),
                "by_block": {code: number(value) for code, value in row["by_block"].items()},
                "grade": row["grade"],
                "kind": str(row["kind"]),
                "percentage": number(row["percentage"]),
                "points": number(row["points"]),
                "last_year": {"total": number(row["last"]["total"]), "rank": row["last"]["rank"]}
                if row["last"]
                else None,
            }
            for row in table["rows"]
        ],
    }
