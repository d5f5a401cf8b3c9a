"""Demo money for Guanghan in 2015–2016, as the 2016 report tells it (seed 二.3; manage.py seed_demo).

- 党内帮扶专项资金: exactly 100 万元 from 市财政拨付, 市管党费补助, the 18 towns' 乡镇匹配 and hundreds of cadres'
  donations around 1 July; most of it paid out as start-up money for key projects, 创业补助 to party members and a
  50% subsidy on the interest party members paid on their 党员农贷快车 loans.
- 部门帮扶资金: each department that helps villages puts its own money into its account every half-year and pays it
  into the projects and households of its paired villages: 1,842 万元 in all by the report's date, never overdrawn.
- 党员农贷快车: the loans of funding/demo_loans.py.
- Eight posting mistakes, each corrected by a reversing line (冲销), as a real ledger has them.

Posted lines are append-only, so everything is computed in Python first (amounts, order, running balances) and
written once, in journal order, with bulk inserts. Deterministic; idempotent: skipped when the ledger or the loans
already hold rows.
"""

import itertools
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from django.db import connection, transaction

from funding import demo_loans
from funding.models import (
    ZERO,
    Account,
    Channel,
    Contribution,
    Disbursement,
    FundTarget,
    Loan,
    Posting,
    Purpose,
    Source,
)
from guanghan.lib import chinese_names
from guanghan.models import Cadre, Department, Town, User
from members.models import Member
from projects.models import Enrollment, HouseholdPairing, Project, VillagePairing

REPORT_DATE = date(2016, 7, 21)
OPENED_ON = date(2015, 3, 1)
DEPARTMENT_TOTAL = Decimal("18420000.00")
# The special fund's receipts from the city: (source, date, amount, from whom). With the towns' and the cadres'
# money below they make exactly 1,000,000.00; the targets are the same figures by year.
CITY = [
    (Source.CITY_FINANCE, date(2015, 3, 20), 200_000, "广汉市财政局"),
    (Source.PARTY_DUES, date(2015, 4, 10), 120_000, "中共广汉市委组织部（市管党费）"),
    (Source.CITY_FINANCE, date(2015, 9, 15), 100_000, "广汉市财政局"),
    (Source.CITY_FINANCE, date(2016, 3, 18), 100_000, "广汉市财政局"),
    (Source.PARTY_DUES, date(2016, 4, 12), 80_000, "中共广汉市委组织部（市管党费）"),
]
TOWN_MATCH = {2015: 180_000, 2016: 50_000}
TOWNS_PAYING_AGAIN = 5
DONATIONS = {2015: 100_000, 2016: 70_000}
START_UPS = 70
SUBSIDIES = 150
INTEREST_SUBSIDY = Decimal("0.5")
SENIOR = ("党组书记", "副局长", "办公室主任")
# The departments' money arrives at the start of each half-year, before most of that half's payments.
HALVES = [date(2015, 3, 2), date(2015, 7, 1), date(2016, 1, 4), date(2016, 7, 1)]
FIRST_PAYMENT = date(2015, 3, 10)
TRANCHE_STEP = Decimal("10000")
INFRASTRUCTURE = ["修建产业便道", "改造灌排渠系", "建设标准化圈舍", "建设冷藏保鲜库", "建设育苗大棚"]
HOUSEHOLD_NOTES = {
    Purpose.SUBSIDY: ["帮扶对象创业补助", "困难户发展生产补助"],
    Purpose.MATERIALS: ["为帮扶对象购买种苗、农资", "为帮扶对象购买仔畜、饲料"],
}
DEPARTMENT_MISTAKES = ["project", "payment_twice", "member", "amount", "receipt_twice"]


