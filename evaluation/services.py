"""The assessment's maths (totals, bands, ranks, reward and penalty points) and the operations that write several rows
or must hold under concurrent requests (the rule table, a score, closing and reopening a year)."""

from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from evaluation.models import AssessmentYear, Block, Result, RuleBand, Score, YearEvent, quantize

HUNDRED = Decimal(100)
REWARD_RANGE = (Decimal(10), Decimal(30))
PENALTY_RANGE = (Decimal(30), Decimal(50))


@dataclass(frozen=True)
class Band:
    lower: Decimal
    upper: Decimal
    grade: str
    kind: str
    percentage: Decimal


def rule_table_errors(bands: list[Band]) -> list[str]:
    """What is wrong with a rule table, in Chinese (empty when it is valid): bounds within 0–100, rewards 10–30 %,
    penalties 30–50 %, no two bands overlapping."""
    errors = []
    for n, band in enumerate(bands, start=1):
        where = f"第 {n} 行（{band.grade or '未命名'}）"
        if not (0 <= band.lower < band.upper <= HUNDRED):
            errors.append(f"{where}：分数区间应在 0–100 之间，且下限小于上限。")
        if band.kind == RuleBand.Kind.REWARD and not REWARD_RANGE[0] <= band.percentage <= REWARD_RANGE[1]:
            errors.append(f"{where}：奖励比例应在 10%–30% 之间。")
        if band.kind == RuleBand.Kind.PENALTY and not PENALTY_RANGE[0] <= band.percentage <= PENALTY_RANGE[1]:
            errors.append(f"{where}：处罚比例应在 30%–50% 之间。")
        if band.kind == RuleBand.Kind.NONE and band.percentage != 0:
            errors.append(f"{where}：不奖不罚的比例应为 0。")
    ordered = sorted(bands, key=lambda b: b.lower)
    for before, after in pairwise(ordered):
        if after.lower < before.upper:
            errors.append(
                f"“{before.grade}”（{before.lower}–{before.upper}）与“{after.grade}”（{after.lower}–{after.upper}）的分数区间重叠。"
            )
    return errors


def band_for(total: Decimal, bands) -> "Band | RuleBand | None":
    """The band a total falls in: lower ≤ total < upper; the band ending at 100 includes 100."""
    for band in bands:
        if band.lower <= total < band.upper or (band.upper == HUNDRED and total == HUNDRED):
            return band
    return None


def total_of(scores: list[tuple[Decimal | None, Block]]) -> Decimal:
    """项目帮扶总分 = Σ given ÷ max points × weight (a missing score counts 0), rounded to 2 places."""
    total = sum(((given or Decimal(0)) / block.max_points * block.weight for given, block in scores), Decimal(0))
    return quantize(total)


def ranks(totals: dict) -> dict:
    """Competition ranking ("1, 2, 2, 4"): equal totals share a rank, the next rank skips."""
    ordered = sorted(totals.items(), key=lambda item: item[1], reverse=True)
    out, previous, rank = {}, None, 0
    for position, (key, total) in enumerate(ordered, start=1):
        if total != previous:
            rank, previous = position, total
        out[key] = rank
    return out


def reward_points(total: Decimal, band) -> Decimal:
    """The reward (positive) or penalty (negative) points: the band's percentage of the total."""
    if band is None or band.kind == RuleBand.Kind.NONE:
        return Decimal("0.00")
    sign = 1 if band.kind == RuleBand.Kind.REWARD else -1
    return quantize(total * band.percentage / HUNDRED) * sign


def compute_results(year: AssessmentYear) -> list[dict]:
    """Every scored department's total, rank, band and points for the year, best first (three queries)."""
    blocks = list(year.blocks.all())
    bands = list(year.bands.all())
    given = {}
    for score in Score.objects.filter(year=year).select_related("department"):
        given.setdefault(score.department, {})[score.block_id] = score.given
    totals = {d: total_of([(values.get(b.pk), b) for b in blocks]) for d, values in given.items()}
    rank_of = ranks({d.pk: t for d, t in totals.items()})
    rows = []
    for department, total in totals.items():
        band = band_for(total, bands)
        rows.append(
            {
                "department": department,
                "by_block": {b.code: given[department].get(b.pk) for b in blocks},
                "total": total,
                "rank": rank_of[department.pk],
                "grade": band.grade if band else "—",
                "kind": band.kind if band else RuleBand.Kind.NONE,
                "percentage": band.percentage if band else Decimal("0.00"),
                "points": reward_points(total, band),
            }
        )
    return sorted(rows, key=lambda r: (r["rank"], r["department"].name))


def _open(year: AssessmentYear) -> AssessmentYear:
    year = AssessmentYear.objects.select_for_update().get(pk=year.pk)
    if year.is_closed:
        raise ValidationError(f"{year.year} 年度考核已关闭，不能修改。如需修改，请先重新开放并写明原因。")
    return year


