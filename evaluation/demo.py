"""Demo assessment for Guanghan in 2015–2016, as the 2016 report tells it (seed 二.6; manage.py seed_demo).

- 目标责任书: every department signs one with each village it is paired with, in March of 2015 and of 2016, entered
  by the department's own demo user (deptNN). The targets fit the village: its key projects, the members in them,
  about what the department then spent there (50,000–400,000 元), visits and members to lift.
- 年终考核 2015 and 2016 with the five former blocks (部门帮村 30, 党员帮户 20, 支部+协会 15, 党员农贷快车 15,
  党员创业示范基地 20: each block's weight is its maximum points, so the total is the plain sum) and a rule table of
  six grades: rewards of 10–30 %, penalties of 30–50 % of the 项目帮扶 total.
- Scores for every department paired that year: the suggestion and its basis from evaluation/suggestions.py, and
  the score given. Staff follow the suggestion, a few adjusted after an on-site check with the reason; where a
  block's data is too thin that year (the departments' average suggestion below 60 % of the maximum: the projects
  are registered under 2016, and 2016 is only half over), they score it on site, following a per-department quality
  drawn at random, and say so. Every grade occurs, three to five departments are penalised, some totals are equal.
- 2015 is closed by `staff` at the end of January 2016 (results written and frozen); 2016 is still being scored.

Planned in Python with fixed random seeds, written with bulk inserts and updates (a closed year's scores can only be
written before it is closed). Idempotent: skipped when an assessment year exists.
"""

import itertools
import random
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from evaluation import services
from evaluation.models import Agreement, AssessmentYear, Block, BlockCode, RuleBand, Score, YearEvent
from evaluation.services import Band
from evaluation.suggestions import suggest
from funding.models import Disbursement
from guanghan.access import Role
from guanghan.models import Department, User
from members.models import Member
from projects.models import Enrollment, Project, VillagePairing

