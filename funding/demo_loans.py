"""Demo loans of 党员农贷快车 for Guanghan in 2015–2016 (called from funding/demo.py).

About 300 bank loans to people in the villages with key projects, two thirds of them party members: most disbursed
in 2015–2016 and repaid on schedule (a few early), 30 in arrears, a few refused (age, credit, purpose), and the
latest applications still waiting or approved but not yet paid out. Large loans (5–30 万元) are guaranteed by a
联保小组 of three to five households of the borrower's village. Everything is computed here and written once.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from funding.models import ZERO, GuaranteeGroup, GuaranteeMembership, Loan, LoanInstalment, Repayment
from funding.services import repayment_schedule
from guanghan.models import Village
from members.models import Member
from projects.models import Enrollment, Project

REPORT_DATE = date(2016, 7, 21)
APPLIED, APPROVED, REFUSED, DISBURSED = 14, 10, 22, 254
IN_ARREARS = 30
TOO_OLD = 6  # of the refused: past the banks' age limit
DUPLICATE_REPAYMENTS = 2  # entered twice by mistake and reversed
LARGE_SHARE = 0.16
PARTY_SHARE = 0.66
PREPAID_SHARE = 0.12
# (bank, contract prefix, weight): the rural commercial bank and the agricultural bank carry most of it.
BANKS = [
    ("四川广汉农村商业银行", "广汉农商", 40),
    ("中国农业银行广汉支行", "农银广汉", 30),
    ("中国邮政储蓄银行广汉支行", "邮储广汉", 18),
    ("中国建设银行广汉支行", "建银广汉", 6),
    ("广汉珠江村镇银行", "珠江村镇", 6),
]
SMALL_RATES = [Decimal("4.35"), Decimal("4.75"), Decimal("5.22"), Decimal("5.66")]
LARGE_RATES = [Decimal("5.22"), Decimal("5.66"), Decimal("6.15"), Decimal("6.50")]
PURPOSES = ["购买种苗、化肥等农资", "扩大养殖规模", "购置小型农机具", "发展庭院经济", "开办农家乐", "建设大棚"]
REFUSALS = [
    "征信记录有未结清的逾期贷款，暂不符合贷款条件",
    "借款用途与帮扶项目不符，建议调整后重新申请",
    "已有未结清贷款，超过授信额度",
    "家庭收入来源不稳定，还款能力不足",
]
TOO_OLD_REASON = "借款人年龄超过 70 周岁，超出贷款政策规定的年龄上限"
GROUP_REFUSAL = "联保小组部分成员有逾期记录，联保条件不成立"


@dataclass(eq=False)
class Person:
    pk: int
    category: str
    born: date
    village_id: int
    registered_on: date
    project: tuple | None  # (project pk, name, product, enrolled_on) of the key project the person is in


@dataclass(eq=False)
class Group:
    row: GuaranteeGroup
    people: list[Person]
    borrowers: set = field(default_factory=set)


@dataclass(eq=False)
class Planned:
    loan: Loan
    person: Person
    instalments: list[LoanInstalment] = field(default_factory=list)
    repayments: list[Repayment] = field(default_factory=list)
    reversals: list[Repayment] = field(default_factory=list)


def seed(rng: random.Random, staff) -> list[Planned]:
    """Plan and write the loans; returns them (saved) for the special fund's interest subsidies."""
    people = _people()
    planned, groups = _plan(rng, people, staff)
    _write(planned, groups)
    return planned


def _people() -> list[Person]:
    projects = {
        pk: (pk, name, product)
        for pk, name, product in Project.objects.key().active().values_list("pk", "name", "product")
    }
    enrolled = {}
    rows = Enrollment.objects.filter(project_id__in=projects, left_on__isnull=True).order_by("member_id", "pk")
    for member_id, project_id, on in rows.values_list("member_id", "project_id", "enrolled_on"):
        enrolled.setdefault(member_id, (*projects[project_id], on))
    villages = set(Project.objects.key().active().values_list("village_id", flat=True))
    members = Member.objects.in_registry().filter(village_id__in=villages).order_by("pk")
    return [
        Person(pk, category, born, village_id, registered_on, enrolled.get(pk))
        for pk, category, born, village_id, registered_on in members.values_list(
            "pk", "category", "birth_date", "village_id", "registered_on"
        )
    ]


