"""Demo trainings and advisory-group consultations for Guanghan in 2015–2016 (called from projects/demo.py).

About 60 trainings: three classes in every town and a few city-wide expert lectures (专家讲座), each teaching one to
three practical skills to 20–60 of the town's party members and residents, about 85% of whom master them — so most
party members reach two practical skills and a few hundred people remain on the work list. About 150 consultations
by the six advisory departments (市场经济顾问组) on key projects, over all kinds and stages, half of them followed up.
Deterministic; idempotent: skipped when trainings exist.
"""

import random
from datetime import date, timedelta

from django.db import connection, transaction

from guanghan.lib import chinese_names
from guanghan.models import Department, Skill, Town, User
from members.models import Member
from projects.models import Attendance, Consultation, Project, Training, VillagePairing, members_with_skill_count

START, REPORT_DATE = date(2015, 3, 1), date(2016, 7, 21)
CLASSES_PER_TOWN = 3
LECTURES = 6
ATTENDEES = (20, 60)
PARTY_SHARE = 0.3  # party members are a tenth of the people in difficulty but take about a third of the seats
PASS_RATE = 0.85
CONSULTATIONS = 150
# Which advisory department (short name) organises classes and advises projects of an industry; 农业 by default.
ADVISER_BY_INDUSTRY = {
    "planting": ["农业", "粮食", "水利"],
    "forestry_fruit": ["农业", "水利"],
    "nursery": ["农业"],
    "breeding": ["畜牧"],
    "agri_processing": ["经信", "粮食"],
    "handicraft": ["经信", "商务"],
    "ecommerce": ["商务", "经信"],
    "commerce": ["商务"],
    "rural_tourism": ["商务"],
}
# Classes in labour skills (电工、焊工、家政…) are run by the human-resources bureau, not by the advisory group.
ORGANISER_BY_INDUSTRY = {**ADVISER_BY_INDUSTRY, "labour_service": ["人社局"]}
TRAINER_TITLES = {
    "农业": "高级农艺师",
    "畜牧": "高级畜牧师",
    "水利": "工程师",
    "粮食": "农艺师",
    "经信": "工程师",
    "人社局": "高级技师",
}
# (advice, what came of it) by kind; technical advice depends on what the project produces.
ADVICE = {
    "market": [
        (
            "{product}近期价格平稳、略有上涨，建议与成都、德阳的农贸批发市场签订订单，分批错峰上市。",
            "已与批发市场签订订单，分两批上市。",
        ),
        (
            "外地{product}大量上市，价格可能回落，建议适当控制规模，先稳住现有销售渠道。",
            "已按建议调整规模，销售正常。",
        ),
        ("建议注册“{product}”品牌并参加农博会，借助电商平台拓宽销路。", "商标注册材料已提交，已在网店上架。"),
    ],
    "policy": [
        ("项目可申报市级现代农业发展扶持资金，申报材料请于月底前报送。", "申报材料已报送，等待审批。"),
        ("符合“党员农贷快车”贴息条件，建议带头人尽快向银行提出申请。", "已办理贷款和贴息手续。"),
        ("可享受农业保险保费补贴，建议全部参保，降低自然灾害风险。", "已全部参保。"),
    ],
}
TECHNOLOGY = {
    "farming": [
        ("{product}进入关键管护期，建议统一开展病虫害防治，由技术员入户指导。", "技术员已入户指导，长势良好。"),
        ("推广{product}标准化生产技术，建立生产记录，保证产品质量安全。", "已建立生产记录，按标准生产。"),
        ("建议改造灌排设施、引进良种，提高{product}单产和品质。", "灌排设施已改造，良种已引进。"),
    ],
    "breeding": [
        ("做好{product}春秋两季统一免疫，圈舍定期消毒，发现病畜及时报告。", "已完成统一免疫，未发生疫情。"),
        ("建议改良品种、科学配料，降低{product}养殖饲料成本。", "已按建议调整饲料配方，成本有所下降。"),
        ("建议建设沼气池处理粪污，发展种养循环。", "沼气池正在建设中，下月再次回访。"),
    ],
    "making": [
        ("建议改进{product}加工工艺，统一包装和标识，提高产品档次。", "已统一包装和标识，售价提高。"),
        ("建议完善网店运营和售后服务，统一商品图片和发货标准。", "已按建议整改，好评率上升。"),
        ("组织带头人到外地先进合作社学习，提高经营管理水平。", "带头人已赴外地学习。"),
    ],
}
TECHNOLOGY_GROUP = {"breeding": "breeding", "agri_processing": "making", "handicraft": "making", "ecommerce": "making"}
TECHNOLOGY_GROUP |= {"rural_tourism": "making", "commerce": "making"}