def _yuan(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _round_up(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).quantize(Decimal(1), rounding=ROUND_CEILING) * step


def _day(rng, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


_creation = itertools.count()


@dataclass(eq=False)
class Entry:
    """A line as it will be posted. Its place in the journal is (date, money in before money out, originals before
    reversals, order of creation); rows are inserted in that order, so their primary keys follow it too."""

    line: Contribution | Disbursement
    on: date
    planned: bool = True  # False for a mistaken line and its reversal, which leave the totals as they were
    n: int = field(default_factory=lambda: next(_creation))

    @property
    def is_reversal(self) -> bool:
        return self.line.reverses is not None

    @property
    def key(self):
        return (self.on, isinstance(self.line, Disbursement), self.is_reversal, self.n)

    @property
    def delta(self) -> Decimal:
        return self.line.amount if isinstance(self.line, Contribution) else -self.line.amount


@dataclass(eq=False)
class Ledger:
    """One account's lines, before they are written."""

    account: Account
    prefix: str  # of the voucher numbers: ZX-2016-0123, BM-07-2016-0045
    entries: list[Entry] = field(default_factory=list)
    department: Department | None = None

    def lowest_balance(self, extra=()) -> Decimal:
        balance = lowest = ZERO
        for entry in sorted([*self.entries, *extra], key=lambda e: e.key):
            balance += entry.delta
            lowest = min(lowest, balance)
        return lowest


def _copy(entry: Entry, **changes) -> Entry:
    """The same line entered again (or with a mistake in it), to be reversed."""
    line = entry.line
    fields = {f.attname: getattr(line, f.attname) for f in type(line)._meta.concrete_fields if f.attname != "id"}
    return Entry(type(line)(**(fields | changes)), entry.on, planned=False)


def _reversal(entry: Entry, on: date, reason: str) -> Entry:
    """The reversing line, as services.line_reverse makes it: the same fields, the opposite amount."""
    line = entry.line
    model = type(line)
    skip = {"id", "amount", "reverses_id", "note", "created_at", "voucher_no", model.DATE_FIELD}
    fields = {f.attname: getattr(line, f.attname) for f in model._meta.concrete_fields if f.attname not in skip}
    reversal = model(**fields, amount=-line.amount, reverses=line, note=f"冲销：{reason}", **{model.DATE_FIELD: on})
    return Entry(reversal, on, planned=False)


@transaction.atomic
def seed(log) -> None:
    if Posting.objects.exists() or Loan.objects.exists():
        log(f"帮扶资金：已有 {Posting.objects.count()} 笔记账、{Loan.objects.count()} 笔贷款，未作改动")
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # see members/demo.py
    staff = User.objects.get(username="staff")
    loans = demo_loans.seed(random.Random(2015), staff)
    world = World.load(staff)
    special = _special(random.Random(100), world, loans)
    departments = _departments(random.Random(1842), world)
    _write([special, *departments])
    _targets(random.Random(7), special, departments, loans)
    _log(log, special, departments, loans)


class World:
    """What the money goes to and who handles it, read once."""

    @classmethod
    def load(cls, staff):
        world = cls()
        world.staff = staff
        world.towns = list(Town.objects.order_by("code"))
        world.projects = {
            p.pk: p
            for p in Project.objects.active()
            .only("pk", "name", "product", "village_id", "is_key", "started_on")
            .order_by("pk")
        }
        world.running = [p for p in world.projects.values() if p.is_key and p.started_on]
        world.members = {
            pk: (village_id, category)
            for pk, village_id, category in Member.objects.in_registry()
            .order_by("pk")
            .values_list("pk", "village_id", "category")
        }
        world.enrolled = {}  # member → (key project, enrolled on)
        rows = Enrollment.objects.filter(project__is_key=True, left_on__isnull=True).order_by("member_id", "pk")
        for member_id, project_id, on in rows.values_list("member_id", "project_id", "enrolled_on"):
            if project_id in world.projects:
                world.enrolled.setdefault(member_id, (world.projects[project_id], on))
        world.departments = list(Department.objects.order_by("name"))
        world.codes = {d.pk: f"{n:02d}" for n, d in enumerate(world.departments, start=1)}  # as dept01, dept02 …
        world.villages_of = {}
        pairings = VillagePairing.objects.order_by("department_id", "village_id").distinct()
        for department_id, village_id in pairings.values_list("department_id", "village_id"):
            world.villages_of.setdefault(department_id, []).append(village_id)
        world.households = {}  # department → [(member, paired on)]: its cadres' households in its paired villages
        pairs = HouseholdPairing.objects.filter(ended_on__isnull=True, cadre__department__isnull=False).order_by("pk")
        for department_id, member_id, on in pairs.values_list("cadre__department_id", "member_id", "started_on"):
            village = world.members.get(member_id, (None,))[0]
            if village in world.villages_of.get(department_id, ()):
                world.households.setdefault(department_id, []).append((member_id, on))
        world.cadres = list(Cadre.objects.filter(is_active=True).order_by("pk"))
        world.users = dict(
            User.objects.filter(groups__name="dept_staff", department__isnull=False)
            .order_by("department_id", "pk")
            .distinct("department_id")
            .values_list("department_id", "pk")
        )
        return world

    def village_of(self, project, member_id) -> int:
        return project.village_id if project else self.members[member_id][0]

    def heads(self, rng, department: Department) -> list[str]:
        """Who signs a department's payments: its party secretary or a deputy director."""
        names = [c.name for c in self.cadres if c.department_id == department.pk and c.position in SENIOR[:2]]
        return names[:2] or [chinese_names.name(rng)]


# 党内帮扶专项资金


def _special(rng, world: World, loans) -> Ledger:
    ledger = Ledger(Account(channel=Channel.SPECIAL, name="党内帮扶专项资金", opened_on=OPENED_ON), "ZX")
    heads = [chinese_names.name(rng), chinese_names.name(rng)]  # of the organisation department

    def pay(on, amount, purpose, note, *, project=None, member_id=None) -> Entry:
        line = Disbursement(
            account=ledger.account,
            amount=_yuan(amount),
            purpose=purpose,
            note=note,
            project=project,
            member_id=member_id,
            village_id=world.village_of(project, member_id),
            approved_by=rng.choice(heads),
            by=world.staff,
        )
        return Entry(line, on)

    money_out = []
    party = [m for m, (_, category) in world.members.items() if category == "party" and m in world.enrolled]
    with_party = {world.enrolled[m][0].pk for m in party}
    for project in rng.sample([p for p in world.running if p.pk in with_party], START_UPS):
        on = max(project.started_on + timedelta(days=rng.randint(5, 40)), date(2015, 3, 25))
        money_out.append(
            pay(on, rng.randint(8, 20) * 500, Purpose.START_UP, f"{project.name}启动资金", project=project)
        )
    for member_id in rng.sample(party, SUBSIDIES):
        project, enrolled_on = world.enrolled[member_id]
        on = _day(rng, max(enrolled_on, date(2015, 4, 1)), REPORT_DATE - timedelta(days=7))
        money_out.append(
            pay(on, rng.randint(2, 6) * 500, Purpose.SUBSIDY, "困难党员创业补助", project=project, member_id=member_id)
        )
    money_out += _interest_subsidies(world, loans, pay)
    ledger.entries = _pay_when_funded(_special_receipts(rng, world, ledger.account), money_out)
    _special_mistakes(rng, world, ledger, pay)
    return ledger


def _special_receipts(rng, world: World, account) -> list[Entry]:
    def receive(on, amount, source, contributor, note, **fields) -> Entry:
        line = Contribution(
            account=account,
            amount=_yuan(amount),
            source=source,
            contributor=contributor,
            note=note,
            by=world.staff,
            **fields,
        )
        return Entry(line, on)

    entries, batches = [], {}
    for source, on, amount, contributor in CITY:
        batches[source] = batches.get(source, 0) + 1
        label = Source(source).label
        entries.append(receive(on, amount, source, contributor, f"党内帮扶专项资金{label}（第 {batches[source]} 批）"))
    # Every town matches in 2015, the bigger ones more; five top up in 2016.
    weights = [rng.randint(8, 16) for _ in world.towns]
    shares = [TOWN_MATCH[2015] * w // sum(weights) // 1000 * 1000 for w in weights]
    shares[shares.index(max(shares))] += TOWN_MATCH[2015] - sum(shares)
    for town, share in zip(world.towns, shares, strict=True):
        on = _day(rng, date(2015, 5, 4), date(2015, 8, 31))
        entries.append(receive(on, share, Source.TOWN_MATCH, f"{town.name}人民政府", "乡镇匹配资金", town=town))
    for town in rng.sample(world.towns, TOWNS_PAYING_AGAIN):
        on, amount = _day(rng, date(2016, 4, 20), date(2016, 5, 31)), TOWN_MATCH[2016] // TOWNS_PAYING_AGAIN
        entries.append(receive(on, amount, Source.TOWN_MATCH, f"{town.name}人民政府", "乡镇追加匹配资金", town=town))
    # Around 1 July the cadres give, department by department, until the year's amount is reached.
    for year, total in DONATIONS.items():
        days = {d.pk: _day(rng, date(year, 6, 20), date(year, 7, 10)) for d in world.departments}
        remaining = total
        for cadre in rng.sample(world.cadres, len(world.cadres)):
            if remaining <= 0:
                break
            amount = min(remaining, rng.randint(4, 10) * 100 if cadre.position in SENIOR else rng.randint(2, 8) * 50)
            remaining -= amount
            on = days.get(cadre.department_id, date(year, 7, 1))
            entries.append(
                receive(on, amount, Source.DONATION, cadre.name, f"{year} 年“七一”党员干部自愿捐款", cadre=cadre)
            )
    return entries


def _interest_subsidies(world: World, loans, pay) -> list[Entry]:
    """Half the interest party members paid on their loans: 2015's in January 2016, the first half of 2016's in July."""
    periods = [
        (date(2015, 1, 1), date(2016, 1, 1), date(2016, 1, 20), "2015 年度"),
        (date(2016, 1, 1), date(2016, 7, 1), date(2016, 7, 12), "2016 年上半年"),
    ]
    out = []
    for start, end, on, label in periods:
        for item in loans:
            if item.person.category != Member.Category.PARTY or item.person.pk not in world.members:
                continue
            paid = sum((r.interest for r in item.repayments + item.reversals if start <= r.paid_on < end), ZERO)
            if paid * INTEREST_SUBSIDY >= 10:
                project = world.projects.get(item.loan.project_id)
                note = f"{label}党员农贷快车贷款贴息 50%（{item.loan.contract_no}）"
                out.append(
                    pay(on, paid * INTEREST_SUBSIDY, Purpose.INTEREST, note, project=project, member_id=item.person.pk)
                )
    return out


def _pay_when_funded(money_in: list[Entry], money_out: list[Entry]) -> list[Entry]:
    """Payments wait, in turn, until enough money has arrived; what the fund can never cover is not paid."""
    money_in.sort(key=lambda e: e.key)
    paid, balance, i, floor = [], ZERO, 0, money_in[0].on
    for entry in sorted(money_out, key=lambda e: e.key):
        entry.on = max(entry.on, floor)
        while i < len(money_in) and (money_in[i].on <= entry.on or balance < entry.line.amount):
            balance += money_in[i].line.amount
            entry.on = floor = max(entry.on, money_in[i].on)
            i += 1
        if balance >= entry.line.amount:
            balance -= entry.line.amount
            paid.append(entry)
    return money_in + paid


def _special_mistakes(rng, world: World, ledger: Ledger, pay) -> None:
    """A donation entered twice, a subsidy booked to the wrong person, one typed with an extra zero: each reversed."""
    donations = [e for e in ledger.entries if isinstance(e.line, Contribution) and e.line.source == Source.DONATION]
    donation = rng.choice(donations)
    twice = _copy(donation)
    ledger.entries += [twice, _reversal(twice, donation.on + timedelta(days=3), "同一笔捐款重复登记")]
    party = [m for m, (_, category) in world.members.items() if category == "party"]
    subsidies = [e for e in ledger.entries if isinstance(e.line, Disbursement) and e.line.purpose == Purpose.SUBSIDY]
    mistakes = [
        ("帮扶对象登记错误，已按正确对象重新登记", lambda line: {"member_id": rng.choice(party), "project": None}),
        ("金额多录一个 0，已按正确金额重新登记", lambda line: {"amount": line.amount * 10}),
    ]
    for reason, wrong in mistakes:
        for entry in rng.sample(subsidies, len(subsidies)):
            line = entry.line
            changes = {"member_id": line.member_id, "project": line.project, "amount": line.amount} | wrong(line)
            mistake = pay(
                entry.on,
                changes["amount"],
                line.purpose,
                line.note,
                project=changes["project"],
                member_id=changes["member_id"],
            )
            mistake.planned = False
            undo = _reversal(mistake, entry.on + timedelta(days=rng.randint(0, 4)), reason)
            if ledger.lowest_balance([mistake, undo]) >= 0:
                ledger.entries += [mistake, undo]
                subsidies.remove(entry)
                break


# 部门帮扶资金


def _departments(rng, world: World) -> list[Ledger]:
    ledgers = []
    for department in world.departments:
        if department.pk not in world.villages_of:
            continue
        account = Account(
            channel=Channel.DEPARTMENT,
            department=department,
            name=f"{department.short_name}帮扶资金",
            opened_on=OPENED_ON,
        )
        ledger = Ledger(account, f"BM-{world.codes[department.pk]}", department=department)
        ledger.entries = _department_payments(rng, world, ledger, world.users.get(department.pk, world.staff.pk))
        ledgers.append(ledger)
    _scale([e for ledger in ledgers for e in ledger.entries], DEPARTMENT_TOTAL)
    likely = [le for le in ledgers if sum(bool(e.line.project_id and not e.line.member_id) for e in le.entries) > 5]
    mistaken = dict(zip(DEPARTMENT_MISTAKES, rng.sample(likely, len(DEPARTMENT_MISTAKES)), strict=True))
    for kind in ("project", "payment_twice", "member"):
        _payment_mistake(rng, world, mistaken[kind], kind)
    for ledger in ledgers:
        _fund(rng, world, ledger)
    for kind in ("amount", "receipt_twice"):
        _receipt_mistake(rng, mistaken[kind], kind)
    return ledgers


def _department_payments(rng, world: World, ledger: Ledger, by_id: int) -> list[Entry]:
    """Start-up money, then materials, equipment or training, sometimes infrastructure, for each running key project
    of its villages; subsidies or materials for about half the households its cadres help. The amounts are weights
    here, scaled to the report's total afterwards."""
    department = ledger.department
    villages = set(world.villages_of[department.pk])
    generosity = Decimal(rng.randint(60, 150)) / 100  # some departments have more to spare than others
    heads = world.heads(rng, department)
    entries = []

    def pay(on, weight, purpose, note, project=None, member_id=None):
        line = Disbursement(
            account=ledger.account,
            amount=weight * generosity,
            purpose=purpose,
            note=note,
            project=project,
            member_id=member_id,
            village_id=world.village_of(project, member_id),
            approved_by=rng.choice(heads),
            by_id=by_id,
        )
        entries.append(Entry(line, min(max(on, FIRST_PAYMENT), REPORT_DATE)))

    for project in (p for p in world.running if p.village_id in villages):
        start = max(project.started_on, FIRST_PAYMENT)
        later = (start + timedelta(days=20), REPORT_DATE - timedelta(days=5))
        pay(
            start + timedelta(days=rng.randint(0, 20)),
            rng.randint(20, 60) * 1000,
            Purpose.START_UP,
            f"{project.name}启动资金",
            project,
        )
        for _ in range(rng.randint(1, 3)):
            purpose, note = rng.choice(
                [
                    (Purpose.MATERIALS, f"{project.product or '项目'}种苗、农资采购"),
                    (Purpose.MATERIALS, f"{project.product or '项目'}生产资料采购"),
                    (Purpose.EQUIPMENT, "购置生产设施设备"),
                    (Purpose.TRAINING, "项目技术培训经费"),
                ]
            )
            pay(_day(rng, *later), rng.randint(8, 40) * 1000, purpose, note, project)
        if rng.random() < 0.3:
            pay(
                _day(rng, *later),
                rng.randint(50, 150) * 1000,
                Purpose.INFRASTRUCTURE,
                rng.choice(INFRASTRUCTURE),
                project,
            )
    for member_id, paired_on in world.households.get(department.pk, []):
        times = 0 if rng.random() > 0.45 else 2 if rng.random() < 0.2 else 1
        for _ in range(times):
            on = _day(rng, max(paired_on, FIRST_PAYMENT), REPORT_DATE - timedelta(days=3))
            project, enrolled_on = world.enrolled.get(member_id, (None, None))
            if project and enrolled_on <= on and project.village_id in villages and rng.random() < 0.5:
                note = rng.choice(HOUSEHOLD_NOTES[Purpose.MATERIALS])
                pay(on, rng.randint(2, 8) * 500, Purpose.MATERIALS, note, project, member_id)
            else:
                note = rng.choice(HOUSEHOLD_NOTES[Purpose.SUBSIDY])
                pay(on, rng.randint(2, 8) * 500, Purpose.SUBSIDY, note, member_id=member_id)
    return entries


def _scale(entries: list[Entry], total: Decimal) -> None:
    """Weights → amounts in whole hundreds of 元 summing to `total` exactly (the largest takes the rounding)."""
    factor = total / sum(e.line.amount for e in entries)
    for entry in entries:
        entry.line.amount = max(Decimal(500), (entry.line.amount * factor / 100).quantize(Decimal(1)) * 100)
    largest = max(entries, key=lambda e: e.line.amount)
    largest.line.amount += total - sum(e.line.amount for e in entries)
    for entry in entries:
        entry.line.amount = _yuan(entry.line.amount)


def _payment_mistake(rng, world: World, ledger: Ledger, kind: str) -> None:
    """A payment booked to the wrong project or household, or entered twice; reversed a few days later."""
    payments = [e for e in ledger.entries if e.planned]
    villages = set(world.villages_of[ledger.department.pk])
    if kind == "project":
        entry = rng.choice([e for e in payments if e.line.project_id and not e.line.member_id])
        others = [p for p in world.projects.values() if p.village_id in villages and p.pk != entry.line.project_id]
        wrong = rng.choice(others) if others else entry.line.project
        mistake = _copy(entry, project_id=wrong.pk, village_id=wrong.village_id)
        reason = f"项目选择错误，已改记到“{entry.line.project.name}”"
    elif kind == "member":
        entry = rng.choice([e for e in payments if e.line.member_id] or payments)
        households = [m for m, _ in world.households.get(ledger.department.pk, []) if m != entry.line.member_id]
        member_id = rng.choice(households) if households else entry.line.member_id
        mistake = _copy(entry, member_id=member_id, project_id=None, village_id=world.members[member_id][0])
        reason = "帮扶对象登记错误，已按正确对象重新登记"
    else:
        entry = rng.choice(payments)
        mistake = _copy(entry)
        reason = "同一笔支出重复登记"
    ledger.entries += [mistake, _reversal(mistake, entry.on + timedelta(days=rng.randint(1, 7)), reason)]


def _fund(rng, world: World, ledger: Ledger) -> None:
    """The department's money for each half-year arrives at its start, a little more than that half's payments;
    when a payment would still overdraw the account, the latest receipt before it was larger."""
    by_id = world.users.get(ledger.department.pk, world.staff.pk)
    receipts = []
    for half, start in enumerate(HALVES):
        end = HALVES[half + 1] if half + 1 < len(HALVES) else REPORT_DATE + timedelta(days=1)
        due = sum((e.line.amount for e in ledger.entries if start <= e.on < end and e.planned), ZERO)
        if not due:
            continue
        line = Contribution(
            account=ledger.account,
            amount=_round_up(due * Decimal(rng.randint(100, 108)) / 100, TRANCHE_STEP),
            source=Source.DEPARTMENT,
            department=ledger.department,
            contributor=ledger.department.name,
            note=f"{start.year} 年{'上' if start.month < 7 else '下'}半年部门帮扶资金",
            by_id=by_id,
        )
        first = min(e.on for e in ledger.entries if start <= e.on < end and e.planned)
        receipts.append(Entry(line, min(first, _day(rng, start, start + timedelta(days=4)))))
    ledger.entries += receipts
    balance, latest = ZERO, None
    for entry in sorted(ledger.entries, key=lambda e: e.key):
        if entry in receipts:
            latest = entry
        balance += entry.delta
        if balance < 0:
            top_up = _round_up(-balance, TRANCHE_STEP)
            latest.line.amount += top_up
            balance += top_up


def _receipt_mistake(rng, ledger: Ledger, kind: str) -> None:
    """A receipt typed with an extra zero, or entered twice; reversed within days (the balance only ever rose)."""
    entry = rng.choice([e for e in ledger.entries if isinstance(e.line, Contribution) and e.planned])
    if kind == "amount":
        mistake = _copy(entry, amount=entry.line.amount * 10)
        undo = _reversal(mistake, entry.on + timedelta(days=rng.randint(0, 2)), "金额多录一个 0，已按正确金额重新登记")
    else:
        mistake = _copy(entry)
        undo = _reversal(mistake, entry.on + timedelta(days=rng.randint(1, 5)), "同一笔拨款重复登记")
    ledger.entries += [mistake, undo]


# Writing


def _accounts(ledgers: list[Ledger]) -> None:
    """Use the accounts a user may already have opened (empty: the seed runs only on an empty ledger)."""
    existing = {a.department_id: a for a in Account.objects.all()}
    new = [le.account for le in ledgers if le.account.department_id not in existing]
    Account.objects.bulk_create(new)
    for ledger in ledgers:
        ledger.account = existing.get(ledger.account.department_id, ledger.account)
        for entry in ledger.entries:
            entry.line.account = ledger.account


def _vouchers(ledger: Ledger) -> None:
    counters: dict[int, int] = {}
    for entry in sorted(ledger.entries, key=lambda e: e.key):
        if entry.is_reversal:
            continue
        counters[entry.on.year] = counters.get(entry.on.year, 0) + 1
        entry.line.voucher_no = f"{ledger.prefix}-{entry.on.year}-{counters[entry.on.year]:04d}"
    for entry in ledger.entries:
        if entry.is_reversal:
            entry.line.voucher_no = entry.line.reverses.voucher_no


def _write(ledgers: list[Ledger]) -> None:
    _accounts(ledgers)
    for ledger in ledgers:
        _vouchers(ledger)
        for entry in ledger.entries:
            setattr(entry.line, type(entry.line).DATE_FIELD, entry.on)
    entries = sorted((e for ledger in ledgers for e in ledger.entries), key=lambda e: e.key)
    for reversals in (False, True):  # a reversal points at its original: originals first
        for model in (Contribution, Disbursement):
            rows = [e.line for e in entries if e.is_reversal == reversals and isinstance(e.line, model)]
            model.objects.bulk_create(rows, batch_size=2000)
    postings = []
    for ledger in ledgers:
        balance = ZERO
        for seq, entry in enumerate(sorted(ledger.entries, key=lambda e: e.key), start=1):
            balance += entry.delta
            if balance < 0:
                raise AssertionError(f"{ledger.account.name}：第 {seq} 笔后余额为负数")
            kind = "contribution" if isinstance(entry.line, Contribution) else "disbursement"
            postings.append(
                Posting(
                    account=ledger.account,
                    seq=seq,
                    amount=entry.delta,
                    balance_after=balance,
                    posted_on=entry.on,
                    **{kind: entry.line},
                )
            )
        ledger.account.balance, ledger.account.line_count = balance, len(ledger.entries)
    Posting.objects.bulk_create(postings, batch_size=5000)
    Account.objects.bulk_update([le.account for le in ledgers], ["balance", "line_count"])


def _targets(rng, special: Ledger, departments: list[Ledger], loans) -> None:
    """Targets by year: the special fund's are its plan (met exactly); each department set itself about what it then
    spent; the banks' lending plan in round millions."""
    rows = []
    for year in (2015, 2016):
        by_source = {}
        for entry in special.entries:
            if entry.planned and entry.on.year == year and isinstance(entry.line, Contribution):
                by_source[entry.line.source] = by_source.get(entry.line.source, ZERO) + entry.line.amount
        rows.append(
            FundTarget(
                year=year,
                channel=Channel.SPECIAL,
                amount=sum(by_source.values()),
                note=f"{year} 年筹集计划（总额 100 万元）",
            )
        )
        rows += [
            FundTarget(year=year, channel=Channel.SPECIAL, source=source, amount=amount)
            for source, amount in sorted(by_source.items())
        ]
        total = ZERO
        for ledger in departments:
            spent = sum(
                (e.line.amount for e in ledger.entries if e.planned and e.on.year == year and e.delta < 0), ZERO
            )
            if spent:
                amount = _round_up(spent * Decimal(rng.randint(90, 115)) / 100, TRANCHE_STEP)
                rows.append(
                    FundTarget(year=year, channel=Channel.DEPARTMENT, department=ledger.department, amount=amount)
                )
                total += amount
        rows.append(FundTarget(year=year, channel=Channel.DEPARTMENT, amount=total, note="各部门目标合计"))
        lent = sum(
            (p.loan.amount_approved for p in loans if p.loan.disbursed_on and p.loan.disbursed_on.year == year), ZERO
        )
        rows.append(
            FundTarget(year=year, channel=Channel.CREDIT, amount=_round_up(lent, Decimal(1_000_000)), note="计划放款")
        )
    FundTarget.objects.bulk_create(rows, ignore_conflicts=True)  # a target someone already set stays as it is


def _log(log, special: Ledger, departments: list[Ledger], loans) -> None:
    def paid(ledger):
        return sum((-e.delta for e in ledger.entries if isinstance(e.line, Disbursement)), ZERO)

    def received(ledger):
        return sum((e.delta for e in ledger.entries if isinstance(e.line, Contribution)), ZERO)

    reversals = sum(e.is_reversal for ledger in [special, *departments] for e in ledger.entries)
    log(
        f"党内帮扶专项资金：到账 {received(special) / 10_000:.2f} 万元，支出 {paid(special) / 10_000:.2f} 万元"
        f"（{sum(isinstance(e.line, Disbursement) for e in special.entries)} 笔）"
    )
    log(
        f"部门帮扶资金：{len(departments)} 个部门到账 {sum(map(received, departments)) / 10_000:.2f} 万元，"
        f"投入 {sum(map(paid, departments)) / 10_000:.2f} 万元"
        f"（{sum(isinstance(e.line, Disbursement) for le in departments for e in le.entries)} 笔）；冲销 {reversals} 笔"
    )
    states = {}
    for item in loans:
        states[item.loan.status] = states.get(item.loan.status, 0) + 1
    summary = "，".join(f"{Loan.Status(s).label} {n}" for s, n in sorted(states.items()))
    log(f"党员农贷快车：贷款 {len(loans)} 笔（{summary}）")