@transaction.atomic
def rule_table_replace(*, year: AssessmentYear, bands: list[Band]) -> list[RuleBand]:
    """Replace the year's rule table after checking it as a whole (the year row is locked while it is written)."""
    year = _open(year)
    errors = rule_table_errors(bands)
    if errors:
        raise ValidationError(errors)
    existing = list(year.bands.order_by("pk"))
    saved = []
    for n, band in enumerate(bands):
        row = existing[n] if n < len(existing) else RuleBand(year=year)
        for field in ("lower", "upper", "grade", "kind", "percentage"):
            setattr(row, field, getattr(band, field))
        row.save()
        saved.append(row)
    # A band taken out of an open year's table is configuration, not a record: it goes (the history keeps it).
    RuleBand.objects.filter(pk__in=[row.pk for row in existing[len(bands) :]]).delete()
    return saved


@transaction.atomic
def blocks_replace(*, year: AssessmentYear, rows: list[dict]) -> None:
    """Set each block's weight and maximum points (weights must add up to 100)."""
    year = _open(year)
    total = sum((Decimal(r["weight"]) for r in rows), Decimal(0))
    if total != HUNDRED:
        raise ValidationError(f"各考核块权重合计为 {total}%，应为 100%。")
    for order, row in enumerate(rows):
        Block.objects.update_or_create(
            year=year,
            code=row["code"],
            defaults={"weight": row["weight"], "max_points": row["max_points"], "order": order},
        )


@transaction.atomic
def score_give(*, score: Score, given: Decimal, remark: str, version: int, by) -> Score:
    """Give a score. `version` is what the form showed: if someone saved in between, nothing is overwritten."""
    _open(score.year)
    if given < 0 or given > score.block.max_points:
        raise ValidationError(f"评定分应在 0–{score.block.max_points} 之间。")
    if score.suggested is not None and given != score.suggested and not remark.strip():
        raise ValidationError("评定分与建议分不同，请在“说明”中写明理由。")
    updated = Score.objects.filter(pk=score.pk, version=version).update(
        given=quantize(given), remark=remark.strip(), by=by, updated_at=timezone.now(), version=F("version") + 1
    )
    if not updated:
        current = Score.objects.select_related("by").get(pk=score.pk)
        who = current.by.display_name if current.by else "其他人"
        raise ValidationError(
            f"{who} 已在您打开页面后修改了这一项（现为 {current.given} 分，说明：{current.remark or '无'}）。"
            "请刷新页面后再评分。"
        )
    return Score.objects.get(pk=score.pk)


@transaction.atomic
def year_close(*, year: AssessmentYear, by) -> list[Result]:
    """Write the results and close the year; from then on the database refuses changes to it."""
    year = _open(year)
    if not year.blocks.exists():
        raise ValidationError("尚未设置考核块，不能关闭。")
    weights = sum((b.weight for b in year.blocks.all()), Decimal(0))
    if weights != HUNDRED:
        raise ValidationError(f"各考核块权重合计为 {weights}%，应为 100%。")
    missing = Score.objects.filter(year=year, given__isnull=True).count()
    if missing:
        raise ValidationError(f"还有 {missing} 项尚未评分，全部评定后才能关闭。")
    results = []
    for row in compute_results(year):
        values = {k: row[k] for k in ("total", "rank", "grade", "kind", "percentage", "points")}
        result, _ = Result.objects.update_or_create(year=year, department=row["department"], defaults=values)
        results.append(result)
    year.closed_at, year.closed_by = timezone.now(), by
    year.save(update_fields=["closed_at", "closed_by"])
    YearEvent.objects.create(year=year, action=YearEvent.Action.CLOSED, by=by)
    return results


@transaction.atomic
def year_reopen(*, year: AssessmentYear, reason: str, by) -> AssessmentYear:
    year = AssessmentYear.objects.select_for_update().get(pk=year.pk)
    if not year.is_closed:
        raise ValidationError("该年度考核没有关闭。")
    if not reason.strip():
        raise ValidationError("重新开放已关闭的年度，必须写明原因。")
    year.closed_at, year.closed_by = None, None
    year.save(update_fields=["closed_at", "closed_by"])
    YearEvent.objects.create(year=year, action=YearEvent.Action.REOPENED, reason=reason.strip(), by=by)
    return year


@transaction.atomic
def scores_prepare(*, year: AssessmentYear, departments) -> int:
    """Make the (empty) score rows of every department × block of the year; existing rows stay. Returns how many."""
    _open(year)
    blocks = list(year.blocks.all())
    have = set(Score.objects.filter(year=year).values_list("department_id", "block_id"))
    rows = [Score(year=year, department=d, block=b) for d in departments for b in blocks if (d.pk, b.pk) not in have]
    Score.objects.bulk_create(rows)
    return len(rows)