@transaction.atomic
def seed(log) -> None:
    if Training.objects.exists():
        log(f"培训与顾问组：已有 {Training.objects.count()} 次培训，未作改动")
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # see members/demo.py
    rng = random.Random(2016)
    departments = {d.short_name: d for d in Department.objects.filter(is_active=True).order_by("name")}
    advisers = {name: d for name, d in departments.items() if d.is_advisory}
    trainings = _trainings(rng, departments)
    attended, passed = _attendance(rng, trainings)
    consultations, followed = _consultations(rng, advisers)
    party = members_with_skill_count(Member.objects.in_registry().filter(category=Member.Category.PARTY))
    below = party.filter(skill_count__lt=2).count()
    log(
        f"培训与顾问组：培训 {len(trainings)} 次（专家讲座 {sum(t.town_id is None for t in trainings)}），"
        f"参加 {attended} 人次（掌握 {passed}），困难党员实用技术不足两门 {below} 人；"
        f"顾问组咨询 {consultations} 条（已跟踪 {followed}）"
    )


def _day(rng: random.Random, start: date = START, end: date = REPORT_DATE) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _department(rng, departments: dict[str, Department], industry_code: str | None, table=ADVISER_BY_INDUSTRY):
    """The department for an industry's class or advice, from `departments` (by short name); None when there is none."""
    names = [n for n in table.get(industry_code, ["农业"]) if n in departments] or list(departments)
    return departments[rng.choice(names)] if names else None


def _trainings(rng, departments) -> list[Training]:
    skills = list(Skill.objects.filter(is_active=True).select_related("industry").order_by("order", "code"))
    key_projects: dict[int, list[Project]] = {}
    for project in Project.objects.key().active().select_related("village").order_by("pk"):
        key_projects.setdefault(project.village.town_id, []).append(project)
    rows, taught = [], []
    for town in Town.objects.order_by("code"):
        projects = key_projects.get(town.pk, [])
        industries = {p.industry_id for p in projects}
        fitting = [s for s in skills if s.industry_id in industries] or skills
        span = (REPORT_DATE - START).days
        for day in sorted(START + timedelta(days=d) for d in rng.sample(range(span), CLASSES_PER_TOWN)):
            first = rng.choice(fitting)
            kindred = [s for s in skills if s.industry_id == first.industry_id and s != first]
            chosen = [first, *rng.sample(kindred, min(len(kindred), rng.randint(0, 2)))]
            industry = chosen[0].industry.code if chosen[0].industry else None
            department = _department(rng, departments, industry, ORGANISER_BY_INDUSTRY)
            project = next((p for p in projects if p.industry_id == chosen[0].industry_id), None)
            title = f"{town.name}{'、'.join(s.name for s in chosen)}培训班"
            place = rng.choice([f"{town.name}党群服务中心", f"{town.name}农民夜校", f"{town.name}农技站"])
            rows.append(
                _training(
                    rng, Training.Kind.CLASS, title, day, place, town=town, department=department, project=project
                )
            )
            taught.append(chosen)
    # Expert lectures are on the farming and market skills the advisory group's departments teach.
    topics = [s for s in skills if s.industry and s.industry.code in ADVISER_BY_INDUSTRY]
    for skill in rng.sample(topics, min(LECTURES, len(topics))):
        department = _department(rng, departments, skill.industry.code)
        title = f"{skill.name}专家讲座"
        rows.append(_training(rng, Training.Kind.LECTURE, title, _day(rng), "市委党校报告厅", department=department))
        taught.append([skill])
    trainings = Training.objects.bulk_create(rows)
    Training.skills.through.objects.bulk_create(
        [
            Training.skills.through(training=t, skill=s)
            for t, chosen in zip(trainings, taught, strict=True)
            for s in chosen
        ]
    )
    return trainings


