"""Demo projects and pairs for Guanghan in 2015–2016 (manage.py seed_demo).

Every village is paired with a city department (部门帮村); each village has two or three recommended projects for
2016 (400+ in all), one or two of them key projects (重点培植项目), 60+ demonstration bases, 74 projects for residents;
party members and rural residents are placed in their village's key projects (7,000+ residents brought along), and
2,223 cadre–household pairs (党员帮户) with a few hand-overs. Idempotent: skipped when pairings exist.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction

from guanghan.models import Association, Cadre, Department, Industry, PartyBranch, Village
from members.models import Member
from projects import demo_training
from projects.models import Enrollment, HouseholdContact, HouseholdPairing, Project, VillagePairing

YEAR = 2016
DEMO_BASES = 64
RESIDENT_PROJECTS = 74
HOUSEHOLD_PAIRS = 2_223
HAND_OVERS = 40
# (industry code, product, project name pattern) — Guanghan's 一村一品 of the time.
PRODUCTS = [
    ("planting", "韭黄", "{v}韭黄种植基地"),
    ("planting", "大蒜", "{v}大蒜种植专业合作社"),
    ("planting", "川芎", "{v}川芎中药材种植"),
    ("planting", "蔬菜", "{v}绿色蔬菜基地"),
    ("planting", "优质稻", "{v}优质稻订单种植"),
    ("breeding", "缠丝兔", "{v}肉兔养殖场"),
    ("breeding", "生猪", "{v}生猪适度规模养殖"),
    ("breeding", "蛋鸡", "{v}林下蛋鸡养殖"),
    ("breeding", "泥鳅", "{v}稻田泥鳅养殖"),
    ("forestry_fruit", "猕猴桃", "{v}猕猴桃园"),
    ("forestry_fruit", "翠冠梨", "{v}翠冠梨果园"),
    ("nursery", "花卉苗木", "{v}花卉苗木基地"),
    ("rural_tourism", "农家乐", "{v}乡村旅游农家乐"),
    ("agri_processing", "粉条", "{v}红苕粉条加工坊"),
    ("ecommerce", "农产品网店", "{v}电商服务站"),
    ("handicraft", "竹编", "{v}竹编工艺合作社"),
]


@transaction.atomic
def seed(log) -> None:
    if VillagePairing.objects.exists():
        log(f"项目与结对：已有 {Project.objects.count()} 个项目，未作改动")
        demo_training.seed(log)
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # see members/demo.py
    rng = random.Random(2223)
    villages = list(Village.objects.select_related("town").order_by("code"))
    departments = list(Department.objects.order_by("name"))
    pairs = _village_pairings(rng, villages, departments)
    projects = _projects(rng, [v for v in villages if v.kind == Village.Kind.VILLAGE], pairs)
    enrolled = _enrollments(rng, projects)
    households = _household_pairs(rng, pairs)
    log(
        f"项目与结对：部门帮村 {len(pairs)} 对，项目 {len(projects)} 个"
        f"（重点 {sum(p.is_key for p in projects)}，示范基地 {sum(p.is_demo_base for p in projects)}，"
        f"群众项目 {sum(p.for_residents for p in projects)}），纳入 {enrolled} 人次，党员帮户 {households} 对"
    )
    demo_training.seed(log)


def _village_pairings(rng, villages, departments) -> dict[int, Department]:
    shuffled = departments[:]
    rng.shuffle(shuffled)
    by_village = {v.pk: shuffled[i % len(shuffled)] for i, v in enumerate(villages)}
    rows = []
    for year in (2015, YEAR):
        rows += [
            VillagePairing(department=d, village_id=v, year=year, started_on=date(year, 3, 1))
            for v, d in by_village.items()
        ]
    VillagePairing.objects.bulk_create(rows)
    return by_village


def _projects(rng, villages, pairs) -> list[Project]:
    industries = {i.code: i for i in Industry.objects.all()}
    branches = {b.village_id: b for b in PartyBranch.objects.filter(village__isnull=False)}
    associations = {a.village_id: a for a in Association.objects.all()}
    with_members = set(Member.objects.values_list("village_id", flat=True).distinct())
    projects = []
    for village in villages:
        base = village.name.removesuffix("村")
        count = 3 if rng.random() < 0.3 else 2
        for n, (code, product, pattern) in enumerate(rng.sample(PRODUCTS, count)):
            association = associations.get(village.pk)
            projects.append(
                Project(
                    village=village,
                    year=YEAR,
                    name=pattern.format(v=base),
                    industry=industries[code],
                    product=product,
                    branch=branches.get(village.pk),
                    association=association if association and association.industry_id == industries[code].pk else None,
                    maturity=rng.choices([2, 3, 4, 5], weights=[1, 3, 4, 2])[0],
                    expected_benefit=Decimal(rng.randint(30, 600)) / 10,
                    department=pairs[village.pk],
                    description=f"依托{base}村“支部+协会”，发展{product}，带动困难党员和群众增收。",
                )
            )
            # Villages with people in difficulty select one or two key projects, most already under way.
            key_slots = 2 if rng.random() < 0.35 else 1
            if village.pk in with_members and n < key_slots:
                started = date(2015, rng.randint(3, 12), rng.randint(1, 28))
                projects[-1].is_key, projects[-1].key_slot = True, n + 1
                projects[-1].status = Project.Status.RUNNING if rng.random() < 0.85 else Project.Status.SELECTED
                projects[-1].started_on = started if projects[-1].status == Project.Status.RUNNING else None
    running = [p for p in projects if p.status == Project.Status.RUNNING]
    for project in rng.sample(running, min(DEMO_BASES, len(running))):
        project.is_demo_base = True
    for project in rng.sample([p for p in projects if p.is_key], RESIDENT_PROJECTS):
        project.for_residents = True
    for project in rng.sample([p for p in projects if not p.is_key], 12):
        project.status, project.finished_on, project.drop_reason = (
            Project.Status.DROPPED,
            date(2016, 4, 30),
            "市场行情变化，村民代表会议决定不再推进",
        )
    return Project.objects.bulk_create(projects)


def _enrollments(rng, projects) -> int:
    key_by_village: dict[int, list[Project]] = {}
    for project in projects:
        if project.is_key:
            key_by_village.setdefault(project.village_id, []).append(project)
    rows = []
    members = Member.objects.exclude(status=Member.Status.REMOVED).only("pk", "village_id", "category", "registered_on")
    for member in members.order_by("pk").iterator(chunk_size=2000):
        options = key_by_village.get(member.village_id)
        if not options:
            continue
        project = rng.choice(options)
        on = max(member.registered_on, project.started_on or date(2016, 1, 1)) + timedelta(days=rng.randint(0, 60))
        role = (
            Enrollment.Role.LEADER
            if member.category == "party" and rng.random() < 0.08
            else Enrollment.Role.PARTICIPANT
        )
        rows.append(Enrollment(project=project, member_id=member.pk, role=role, enrolled_on=min(on, date(2016, 7, 1))))
    Enrollment.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def _household_pairs(rng, pairs) -> int:
    cadres_by_department: dict[int, list[int]] = {}
    for cadre_id, department_id in Cadre.objects.filter(is_active=True).values_list("pk", "department_id"):
        cadres_by_department.setdefault(department_id, []).append(cadre_id)
    all_cadres = [c for ids in cadres_by_department.values() for c in ids]
    party = list(Member.objects.filter(category="party").exclude(status="removed").values_list("pk", "village_id"))
    residents = list(
        Member.objects.filter(category="resident").exclude(status="removed").values_list("pk", "village_id")
    )
    chosen = party + rng.sample(residents, HOUSEHOLD_PAIRS - len(party))
    rows = []
    for member_id, village_id in chosen:
        department = pairs.get(village_id)
        cadre = rng.choice(cadres_by_department.get(department.pk if department else None) or all_cadres)
        started = date(2015, rng.randint(3, 9), rng.randint(1, 28))
        rows.append(HouseholdPairing(cadre_id=cadre, member_id=member_id, started_on=started))
    # A few cadres moved on: their households were handed over to a colleague.
    handed = []
    for pairing in rng.sample(rows, HAND_OVERS):
        pairing.ended_on, pairing.end_reason = date(2016, 1, 15), "帮扶干部工作调动，办理交接"
        handed.append(
            HouseholdPairing(cadre_id=rng.choice(all_cadres), member_id=pairing.member_id, started_on=date(2016, 1, 15))
        )
    created = HouseholdPairing.objects.bulk_create(rows + handed, batch_size=5000)
    _contacts(rng, created)
    return len(rows)


def _contacts(rng, pairings) -> None:
    """Visits and calls every one to two months until the report date; a few cadres fall behind."""
    summaries = {
        HouseholdContact.Kind.VISIT: [
            "入户了解生产情况，讲解项目进展",
            "帮助联系技术员上门指导",
            "走访慰问，核实家庭收入",
        ],
        HouseholdContact.Kind.PHONE: ["电话询问近况和困难", "电话通知参加培训班", "电话沟通项目分红事宜"],
    }
    rows = []
    for pairing in pairings:
        day = pairing.started_on + timedelta(days=rng.randint(5, 30))
        end = pairing.ended_on or date(2016, 7, 15) - timedelta(days=rng.choice([0, 0, 0, 0, 90]))
        while day <= end:
            kind = HouseholdContact.Kind.VISIT if rng.random() < 0.6 else HouseholdContact.Kind.PHONE
            rows.append(
                HouseholdContact(pairing=pairing, contacted_on=day, kind=kind, summary=rng.choice(summaries[kind]))
            )
            day += timedelta(days=rng.randint(30, 62))
    HouseholdContact.objects.bulk_create(rows, batch_size=5000)