def _day(rng, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _plan(rng, people: list[Person], staff) -> tuple[list[Planned], list[Group]]:
    party = [p for p in people if p.category == Member.Category.PARTY and p.born >= date(1949, 1, 1)]
    residents = [p for p in people if p.category == Member.Category.RESIDENT and date(1956, 1, 1) <= p.born]
    old = [p for p in people if p.category == Member.Category.PARTY and p.born < date(1946, 1, 1)]
    for pool in (party, residents, old):
        rng.shuffle(pool)
    by_village: dict[int, list[Person]] = {}
    for person in people:
        by_village.setdefault(person.village_id, []).append(person)
    used: set[int] = set()  # people who borrow or guarantee
    groups: list[Group] = []

    def take(pool, on: date):
        """The next person of the pool who is free and was in the registry when applying."""
        for i in range(len(pool) - 1, -1, -1):
            person = pool[i]
            if person.pk not in used and person.registered_on <= on:
                del pool[i]
                used.add(person.pk)
                return person
        return None

    states = [Loan.Status.APPLIED] * APPLIED + [Loan.Status.APPROVED] * APPROVED + [Loan.Status.REFUSED] * REFUSED
    states += [Loan.Status.DISBURSED] * DISBURSED
    planned = []
    for n, state in enumerate(states):
        too_old = state == Loan.Status.REFUSED and n - APPLIED - APPROVED < TOO_OLD
        applied_on, decided_on, disbursed_on = _dates(rng, state)
        large = not too_old and rng.random() < LARGE_SHARE
        group = None
        if large:
            group, person = _group_for(rng, groups, by_village, used, applied_on, staff, party, residents, take)
        else:
            pool = old if too_old else party if rng.random() < PARTY_SHARE and party else residents
            person = take(pool, applied_on) or take(residents, applied_on)
        planned.append(
            Planned(
                _loan(rng, person, state, large, group, applied_on, decided_on, disbursed_on, too_old, staff), person
            )
        )
    _contracts(planned)
    disbursed = [p for p in planned if p.loan.disbursed_on]
    behind = set(map(id, rng.sample(disbursed, IN_ARREARS)))
    for item in disbursed:
        _schedule(item)
        _repay(rng, item, id(item) in behind, staff)
    steady = [p for p in disbursed if id(p) not in behind and len(p.repayments) >= 3]
    for item in rng.sample(steady, DUPLICATE_REPAYMENTS):
        first = item.repayments[0]
        twice = Repayment(
            loan=item.loan,
            paid_on=first.paid_on,
            principal=first.principal,
            interest=first.interest,
            voucher_no=first.voucher_no,
            by=staff,
        )
        item.repayments.insert(1, twice)
        item.reversals.append(
            Repayment(
                loan=item.loan,
                paid_on=first.paid_on + timedelta(days=rng.randint(1, 3)),
                principal=-twice.principal,
                interest=-twice.interest,
                voucher_no=twice.voucher_no,
                reverses=twice,
                note="冲销：同一张还款回单重复登记",
                by=staff,
            )
        )
    for item in disbursed:
        _totals(item)
    _name(groups)
    return planned, groups


def _dates(rng, state) -> tuple[date, date | None, date | None]:
    if state == Loan.Status.APPLIED:
        return _day(rng, date(2016, 6, 20), date(2016, 7, 20)), None, None
    if state == Loan.Status.APPROVED:
        applied = _day(rng, date(2016, 5, 25), date(2016, 7, 5))
        return applied, min(applied + timedelta(days=rng.randint(5, 15)), REPORT_DATE - timedelta(days=1)), None
    if state == Loan.Status.REFUSED:
        applied = _day(rng, date(2015, 3, 1), date(2016, 6, 30))
        return applied, applied + timedelta(days=rng.randint(5, 20)), None
    disbursed = _day(rng, date(2015, 2, 1), date(2016, 6, 30))
    decided = disbursed - timedelta(days=rng.randint(1, 7))
    return decided - timedelta(days=rng.randint(3, 15)), decided, disbursed


def _group_for(rng, groups, by_village, used, applied_on, staff, party, residents, take):
    """A 联保小组 for a large loan: another household of an existing group borrows, or a new group forms."""
    ready = [g for g in groups if g.row.formed_on <= applied_on - timedelta(days=5) and len(g.borrowers) < 2]
    if ready and rng.random() < 0.3:
        group = rng.choice(ready)
        candidates = [
            p
            for p in group.people
            if p.pk not in group.borrowers and p.born >= date(1949, 1, 1) and p.registered_on <= applied_on
        ]
        if candidates:
            person = candidates[0]
            group.borrowers.add(person.pk)
            return group, person
    while True:
        person = take(party if rng.random() < PARTY_SHARE and party else residents, applied_on)
        neighbours = [p for p in by_village[person.village_id] if p.pk not in used and p.born >= date(1946, 1, 1)]
        if len(neighbours) >= 4:
            break
    others = rng.sample(neighbours, min(len(neighbours), rng.randint(2, 4)))
    used.update(p.pk for p in others)
    row = GuaranteeGroup(
        village_id=person.village_id,
        formed_on=applied_on - timedelta(days=rng.randint(10, 40)),
        by=staff,
    )
    group = Group(row, [person, *others], {person.pk})
    groups.append(group)
    return group, person


def _name(groups: list[Group]) -> None:
    """Groups are numbered within their village in the order they formed: 金光村第2联保小组."""
    villages = dict(Village.objects.filter(pk__in={g.row.village_id for g in groups}).values_list("pk", "name"))
    counters: dict[int, int] = {}
    for group in sorted(groups, key=lambda g: g.row.formed_on):
        village = group.row.village_id
        counters[village] = counters.get(village, 0) + 1
        group.row.name = f"{villages[village]}第{counters[village]}联保小组"


def _loan(rng, person, state, large, group, applied_on, decided_on, disbursed_on, too_old, staff) -> Loan:
    bank = rng.choices(BANKS, weights=[b[2] for b in BANKS])[0][0]
    if large:
        requested = Decimal(int(rng.triangular(6, 30, 10)) * 10_000)
        term = rng.choice([24, 36, 36])
        rate = rng.choice(LARGE_RATES)
        method = Loan.Method.QUARTERLY_INTEREST if rng.random() < 0.6 else Loan.Method.EQUAL_PRINCIPAL
    else:
        requested = Decimal(int(rng.triangular(5, 50, 20)) * 1_000)
        term = rng.choice([12, 12, 24, 24, 36])
        party = person.category == Member.Category.PARTY
        rate = SMALL_RATES[0] if party and rng.random() < 0.7 else rng.choice(SMALL_RATES[1:])
        method = rng.choices(list(Loan.Method), weights=[45, 35, 20 if term == 12 else 0])[0]
    project = person.project if person.project and person.project[3] <= applied_on else None
    approved = None
    if state in (Loan.Status.APPROVED, Loan.Status.DISBURSED):
        approved = requested
        if rng.random() < 0.15:  # the bank lends less than asked
            step = 10_000 if large else 1_000
            approved = max(Decimal(step), (requested * Decimal("0.7") / step).quantize(Decimal(1)) * step)
            if large:
                approved = max(approved, Decimal("60000"))
    refusal = ""
    if state == Loan.Status.REFUSED:
        refusal = TOO_OLD_REASON if too_old else GROUP_REFUSAL if large else rng.choice(REFUSALS)
    return Loan(
        member_id=person.pk,
        project_id=project[0] if project else None,
        bank=bank,
        product=Loan.Product.LARGE if large else Loan.Product.SMALL,
        guarantee_group=group.row if group else None,
        purpose=f"发展{project[2] or '产业'}（{project[1]}）"[:100] if project else rng.choice(PURPOSES),
        amount_requested=requested,
        term_months=term,
        annual_rate=rate,
        method=method,
        relaxed_terms=_relaxed(rng, large, term, rate, requested) if rng.random() < 0.85 else "",
        applied_on=applied_on,
        status=state,
        amount_approved=approved,
        decided_on=decided_on,
        refusal_reason=refusal,
        disbursed_on=disbursed_on,
        by=staff,
    )


def _relaxed(rng, large: bool, term: int, rate: Decimal, amount: Decimal) -> str:
    parts = ["联保小组成员互保，免抵押"] if large else [rng.choice(["免抵押、免担保，信用放款", "免抵押"])]
    if term == 36:
        parts.append("期限放宽至 36 个月")
    if rate == SMALL_RATES[0]:
        parts.append("执行基准利率，不上浮")
    if large and amount > 200_000:
        parts.append(f"联保额度放宽至 {amount / 10_000:.0f} 万元")
    if rng.random() < 0.4:
        parts.append("开辟绿色通道，5 个工作日内放款")
    return "；".join(parts)


def _contracts(planned: list[Planned]) -> None:
    """Contract numbers run per bank and year in the order the money went out."""
    prefixes = {name: prefix for name, prefix, _ in BANKS}
    counters: dict[tuple, int] = {}
    for item in sorted((p for p in planned if p.loan.disbursed_on), key=lambda p: p.loan.disbursed_on):
        loan = item.loan
        key = (loan.bank, loan.disbursed_on.year)
        counters[key] = counters.get(key, 0) + 1
        loan.contract_no = f"{prefixes[loan.bank]}借字〔{key[1]}〕第{counters[key]:04d}号"


def _schedule(item: Planned) -> None:
    """The instalments and their running totals, the way services.loan_disburse writes them."""
    loan = item.loan
    cum_p = cum_i = ZERO
    for i in repayment_schedule(
        principal=loan.amount_approved,
        annual_rate=loan.annual_rate,
        term_months=loan.term_months,
        method=loan.method,
        start=loan.disbursed_on,
    ):
        cum_p, cum_i = cum_p + i.principal, cum_i + i.interest
        item.instalments.append(
            LoanInstalment(
                loan=loan,
                number=i.number,
                due_on=i.due_on,
                principal=i.principal,
                interest=i.interest,
                cum_principal=cum_p,
                cum_interest=cum_i,
            )
        )


def _repay(rng, item: Planned, behind: bool, staff) -> None:
    """On time (a few days early), sometimes paid off early; a loan in arrears stops paying after some instalment,
    half of them already behind on the report date."""
    loan, schedule = item.loan, item.instalments
    stop = len(schedule)
    if behind:
        missed_by_report = [n for n, i in enumerate(schedule) if i.due_on < REPORT_DATE]
        stop = rng.choice(missed_by_report) if missed_by_report and rng.random() < 0.5 else rng.randrange(len(schedule))
    prepay_at = (
        rng.randint(2, len(schedule) - 1) if not behind and len(schedule) > 3 and rng.random() < PREPAID_SHARE else None
    )
    last, owed = loan.disbursed_on, loan.amount_approved
    for n, instalment in enumerate(schedule[:stop]):
        paid_on = max(last, instalment.due_on - timedelta(days=rng.randint(0, 6)))
        principal = owed if n == prepay_at else instalment.principal
        item.repayments.append(_repayment(rng, loan, paid_on, principal, instalment.interest, staff))
        last, owed = paid_on, owed - principal
        if n == prepay_at:
            item.repayments[-1].note = "提前归还全部本金"
            break
    if behind and stop < len(schedule) and schedule[stop].principal and schedule[stop].interest and rng.random() < 0.3:
        missed = schedule[stop]  # paid the interest, not the principal
        paid_on = max(last, missed.due_on)
        item.repayments.append(_repayment(rng, loan, paid_on, ZERO, missed.interest, staff, "仅付利息，本金未还"))


def _repayment(rng, loan, paid_on, principal, interest, staff, note="") -> Repayment:
    voucher = f"HK{paid_on:%Y%m%d}{rng.randint(0, 999_999):06d}"  # the bank's receipt number
    return Repayment(
        loan=loan, paid_on=paid_on, principal=principal, interest=interest, voucher_no=voucher, note=note, by=staff
    )


def _totals(item: Planned) -> None:
    loan = item.loan
    lines = item.repayments + item.reversals
    loan.paid_principal = sum((r.principal for r in lines), ZERO)
    loan.paid_interest = sum((r.interest for r in lines), ZERO)
    if loan.paid_principal == loan.amount_approved:
        loan.status, loan.settled_on = Loan.Status.SETTLED, max(r.paid_on for r in item.repayments)


def _write(planned: list[Planned], groups: list[Group]) -> None:
    GuaranteeGroup.objects.bulk_create([g.row for g in groups])
    GuaranteeMembership.objects.bulk_create(
        [GuaranteeMembership(group=g.row, member_id=p.pk, joined_on=g.row.formed_on) for g in groups for p in g.people]
    )
    planned.sort(key=lambda p: (p.loan.applied_on, p.person.pk))
    Loan.objects.bulk_create([p.loan for p in planned], batch_size=1000)
    LoanInstalment.objects.bulk_create([i for p in planned for i in p.instalments], batch_size=5000)
    repayments = sorted((r for p in planned for r in p.repayments), key=lambda r: (r.paid_on, r.loan.pk))
    Repayment.objects.bulk_create(repayments, batch_size=5000)
    Repayment.objects.bulk_create([r for p in planned for r in p.reversals])