def _training(rng, kind, title, day, place, *, town=None, department=None, project=None) -> Training:
    title_of = TRAINER_TITLES.get(department.short_name, "讲师") if department else "讲师"
    organiser = department.name if department else "市委组织部"
    return Training(
        kind=kind,
        title=title,
        held_on=day,
        place=place,
        town=town,
        department=department,
        project=project,
        trainer=f"{organiser}{title_of} {chinese_names.name(rng)}",
        notes="困难党员优先参加；学员掌握所教技术的，由授课老师现场考核确认。",
    )


def _attendance(rng, trainings) -> tuple[int, int]:
    people: dict[int | None, dict[str, list[int]]] = {}
    members = Member.objects.in_registry().values_list("pk", "village__town_id", "category").order_by("pk")
    for pk, town_id, category in members.iterator(chunk_size=5000):
        for key in (town_id, None):  # None: the whole city, for the lectures
            people.setdefault(key, {"party": [], "resident": []})[category].append(pk)
    rows = []
    for training in trainings:
        pool = people.get(training.town_id, {"party": [], "resident": []})
        size = rng.randint(*ATTENDEES)
        party = rng.sample(pool["party"], min(len(pool["party"]), round(size * PARTY_SHARE)))
        residents = rng.sample(pool["resident"], min(len(pool["resident"]), size - len(party)))
        rows += [
            Attendance(training=training, member_id=pk, passed=rng.random() < PASS_RATE) for pk in party + residents
        ]
    Attendance.objects.bulk_create(rows, batch_size=5000)
    return len(rows), sum(a.passed for a in rows)


def _consultations(rng, advisers) -> tuple[int, int]:
    """The advisory departments advise the key projects of the villages they help, twice each at different times,
    and record it themselves; the organisation department records the group's advice on other key projects."""
    projects = list(Project.objects.key().active().select_related("industry").order_by("pk"))
    if not projects or not advisers:
        return 0, 0
    writers = dict(
        User.objects.filter(department__in=advisers.values(), groups__name="dept_staff")
        .order_by("department_id", "pk")
        .values_list("department_id", "pk")
        .distinct("department_id")
    )
    organiser = User.objects.filter(groups__name="org_staff").order_by("pk").values_list("pk", flat=True).first()
    paired = set(
        VillagePairing.objects.filter(department__in=advisers.values(), ended_on__isnull=True).values_list(
            "department_id", "village_id"
        )
    )
    own = [
        (project, department, writers.get(department.pk))
        for project in projects
        for department in advisers.values()
        if (department.pk, project.village_id) in paired or project.department_id == department.pk
    ]
    plan = [item for item in own for _ in range(2)][:CONSULTATIONS]
    helped = {project.pk for project, _, _ in own}
    others = [project for project in projects if project.pk not in helped]
    for project in rng.sample(others, min(len(others), CONSULTATIONS - len(plan))):
        plan.append((project, _department(rng, advisers, project.industry.code), organiser))
    rows = Consultation.objects.bulk_create([_consultation(rng, *item) for item in plan])
    return len(rows), sum(bool(c.followed_up_on) for c in rows)


def _consultation(rng, project: Project, department: Department, by_id: int | None) -> Consultation:
    kind = rng.choices(list(Consultation.Kind), weights=[35, 40, 25])[0]
    stage = (
        Consultation.Stage.PRE
        if project.status == Project.Status.SELECTED
        else rng.choices(list(Consultation.Stage), weights=[15, 55, 30])[0]
    )
    start = START if stage == Consultation.Stage.PRE else project.started_on or date(2016, 1, 1)
    consulted_on = _day(rng, start, REPORT_DATE - timedelta(days=10))
    advice, outcome = rng.choice(_advice(kind, project.industry.code))
    consultation = Consultation(
        project=project,
        department=department,
        kind=kind,
        stage=stage,
        consulted_on=consulted_on,
        advice=advice.format(product=project.product or project.industry.name),
        by_id=by_id,
    )
    followed_up_on = consulted_on + timedelta(days=rng.randint(7, 45))
    if rng.random() < 0.55 and followed_up_on <= REPORT_DATE:  # the most recent advice still waits
        consultation.followed_up_on, consultation.follow_up = followed_up_on, outcome
    return consultation


def _advice(kind: str, industry_code: str) -> list[tuple[str, str]]:
    if kind == Consultation.Kind.TECHNOLOGY:
        return TECHNOLOGY[TECHNOLOGY_GROUP.get(industry_code, "farming")]
    return ADVICE[kind]