YEARS = (2015, 2016)
CLOSED_YEAR = 2015
CLOSED_AT = datetime(2016, 1, 28, 16, 30)
SCORED_AT = {2015: (date(2016, 1, 11), date(2016, 1, 22)), 2016: (date(2016, 7, 4), date(2016, 7, 20))}
HALF = Decimal("0.5")
BLOCKS = [
    (BlockCode.VILLAGE_PAIRING, Decimal(30)),
    (BlockCode.HOUSEHOLD_PAIRING, Decimal(20)),
    (BlockCode.BRANCH_ASSOCIATION, Decimal(15)),
    (BlockCode.CREDIT, Decimal(15)),
    (BlockCode.DEMO_BASE, Decimal(20)),
]
BANDS = [
    Band(Decimal(90), Decimal(100), "优秀", RuleBand.Kind.REWARD, Decimal(30)),
    Band(Decimal(85), Decimal(90), "良好", RuleBand.Kind.REWARD, Decimal(20)),
    Band(Decimal(80), Decimal(85), "较好", RuleBand.Kind.REWARD, Decimal(10)),
    Band(Decimal(65), Decimal(80), "合格", RuleBand.Kind.NONE, Decimal(0)),
    Band(Decimal(55), Decimal(65), "较差", RuleBand.Kind.PENALTY, Decimal(30)),
    Band(Decimal(0), Decimal(55), "差", RuleBand.Kind.PENALTY, Decimal(50)),
]
PENALISED = (3, 5)
TIES = 2
INCOMPLETE_BELOW = Decimal("0.6")  # of the maximum points, on average: below it a block is scored on site
QUALITY = 0.79  # the average department's share of the points where it is scored on site
ON_SITE_SPREAD = Decimal(65)  # points scored on site that spread the departments as their quality does
ADJUSTED_SHARE = 0.2  # departments whose score an on-site check changed although their grade was already right
# Why a score differs from its suggestion ({n}: by how many points), by block.
LOWER = {
    BlockCode.VILLAGE_PAIRING: [
        "实地督查发现台账不全，酌减 {n} 分",
        "目标责任书部分指标未完成，酌减 {n} 分",
        "帮扶资金拨付滞后，酌减 {n} 分",
    ],
    BlockCode.HOUSEHOLD_PAIRING: [
        "明察暗访发现走访记录不实，酌减 {n} 分",
        "部分结对户反映帮扶干部联系少，酌减 {n} 分",
    ],
    BlockCode.BRANCH_ASSOCIATION: [
        "协会运行不规范，财务未公开，酌减 {n} 分",
        "支部带动作用发挥不明显，酌减 {n} 分",
    ],
    BlockCode.CREDIT: [
        "贷款逾期未及时协调催收，酌减 {n} 分",
        "贷前调查资料不全，酌减 {n} 分",
    ],
    BlockCode.DEMO_BASE: [
        "示范基地带动困难党员不足，酌减 {n} 分",
        "示范基地建设进度滞后，酌减 {n} 分",
    ],
}
# Why a block scored on site differs from a suggestion the data could not support.
ON_SITE = {
    BlockCode.VILLAGE_PAIRING: "结对村项目开工、资金投入登记不全或未到年底，建议分偏低，按目标责任书实地考核评定",
    BlockCode.HOUSEHOLD_PAIRING: "结对户联系记录未全部录入，建议分偏低，按入户回访情况评定",
    BlockCode.BRANCH_ASSOCIATION: "“支部+协会”运行情况系统登记不全，建议分偏低，按实地考核评定",
    BlockCode.CREDIT: "农贷还款数据登记不全，建议分偏低，按合作银行提供的还款情况评定",
    BlockCode.DEMO_BASE: "示范基地系统登记不全，建议分偏低，按实地考核评定",
}
RAISE = {
    BlockCode.VILLAGE_PAIRING: [
        "超额完成目标责任书任务，酌加 {n} 分",
        "帮扶村项目受到市委、市政府通报表扬，酌加 {n} 分",
    ],
    BlockCode.HOUSEHOLD_PAIRING: ["结对户满意度测评全部满意，酌加 {n} 分"],
    BlockCode.BRANCH_ASSOCIATION: ["“支部+协会”做法在全市推广，酌加 {n} 分"],
    BlockCode.CREDIT: ["协调银行新增授信，贷款全部按期归还，酌加 {n} 分"],
    BlockCode.DEMO_BASE: ["示范基地被评为德阳市级示范基地，酌加 {n} 分"],
}


def _half(value) -> Decimal:
    return (Decimal(value) / HALF).quantize(Decimal(1)) * HALF


def _half_down(value: Decimal) -> Decimal:
    return (value / HALF).quantize(Decimal(1), rounding=ROUND_FLOOR) * HALF


def _half_up(value: Decimal) -> Decimal:
    return (value / HALF).quantize(Decimal(1), rounding=ROUND_CEILING) * HALF


