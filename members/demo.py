"""Demo registry for Guanghan as the 2016 report describes it (manage.py seed_demo).

821 party members in difficulty (10 / 108 / 703 by age band on 2016-07-21, 742 rural), about 8,000 residents, surveys
over 2014–2016, and by the report's date 680+ party members lifted out through the full procedure. Deterministic
and idempotent: people are keyed by their generated ID numbers, and only missing ones are created.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction

from guanghan.lib import chinese_names, idnumber
from guanghan.models import Industry, PartyBranch, PovertyCause, Skill, User, Village
from members.models import Lifting, Member, StatusChange, Survey

REPORT_DATE = date(2016, 7, 21)
PARTY_BANDS = {"<=45": 10, "46-59": 108, ">=60": 703}
PARTY_RURAL = 742
PARTY_LIFTED = 684
PARTY_IN_NOTICE = 12
RESIDENTS = 8_126
RESIDENTS_LIFTED = 3_950
# Weights for the main cause: the report's headline causes (缺技术, 缺资金, 无致富门路) first, then illness and age.
CAUSE_WEIGHTS = {
    "skills": 26,
    "capital": 24,
    "no_path": 18,
    "illness": 14,
    "disability": 6,
    "labour": 6,
    "education": 2,
    "disaster": 1,
    "land": 1,
    "transport": 1,
    "motivation": 1,
}


def _birth(rng: random.Random, band: str) -> date:
    ranges = {
        "<=45": (date(1971, 1, 1), date(1985, 12, 31)),
        "46-59": (date(1956, 8, 1), date(1970, 6, 30)),
        ">=60": (date(1926, 1, 1), date(1956, 6, 30)),
    }
    start, end = ranges[band]
    return start + timedelta(days=rng.randint(0, (end - start).days))


def _resident_band(rng: random.Random) -> str:
    return rng.choices(["<=45", "46-59", ">=60"], weights=[28, 34, 38])[0]


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


def _people(rng: random.Random) -> list[dict]:
    """Everyone's fixed attributes, in a stable order."""
    people = []
    bands = [band for band, n in PARTY_BANDS.items() for _ in range(n)]
    rng.shuffle(bands)
    rural = [True] * PARTY_RURAL + [False] * (len(bands) - PARTY_RURAL)
    rng.shuffle(rural)
    for band, is_rural in zip(bands, rural, strict=True):
        people.append({"category": Member.Category.PARTY, "band": band, "rural": is_rural})
    for _ in range(RESIDENTS):
        people.append({"category": Member.Category.RESIDENT, "band": _resident_band(rng), "rural": rng.random() < 0.88})
    return people


@transaction.atomic
def seed(log) -> None:
    # Check foreign keys row by row: PostgreSQL's queue of deferred checks makes bulk inserts of this size 6× slower.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    rng = random.Random(821)
    villages = list(Village.objects.filter(kind=Village.Kind.VILLAGE).order_by("code"))
    communities = list(Village.objects.filter(kind=Village.Kind.COMMUNITY).order_by("code"))
    branches = {b.village_id: b for b in PartyBranch.objects.filter(village__isnull=False)}
    causes = {c.code: c for c in PovertyCause.objects.all()}
    skills = list(Skill.objects.order_by("order", "code"))
    industries = list(Industry.objects.order_by("order", "code"))
    surveyor = User.objects.filter(username="staff").first()
    cause_codes = [c for c in CAUSE_WEIGHTS if c in causes]
    weights = [CAUSE_WEIGHTS[c] for c in cause_codes]

    specs, seen_ids = [], set()
    for n, person in enumerate(_people(rng)):
        gender = "male" if rng.random() < (0.74 if person["category"] == "party" else 0.52) else "female"
        born = _birth(rng, person["band"])
        region = (
            "510622" if born.year < 1950 and rng.random() < 0.3 else "510681"
        )  # 510622: Guanghan county before 1988
        id_number = idnumber.make(region, born, n % 997, gender)
        while id_number in seen_ids:
            id_number = idnumber.make(region, born, rng.randint(0, 999), gender)
        seen_ids.add(id_number)
        village = rng.choice(villages if person["rural"] else communities)
        specs.append((person, gender, born, id_number, village, chinese_names.name(rng, gender), rng.random()))

    existing = set(Member.objects.filter(id_number__in=seen_ids).values_list("id_number", flat=True))
    plan = []
    for person, gender, born, id_number, village, name, luck in specs:
        is_party = person["category"] == Member.Category.PARTY
        registered = date(2014, 3, 1) + timedelta(days=rng.randint(0, 300 if is_party else 560))
        main = causes[rng.choices(cause_codes, weights=weights)[0]]
        others = rng.sample([c for c in causes.values() if c != main and c.code != "other"], rng.choice([0, 1, 1, 2]))
        member = Member(
            category=person["category"],
            name=name,
            id_number=id_number,
            gender=gender,
            birth_date=born,
            phone=f"1{rng.choice('358')}{rng.randint(0, 999_999_999):09d}" if luck < 0.7 else "",
            village=village,
            area=Member.Area.RURAL if person["rural"] else Member.Area.URBAN,
            household_size=rng.randint(1, 6),
            income_per_capita=_money(rng, 1200, 2800),
            allowance=(Member.Allowance.RURAL_DIBAO if person["rural"] else Member.Allowance.URBAN_DIBAO)
            if luck < 0.8
            else Member.Allowance.TEKUN
            if luck > 0.97
            else Member.Allowance.NONE,
            health=rng.choices(list(Member.Health.values), weights=[50, 30, 12, 8])[0],
            labour_capacity=rng.choices(list(Member.Labour.values), weights=[10, 50, 30, 10])[0],
            main_cause=main,
            branch=branches.get(village.pk) if is_party else None,
            joined_party_on=date(born.year + rng.randint(20, 40), rng.randint(1, 12), 1) if is_party else None,
            registered_on=registered,
            living_conditions=rng.choice(["住房为砖混结构，基本满足居住", "住房陈旧，需维修", "与子女同住", "独居"]),
            production_conditions=rng.choice(["承包地 2 亩", "承包地 1.5 亩，缺少农机", "无承包地", "有少量林地"]),
        )
        plan.append((member, others, rng.sample(skills, rng.randint(0, 3)), rng.sample(industries, rng.randint(1, 2))))

    new = [p for p in plan if p[0].id_number not in existing]
    if not new:
        log(f"信息库：已有 {len(plan)} 名对象，未作改动")
        return
    lists = {id(m): tuple(sorted(x.pk for x in chosen) for chosen in rest) for m, *rest in new}  # for the surveys
    records = _history(rng, [p[0] for p in new], surveyor, lists)  # sets each member's final status and income first
    for member, *_ in new:
        member.other_cause_ids, member.skill_ids, member.aspiration_ids = lists[id(member)]
    created = Member.objects.bulk_create([p[0] for p in new], batch_size=2000)
    for model, rows in records.items():
        model.objects.bulk_create(rows, batch_size=5000)  # their members have primary keys now
    surveys = len(records[Survey])
    lifted = sum(1 for lifting in records[Lifting] if lifting.closed_on)
    log(
        f"信息库：新增 {len(created)} 名对象（困难党员 {sum(m.category == 'party' for m in created)} 名），"
        f"摸底调查 {surveys} 次，脱贫销号 {lifted} 人"
    )


def _history(rng, members, surveyor, lists: dict) -> dict:
    """Surveys in 2014–2016, help from a month after registration, and the lifting-out procedure."""
    surveys, changes, liftings = [], [], []
    party = [m for m in members if m.category == Member.Category.PARTY]
    residents = [m for m in members if m.category == Member.Category.RESIDENT]
    # Unsaved members are not hashable: keep the chosen ones by object identity.
    lifted = {id(m) for m in rng.sample(party, min(PARTY_LIFTED, len(party)))}
    in_notice = {id(m) for m in [m for m in party if id(m) not in lifted][:PARTY_IN_NOTICE]}
    lifted |= {id(m) for m in rng.sample(residents, min(RESIDENTS_LIFTED, len(residents)))}
    for member in members:
        income = member.income_per_capita
        for year, day in [(2014, member.registered_on), (2015, date(2015, 6, 1)), (2016, date(2016, 5, 10))]:
            if day < member.registered_on or (year > 2014 and rng.random() < 0.25):
                continue
            if year > 2014:
                income = (income * Decimal(str(1 + rng.uniform(0.15, 0.6)))).quantize(Decimal("0.01"))
            surveys.append(
                Survey(
                    member=member,
                    surveyed_on=day + timedelta(days=rng.randint(0, 20)) if year > 2014 else day,
                    surveyor=surveyor,
                    surveyor_name="村两委摸底小组",
                    household_size=member.household_size,
                    income_per_capita=income,
                    allowance=member.allowance,
                    health=member.health,
                    labour_capacity=member.labour_capacity,
                    main_cause=member.main_cause,
                    other_cause_ids=lists[id(member)][0],
                    skill_ids=lists[id(member)][1],
                    aspiration_ids=lists[id(member)][2],
                    living_conditions=member.living_conditions,
                    production_conditions=member.production_conditions,
                )
            )
        member.income_per_capita = income
        helped_on = member.registered_on + timedelta(days=rng.randint(20, 60))
        changes.append(
            StatusChange(
                member=member,
                from_status="registered",
                to_status="assisted",
                changed_on=helped_on,
                reason="纳入党内项目帮扶",
                by=surveyor,
            )
        )
        member.status = Member.Status.ASSISTED
        noticing = id(member) in in_notice
        if id(member) in lifted or noticing:
            if noticing:  # assessed in early July 2016, on public notice on the report's date
                assessed = REPORT_DATE - timedelta(days=12)
            else:  # at least five months of help, closed a month before the report at the latest
                earliest = max(helped_on + timedelta(days=150), date(2015, 3, 1))
                assessed = min(earliest + timedelta(days=rng.randint(0, 380)), REPORT_DATE - timedelta(days=30))
            lifting = Lifting(
                member=member,
                assessed_on=assessed,
                assessment_note="村民代表评议通过",
                verified_on=assessed + timedelta(days=5),
                verification_note="入户核实收入达标",
                notice_start=assessed + timedelta(days=9),
                notice_end=assessed + timedelta(days=15),
                started_by=surveyor,
            )
            if id(member) in lifted:
                lifting.closed_on = assessed + timedelta(days=20)
                changes.append(
                    StatusChange(
                        member=member,
                        from_status="assisted",
                        to_status="lifted",
                        changed_on=lifting.closed_on,
                        reason="完成民主评议、核实、公示，予以销号",
                        by=surveyor,
                    )
                )
                member.status = Member.Status.LIFTED
                member.income_per_capita = max(member.income_per_capita, _money(rng, 4200, 7800))
            liftings.append(lifting)
    return {Survey: surveys, StatusChange: changes, Lifting: liftings}