def _day(rng, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _at(rng, on: date) -> datetime:
    return timezone.make_aware(datetime(on.year, on.month, on.day, rng.randint(9, 17), rng.randint(0, 59)))


@transaction.atomic
def seed(log) -> None:
    if AssessmentYear.objects.exists():
        log(f"考核评价：已有 {AssessmentYear.objects.count()} 个考核年度，未作改动")
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # see members/demo.py
    world = World.load()
    agreements = _agreements(random.Random(326), world)
    quality = _quality(random.Random(90), world)
    outcomes = {year: _assessment(random.Random(year), world, year, quality[year]) for year in YEARS}
    _log(log, agreements, outcomes)


class World:
    """The pairings, the data the targets are read from, and the users, read once."""

    @classmethod
    def load(cls):
        world = cls()
        world.staff = User.objects.get(username="staff")
        world.users = dict(
            User.objects.filter(groups__name=Role.DEPT_STAFF, department__isnull=False)
            .order_by("department_id", "pk")
            .distinct("department_id")
            .values_list("department_id", "pk")
        )
        world.pairings = list(VillagePairing.objects.filter(year__in=YEARS).order_by("year", "department_id", "pk"))
        world.departments = {d.pk: d for d in Department.objects.order_by("name")}
        world.key_projects = dict(
            Project.objects.active()
            .filter(is_key=True)
            .values_list("village")
            .annotate(n=Count("pk"))
            .values_list("village", "n")
        )
        world.enrolled = dict(
            Enrollment.objects.filter(project__is_key=True)
            .values_list("project__village")
            .annotate(n=Count("member", distinct=True))
            .values_list("project__village", "n")
        )
        world.members = dict(
            Member.objects.in_registry().values_list("village").annotate(n=Count("pk")).values_list("village", "n")
        )
        world.spent = {
            (department, village, year): amount
            for department, village, year, amount in Disbursement.objects.filter(account__channel="department")
            .values_list("account__department", "village", "paid_on__year")
            .annotate(total=Sum("amount"))
            .values_list("account__department", "village", "paid_on__year", "total")
        }
        return world

    def departments_of(self, year: int) -> list[Department]:
        paired = {p.department_id for p in self.pairings if p.year == year}
        return [d for pk, d in self.departments.items() if pk in paired]


# 目标责任书


def _agreements(rng, world: World) -> list[Agreement]:
    rows = []
    for pairing in world.pairings:
        village, year = pairing.village_id, pairing.year
        enrolled = world.enrolled.get(village) or round(world.members.get(village, 20) * 0.6)
        members = max(10, min(60, round(enrolled * rng.uniform(0.8, 1.1))))
        # The money the department meant to put in: about what it spent there (a full year's worth for 2016).
        spent = world.spent.get((pairing.department_id, village, year), Decimal(0)) * (2 if year == 2016 else 1)
        money = (spent * Decimal(rng.uniform(0.9, 1.4)) / 10_000).quantize(Decimal(1), ROUND_CEILING) * 10_000
        start = max(pairing.started_on, date(year, 3, 1))
        rows.append(
            Agreement(
                department_id=pairing.department_id,
                village_id=village,
                year=year,
                signed_on=_day(rng, start, date(year, 3, 31)),
                projects_started=max(1, min(2, world.key_projects.get(village, 1))),
                members_enrolled=members,
                money_invested=max(Decimal(50_000), min(Decimal(400_000), money)).quantize(Decimal("0.01")),
                visits=rng.randint(12, 24) if year == 2016 else rng.randint(12, 20),
                members_lifted=max(3, min(15, members // rng.randint(3, 6))),
                by_id=world.users.get(pairing.department_id, world.staff.pk),
            )
        )
    Agreement.objects.bulk_create(rows, ignore_conflicts=True)  # one a department already entered stays as it is
    return rows


# 年终考核


def _quality(rng, world: World) -> dict[int, dict[int, float]]:
    """How well each department worked (0–1), which its on-site scores follow where the data is thin; a department's
    second year resembles its first."""
    first = {pk: min(0.97, max(0.5, rng.gauss(QUALITY, 0.08))) for pk in world.departments}
    second = {pk: min(0.97, max(0.5, q + rng.gauss(0.015, 0.04))) for pk, q in first.items()}
    return {2015: first, 2016: second}


def _assessment(rng, world: World, year: int, quality: dict[int, float]) -> dict:
    assessment = AssessmentYear.objects.create(year=year)
    Block.objects.bulk_create(
        [
            Block(year=assessment, code=code, weight=weight, max_points=weight, order=n)
            for n, (code, weight) in enumerate(BLOCKS, start=1)
        ]
    )
    assert not services.rule_table_errors(BANDS)
    services.rule_table_replace(year=assessment, bands=BANDS)
    departments = world.departments_of(year)
    services.scores_prepare(year=assessment, departments=departments)
    blocks = {b.code: b for b in assessment.blocks.all()}
    suggested = suggest(assessment, departments)
    incomplete = _incomplete(suggested, blocks)
    given = _given(rng, suggested, blocks, departments, quality, incomplete)
    scores = list(Score.objects.filter(year=assessment).select_related("block"))
    start, end = SCORED_AT[year]
    for score in scores:
        code = score.block.code
        score.suggested, score.basis = suggested[score.department_id, code]
        score.given = given[score.department_id][code]
        score.remark = _remark(rng, code, score.given, score.suggested, code in incomplete)
        score.by, score.version, score.updated_at = world.staff, 1, _at(rng, _day(rng, start, end))
    Score.objects.bulk_update(scores, ["suggested", "basis", "given", "remark", "by", "version", "updated_at"])
    if year == CLOSED_YEAR:
        services.year_close(year=assessment, by=world.staff)
        closed_at = timezone.make_aware(CLOSED_AT)
        AssessmentYear.objects.filter(pk=assessment.pk).update(closed_at=closed_at)
        YearEvent.objects.filter(year=assessment).update(at=closed_at)
    return {
        "year": assessment,
        "scores": scores,
        "incomplete": incomplete,
        "results": services.compute_results(assessment),
    }


def _incomplete(suggested: dict, blocks: dict) -> set[str]:
    """The blocks whose data is too thin that year to score by (the departments' average suggestion is below half
    the maximum): staff score those after the on-site checks instead."""
    out = set()
    for code, block in blocks.items():
        points = [value for (_, c), (value, _) in suggested.items() if c == code]
        if sum(points, Decimal(0)) < block.max_points * len(points) * INCOMPLETE_BELOW:
            out.add(code)
    return out


def _given(rng, suggested: dict, blocks: dict, departments, quality: dict, incomplete: set) -> dict:
    """The scores given: the suggestion (or, where the data is thin, the on-site score following the department's
    quality), moved where an on-site check found more or less than the data shows, so that every grade occurs, three
    to five departments are penalised and a few totals are equal."""
    # The fewer points scored on site, the more they tell the departments apart (as the whole total would).
    on_site = sum((points for code, points in BLOCKS if code in incomplete), Decimal(0))
    spread = float(ON_SITE_SPREAD / on_site) if on_site else 1.0
    given = {}
    for department in departments:
        given[department.pk] = scores = {}
        for code, max_points in BLOCKS:
            scores[code] = suggested[department.pk, code][0]
            if code in incomplete:
                share = QUALITY + (quality[department.pk] - QUALITY) * spread + rng.gauss(0, 0.05)
                scores[code] = max(scores[code], _half(max_points * Decimal(min(1.0, max(0.3, share)))))
    for pk in rng.sample(sorted(given), round(len(given) * ADJUSTED_SHARE)):
        code = rng.choice([c for c, _ in BLOCKS])
        step = HALF * rng.randint(1, 4) * (1 if rng.random() < 0.3 else -1)
        given[pk][code] = min(blocks[code].max_points, max(Decimal(0), given[pk][code] + step))
    for pk, band in _target_bands(rng, given).items():
        # Blocks scored on site stay at or above their suggestion where they can: that reason gives no points.
        floor = {code: suggested[pk, code][0] for code in incomplete}
        _move_into(rng, given[pk], blocks, band, floor)
    _tie(rng, given, suggested, incomplete)
    return given


def _total(scores: dict[str, Decimal]) -> Decimal:
    return sum(scores.values(), Decimal(0))


def _band(total: Decimal) -> Band:
    return services.band_for(total, BANDS)


def _target_bands(rng, given: dict) -> dict[int, Band]:
    """The departments that must change band: the lowest few are penalised (at least one 差), no one else is, and
    every grade has someone (taken from the band below, nearest first)."""
    order = sorted(given, key=lambda pk: (_total(given[pk]), pk))
    penalised = rng.randint(*PENALISED)
    worst = min(max(1, sum(_band(_total(given[pk])).grade == "差" for pk in order)), penalised - 1)
    target = {pk: BANDS[-1] if n < worst else BANDS[-2] for n, pk in enumerate(order[:penalised])}
    for pk in order[penalised:]:
        if _band(_total(given[pk])).kind == RuleBand.Kind.PENALTY:
            target[pk] = BANDS[3]
    for n, band in enumerate(BANDS[:4]):
        grade_of = {pk: target.get(pk) or _band(_total(given[pk])) for pk in order[penalised:]}
        if any(b is band for b in grade_of.values()):
            continue
        below = [pk for pk in reversed(order[penalised:]) if BANDS.index(grade_of[pk]) > n]
        if n == 3:  # 合格 is empty: the lowest of those above it comes down
            below = [pk for pk in order[penalised:] if BANDS.index(grade_of[pk]) < n]
        target[below[0]] = band
    return {pk: band for pk, band in target.items() if _band(_total(given[pk])) is not band}


def _move_into(rng, scores: dict[str, Decimal], blocks: dict, band: Band, floor: dict[str, Decimal]) -> None:
    """Change the department's scores, a block or a few at a time, until its total is inside the band; a block stays
    above its `floor` unless the others cannot make up the difference."""
    total = _total(scores)
    if total < band.lower:
        delta = _half_up(band.lower - total) + rng.choice([0, HALF, 2 * HALF, 3 * HALF])
        delta = min(delta, _half_up(band.upper - total) - HALF)
    else:
        delta = -(_half_up(total - band.upper) + HALF + rng.choice([0, HALF, 2 * HALF]))
        delta = max(delta, -(_half_up(total - band.lower) - HALF) if band.lower else delta)
    codes = [code for code, _ in BLOCKS]
    rng.shuffle(codes)
    remaining = delta
    for cap, lowest in ((Decimal("0.35"), floor), (Decimal(1), {})):
        for code in codes:
            if not remaining:
                break
            room = blocks[code].max_points - scores[code] if remaining > 0 else scores[code] - lowest.get(code, 0)
            step = min(abs(remaining), _half_down(min(room, blocks[code].max_points * cap)))
            step = step if remaining > 0 else -step
            scores[code] += step
            remaining -= step
    if _band(_total(scores)) is not band:
        raise AssertionError(f"考核演示数据：无法把总分 {total} 调整到“{band.grade}”")


def _tie(rng, given: dict, suggested: dict, incomplete: set) -> None:
    """Make a few totals equal where two departments in the same grade are close: the higher one loses the gap."""
    totals = {pk: _total(scores) for pk, scores in given.items()}
    ties = len(totals) - len(set(totals.values()))
    order = sorted(totals, key=lambda pk: (totals[pk], pk))
    pairs = [
        (low, high)
        for low, high in itertools.pairwise(order)
        if _band(totals[low]) is _band(totals[high]) and Decimal(0) < totals[high] - totals[low] <= 3
    ]
    for low, high in rng.sample(pairs, min(len(pairs), max(0, TIES - ties))):
        gap = _total(given[high]) - _total(given[low])
        # Taken from a block scored on site above its suggestion where there is one: that reason gives no points.
        above = {c: c in incomplete and given[high][c] - gap > suggested[high, c][0] for c in given[high]}
        code = max(given[high], key=lambda c: (above[c], given[high][c]))
        if gap > 0 and given[high][code] >= gap:
            given[high][code] -= gap


def _remark(rng, code: str, given: Decimal, suggested: Decimal | None, incomplete: bool) -> str:
    if suggested is None or given == suggested:
        return ""
    if incomplete and given > suggested:
        return ON_SITE[code]
    n = f"{abs(given - suggested).normalize():f}"
    return rng.choice(RAISE[code] if given > suggested else LOWER[code]).format(n=n)


def _log(log, agreements: list[Agreement], outcomes: dict) -> None:
    by_year = "、".join(f"{y} 年 {sum(a.year == y for a in agreements)} 份" for y in YEARS)
    log(f"目标责任书：{len(agreements)} 份（{by_year}）")
    for year, outcome in outcomes.items():
        results = outcome["results"]
        grades = {}
        for row in results:
            grades[row["grade"]] = grades.get(row["grade"], 0) + 1
        summary = "，".join(f"{band.grade} {grades.get(band.grade, 0)}" for band in BANDS)
        adjusted = sum(s.given != s.suggested for s in outcome["scores"])
        state = "已关闭" if outcome["year"].year == CLOSED_YEAR else "评分中"
        on_site = "、".join(BlockCode(code).label for code, _ in BLOCKS if code in outcome["incomplete"])
        log(
            f"{year} 年度考核（{state}）：{len(results)} 个部门，{summary}；"
            f"{adjusted}/{len(outcome['scores'])} 项评定分与建议分不同"
            + (f"（数据不全、按实地考核评定：{on_site}）" if on_site else "")
        )
