"""Demo supervision for Guanghan, March 2015 – 21 July 2016, as the 2016 report tells it (seed 二.5; seed_demo).

- 95 督查联络员: the demo users officer01–officer95 are cadres seconded as 村党支部副书记, one village each (villages
  with key projects first, spread over the towns); three of them moved to another village in spring 2016.
- Visits: two to four a month by each officer (日常督查), a questionnaire every quarter or so (问卷调查), and the
  organisation department's unannounced checks (明察暗访, by `staff`). About one check in ten is answered 部分 or 否,
  more often in a few struggling villages and less often as the work settles in.
- Each finding opens a rectification as services.visit_create does; most were reported done by their owner (the
  paired department, or the village's town) and verified by `staff`, some were sent back first, and the latest are
  still open or awaiting verification, a few of them overdue.
- Questionnaires of 15–30 villagers each; overall satisfaction (满意 + 基本满意) about 97%, lower in a few villages.

Everything is planned in Python with fixed random seeds and written with bulk inserts. Idempotent: skipped when
liaison officers already exist.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction

from guanghan.access import Role
from guanghan.lib import chinese_names
from guanghan.models import User, Village
from projects.models import Project, VillagePairing
from supervision.models import (
    CHECKS,
    Answer,
    Assignment,
    Check,
    LiaisonOfficer,
    Questionnaire,
    Rectification,
    RectificationStep,
    Response,
    Visit,
    satisfaction_rate,
)

REPORT_DATE = date(2016, 7, 21)
APPOINTED_ON = date(2015, 3, 1)
POSITION = "村党支部副书记"
MOVES = 3  # officers who changed village in 2016
DEADLINE_DAYS = 30
BATCH = 2000
VISITS_A_MONTH = ([1, 2, 3, 4, 5], [1, 5, 6, 4, 1])  # an officer's routine visits in a month, and their weights
UNANNOUNCED_A_MONTH = (6, 12)
STRUGGLING_SHARE = 0.08  # villages where findings are twice as likely and satisfaction is lower
QUARTERS = [
    ("2015 年第二季度", date(2015, 4, 1), date(2015, 6, 30)),
    ("2015 年第三季度", date(2015, 7, 1), date(2015, 9, 30)),
    ("2015 年第四季度", date(2015, 10, 1), date(2015, 12, 31)),
    ("2016 年第一季度", date(2016, 1, 1), date(2016, 3, 31)),
    ("2016 年第二季度", date(2016, 4, 1), date(2016, 6, 30)),
    ("2016 年 7 月", date(2016, 7, 1), REPORT_DATE),
]
REMARK_FIELDS = {"funds_clear": "funds_remark", "effect_visible": "effect_remark", "people_satisfied": "people_remark"}

# What a check can find (the remark) and what its owner then did about it (the note of 报告整改完成).
FINDINGS = {
    "funds_clear": {
        "台账不全，缺少两笔支出凭证": "已补齐两笔支出的原始凭证，重新整理资金台账",
        "资金使用情况未在村务公开栏公示": "已在村务公开栏公示资金使用明细",
        "部分物资采购无验收签字": "已组织村民代表补办物资验收并签字",
        "报账手续不完整，个别发票抬头有误": "已完善报账手续，发票已重新开具",
        "项目资金与村集体资金未分账核算": "已设立项目资金专账，单独核算",
        "分红资金发放表缺少群众签字": "已逐户补签分红资金发放表",
    },
    "effect_visible": {
        "项目进度滞后于计划": "已调整实施计划，增加用工，进度已赶上计划",
        "带动困难党员增收不明显": "已安排困难党员到项目务工，并落实入股分红",
        "技术培训覆盖面不够，部分农户未掌握技术": "已补办技术培训班，未参训农户全部参训",
        "产品销路不畅，存在积压": "已联系收购商签订销售协议，积压产品已售出",
    },
    "people_satisfied": {
        "部分群众反映分红不及时": "已召开群众会议说明分红安排，分红已发放到户",
        "群众对项目收益分配方式有意见": "已召开村民代表大会重新议定分配方案并公示",
        "部分困难党员对项目情况了解不够": "已召开党员会议通报项目情况，并逐户上门讲解",
        "个别群众反映帮扶干部走访少": "已落实帮扶干部每月走访制度，逐户回访",
        "群众反映项目用工未优先安排本村困难户": "已调整用工安排，优先聘用本村困难户",
    },
}
EFFECT_BY_INDUSTRY = {
    "planting": {
        "苗木成活率偏低": "已组织补植补栽，邀请农技员现场指导",
        "部分地块管护不到位，杂草较多": "已组织人员除草追肥，落实专人管护",
    },
    "nursery": {
        "苗木成活率偏低": "已组织补植补栽，邀请农技员现场指导",
        "部分苗圃管护不到位": "已落实专人管护，建立管护记录",
    },
    "forestry_fruit": {
        "果树挂果率偏低": "已请农技员指导修枝疏花，加强水肥管理",
        "果园病虫害防治不及时": "已统一组织病虫害防治",
    },
    "breeding": {
        "防疫记录不全，存栏数与台账不符": "已补全防疫记录，重新盘点存栏并更正台账",
        "圈舍卫生条件较差": "已清理消毒圈舍，建立卫生管理制度",
    },
    "rural_tourism": {"客源不足，经营收入偏低": "已联系旅行社合作，并通过网络宣传推介"},
    "agri_processing": {"加工设备利用率不高": "已扩大收购原料，增加加工批次"},
}
PREPARING_FINDINGS = {
    "项目进度滞后于计划": "已调整实施计划，增加用工，进度已赶上计划",
    "项目筹备进展缓慢，场地尚未落实": "已与农户签订土地流转协议，场地已落实",
    "启动资金到位慢，项目迟迟未开工": "启动资金已拨付到位，项目已开工",
}
REMEDIES = {
    problem: fix
    for group in [*FINDINGS.values(), *EFFECT_BY_INDUSTRY.values(), PREPARING_FINDINGS]
    for problem, fix in group.items()
}
PASSED = {
    "funds_clear": ["资金台账清楚，已公示", "支出凭证齐全"],
    "effect_visible": ["项目运行良好", "带动增收效果明显"],
    "people_satisfied": ["群众评价较好", "群众认可帮扶项目"],
}
ROUTINE_NOTES = [
    "到{project}现场查看生产情况，查阅项目资金台账，与村“两委”商量下一步工作。",
    "走访 {n} 户困难党员和群众，了解{project}带动增收情况，宣传帮扶政策。",
    "协调农技人员到{project}开展技术指导，查看管护措施落实情况。",
    "核对{project}资金拨付和使用情况，督促村上及时公示。",
]
PREPARING_NOTES = [
    "到村了解{project}筹备情况，协调落实场地和启动资金。",
    "与村“两委”和协会商量{project}实施方案，摸排困难党员参与意愿。",
]
VILLAGE_NOTES = [
    "参加村党支部组织生活会，通报帮扶项目进展，收集党员群众意见。",
    "走访 {n} 户困难党员，了解生产生活困难，宣传“党员农贷快车”政策。",
    "与村“两委”研究下一年度帮扶项目，摸排群众发展意愿。",
]
UNANNOUNCED_NOTES = [
    "市委组织部明察暗访：不打招呼直接到{project}，查看现场，随机走访 {n} 户群众。",
    "市委组织部明察暗访：随机抽查{project}资金台账，个别访谈困难党员 {n} 名。",
]
REOPENED_NOTES = {
    "funds_clear": "复查资料仍不齐全，请补充原始凭证",
    "effect_visible": "现场核查未见明显整改成效，请继续整改",
    "people_satisfied": "回访群众，反映的问题仍未解决",
}
VERIFIED_NOTES = {
    "funds_clear": ["查阅台账，资料齐全，同意销号", "复核凭证无误，整改到位"],
    "effect_visible": ["经现场核查，整改到位", "现场查看，已见成效"],
    "people_satisfied": ["回访群众，反映良好", "回访 5 户群众，均表示满意"],
}
COMMENTS = {
    Answer.SATISFIED: ["帮扶干部经常来，项目搞得好", "希望项目规模再扩大一些", "技术培训很实用", "分红按时发到手"],
    Answer.BASICALLY: ["希望分红再及时一些", "希望多组织技术培训", "希望多来村里走走"],
    Answer.DISSATISFIED: ["项目收益还没见到", "分红不及时", "对项目选址有意见", "没有参加到项目里"],
}


@dataclass
class Stay:
    """One assignment: an officer in a village between two dates."""

    officer: LiaisonOfficer
    user_id: int
    village: Village
    start: date
    end: date


@transaction.atomic
def seed(log) -> None:
    if LiaisonOfficer.objects.exists():
        log(f"督查：已有 {LiaisonOfficer.objects.count()} 名联络员，未作改动")
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # see members/demo.py
    world = World.load()
    if not world.officer_users:
        log("督查：没有联络员演示账号，未生成督查数据")
        return
    stays = _officers(random.Random(95), world)
    questionnaires = _questionnaires(random.Random(97), world, stays)
    visits = _visits(random.Random(2016), world, stays, questionnaires)
    rectifications = _rectifications(random.Random(30), world, visits)
    _log(log, stays, visits, rectifications, questionnaires)


class World:
    """The villages, projects, pairings and users the supervision data hangs on, read once."""

    @classmethod
    def load(cls):
        world = cls()
        world.staff = User.objects.get(username="staff")
        world.officer_users = list(
            User.objects.filter(
                username__regex=r"^officer\d+$", groups__name=Role.LIAISON, cadre__isnull=False
            ).order_by("username")
        )
        world.villages = list(Village.objects.filter(is_active=True).select_related("town").order_by("code"))
        rng = random.Random(8)
        world.struggling = {v.pk for v in world.villages if rng.random() < STRUGGLING_SHARE}
        world.projects = {}  # village → its projects still going on
        for project in Project.objects.active().select_related("industry").order_by("pk"):
            world.projects.setdefault(project.village_id, []).append(project)
        world.pairing = {}  # (village, year) → department; (village, None) → any year's
        rows = VillagePairing.objects.filter(ended_on__isnull=True).order_by("year", "pk")
        for village_id, year, department_id in rows.values_list("village_id", "year", "department_id"):
            world.pairing[village_id, year] = department_id
            world.pairing.setdefault((village_id, None), department_id)
        world.department_users = dict(
            User.objects.filter(groups__name=Role.DEPT_STAFF, department__isnull=False)
            .order_by("department_id", "pk")
            .distinct("department_id")
            .values_list("department_id", "pk")
        )
        world.town_users = dict(
            User.objects.filter(groups__name=Role.TOWN_STAFF, town__isnull=False)
            .order_by("town_id", "pk")
            .distinct("town_id")
            .values_list("town_id", "pk")
        )
        return world

    def projects_on(self, village_id: int, day: date) -> list[Project]:
        """The village's key projects under way on that day, else those being prepared, else its projects of the
        year."""
        projects = self.projects.get(village_id, [])
        running = [p for p in projects if p.is_key and p.started_on and p.started_on <= day]
        if running:
            return running
        return [p for p in projects if p.is_key] or [p for p in projects if p.year == day.year]

    def department(self, village_id: int, day: date) -> int | None:
        return self.pairing.get((village_id, day.year)) or self.pairing.get((village_id, None))


def _day(rng, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


# Officers and their villages


def _spread(rng, villages: list[Village], count: int) -> list[Village]:
    """`count` villages taken town by town in turn, so every town gets its share; villages with key projects first."""
    by_town: dict[int, list[Village]] = {}
    for village in villages:
        by_town.setdefault(village.town_id, []).append(village)
    for town_villages in by_town.values():
        rng.shuffle(town_villages)
    order = []
    while len(order) < len(villages):
        for town_villages in by_town.values():
            if town_villages:
                order.append(town_villages.pop())
    return order[:count]


def _officers(rng, world: World) -> list[Stay]:
    users = world.officer_users
    keyed = {p.village_id for projects in world.projects.values() for p in projects if p.is_key}
    preferred = [v for v in world.villages if v.pk in keyed]
    others = [v for v in world.villages if v.pk not in keyed]
    villages = _spread(rng, preferred, len(users) + MOVES)
    villages += _spread(rng, others, len(users) + MOVES - len(villages))
    officers = [LiaisonOfficer(cadre_id=u.cadre_id, position=POSITION, appointed_on=APPOINTED_ON) for u in users]
    LiaisonOfficer.objects.bulk_create(officers)
    stays = [Stay(o, u.pk, v, APPOINTED_ON, REPORT_DATE) for o, u, v in zip(officers, users, villages, strict=False)]
    assignments = [Assignment(officer=s.officer, village=s.village, started_on=s.start) for s in stays]
    movers = sorted(rng.sample(range(len(stays)), min(MOVES, len(stays))))
    for i, village in zip(movers, villages[len(users) :], strict=False):
        moved_on = date(2016, rng.randint(3, 5), 1)
        stays[i].end = assignments[i].ended_on = moved_on - timedelta(days=1)
        stays.append(Stay(stays[i].officer, stays[i].user_id, village, moved_on, REPORT_DATE))
        assignments.append(Assignment(officer=stays[i].officer, village=village, started_on=moved_on))
    Assignment.objects.bulk_create(assignments)
    return stays


# Questionnaires


@dataclass
class Survey:
    questionnaire: Questionnaire
    responses: list[Response]
    stay: Stay

    @property
    def rate(self):
        content = sum(r.answer != Answer.DISSATISFIED for r in self.responses)
        return satisfaction_rate(content, len(self.responses))


def _questionnaires(rng, world: World, stays: list[Stay]) -> list[Survey]:
    """One survey a quarter in each village while its officer is there (the last, short quarter in some); about one
    in seven run by the organisation department itself."""
    surveys = []
    for stay in stays:
        village = stay.village
        dissatisfied = rng.uniform(0.06, 0.11) if village.pk in world.struggling else rng.uniform(0.005, 0.03)
        basically = rng.uniform(0.15, 0.35)
        for name, start, end in QUARTERS:
            start, end = max(start, stay.start), min(end, stay.end)
            if (end - start).days < 10 or (end == REPORT_DATE and rng.random() < 0.6):
                continue
            held_on = _day(rng, start, end)
            by_staff = rng.random() < 0.15
            projects = world.projects_on(village.pk, held_on)
            questionnaire = Questionnaire(
                village=village,
                project=rng.choice(projects) if projects and rng.random() < 0.6 else None,
                held_on=held_on,
                officer=None if by_staff else stay.officer,
                note=f"{name}群众满意度问卷调查" + ("（市委组织部）" if by_staff else ""),
                by_id=world.staff.pk if by_staff else stay.user_id,
            )
            responses = []
            for _ in range(rng.randint(15, 30)):
                r = rng.random()
                answer = (
                    Answer.DISSATISFIED
                    if r < dissatisfied
                    else Answer.BASICALLY
                    if r < dissatisfied + basically
                    else Answer.SATISFIED
                )
                comment = (
                    rng.choice(COMMENTS[answer])
                    if rng.random() < (0.8 if answer == Answer.DISSATISFIED else 0.2)
                    else ""
                )
                respondent = chinese_names.name(rng, "male" if rng.random() < 0.55 else "female")
                responses.append(
                    Response(questionnaire=questionnaire, respondent=respondent, answer=answer, comment=comment)
                )
            surveys.append(Survey(questionnaire, responses, stay))
    surveys.sort(key=lambda s: (s.questionnaire.held_on, s.questionnaire.village.code))
    Questionnaire.objects.bulk_create([s.questionnaire for s in surveys], batch_size=BATCH)
    Response.objects.bulk_create([r for s in surveys for r in s.responses], batch_size=BATCH)
    return surveys


# Visits


def _visits(rng, world: World, stays: list[Stay], surveys: list[Survey]) -> list[Visit]:
    visits = []

    def visit(stay: Stay | None, village: Village, day: date, kind: str, survey: Survey | None = None) -> None:
        if survey:
            project = survey.questionnaire.project
        else:
            projects = world.projects_on(village.pk, day)
            project = rng.choice(projects) if projects and rng.random() < 0.85 else None
        # Findings are more likely early on, in a struggling village and when nobody is expected.
        chance = 0.115 - 0.04 * (day - APPOINTED_ON).days / (REPORT_DATE - APPOINTED_ON).days
        chance *= (2 if village.pk in world.struggling else 1) * (1.4 if kind == Visit.Kind.UNANNOUNCED else 1)
        checks = {}
        for name, _ in CHECKS:
            if survey and name == "people_satisfied":
                value, remark = _satisfaction_check(rng, survey)
            else:
                value, remark = _check(rng, name, chance, project, day)
            checks[name], checks[REMARK_FIELDS[name]] = value, remark
        visits.append(
            Visit(
                officer=stay.officer if stay else None,
                village=village,
                project=project,
                visited_on=day,
                kind=kind,
                notes=_notes(rng, kind, project, day, survey),
                by_id=stay.user_id if stay else world.staff.pk,
                **checks,
            )
        )

    for stay in stays:
        month = date(stay.start.year, stay.start.month, 1)
        while month <= stay.end:
            following = (month + timedelta(days=32)).replace(day=1)
            start, end = max(month, stay.start), min(following - timedelta(days=1), stay.end)
            days = (end - start).days + 1
            count = round(rng.choices(*VISITS_A_MONTH)[0] * days / (following - month).days)
            for offset in sorted(rng.sample(range(days), min(count, days))):
                visit(stay, stay.village, start + timedelta(days=offset), Visit.Kind.ROUTINE)
            month = following
    for survey in surveys:  # the organisation department's own surveys are recorded by `staff`
        stay = survey.stay if survey.questionnaire.officer else None
        visit(stay, survey.stay.village, survey.questionnaire.held_on, Visit.Kind.QUESTIONNAIRE, survey)
    month = APPOINTED_ON
    while month <= REPORT_DATE:
        following = (month + timedelta(days=32)).replace(day=1)
        end = min(following - timedelta(days=1), REPORT_DATE)
        present = [s for s in stays if s.start <= end and s.end >= month]
        for stay in rng.sample(present, min(len(present), rng.randint(*UNANNOUNCED_A_MONTH))):
            visit(None, stay.village, _day(rng, max(month, stay.start), min(end, stay.end)), Visit.Kind.UNANNOUNCED)
        month = following
    visits.sort(key=lambda v: (v.visited_on, v.village.code, v.kind))
    return Visit.objects.bulk_create(visits, batch_size=BATCH)


def _preparing(project: Project, day: date) -> bool:
    return not project.started_on or project.started_on > day


def _check(rng, name: str, chance: float, project: Project | None, day: date) -> tuple[str, str]:
    preparing = name == "effect_visible" and project and _preparing(project, day)
    if rng.random() >= chance:
        passed = ["筹备工作按计划推进"] if preparing else PASSED[name]
        return Check.YES, rng.choice(passed) if rng.random() < 0.15 else ""
    remarks = list(FINDINGS[name])
    if preparing:
        remarks = list(PREPARING_FINDINGS)
    elif name == "effect_visible" and project:
        remarks += list(EFFECT_BY_INDUSTRY.get(project.industry.code, {})) * 2
    return (Check.PARTLY if rng.random() < 0.75 else Check.NO), rng.choice(remarks)


def _satisfaction_check(rng, survey: Survey) -> tuple[str, str]:
    rate = survey.rate
    if rate >= 90:
        return Check.YES, f"问卷满意率 {rate}%"
    value = Check.PARTLY if rate >= 80 else Check.NO
    return value, f"问卷满意率 {rate}%，{rng.choice(list(FINDINGS['people_satisfied']))}"


def _notes(rng, kind: str, project: Project | None, day: date, survey: Survey | None) -> str:
    n = rng.randint(3, 8)
    if survey:
        return f"组织开展群众满意度问卷调查，收回问卷 {len(survey.responses)} 份，满意率 {survey.rate}%。"
    if kind == Visit.Kind.UNANNOUNCED:
        return rng.choice(UNANNOUNCED_NOTES).format(project=project.name if project else "村帮扶项目", n=n)
    if project and _preparing(project, day):
        return rng.choice(PREPARING_NOTES).format(project=project.name)
    if project:
        return rng.choice(ROUTINE_NOTES).format(project=project.name, n=n)
    return rng.choice(VILLAGE_NOTES).format(n=n)


# Rectifications


def _rectifications(rng, world: World, visits: list[Visit]) -> list[Rectification]:
    """One per finding, as services.visit_create opens them; then each one's course up to the report date."""
    rows, courses = [], []
    for visit in visits:
        for name, label, remark in visit.findings():
            department_id = world.department(visit.village_id, visit.visited_on)
            if name == "people_satisfied" or department_id is None:
                owner, department_id = Rectification.Owner.VILLAGE, None
                owner_user = world.town_users.get(visit.village.town_id, world.staff.pk)
            else:
                owner = Rectification.Owner.DEPARTMENT
                owner_user = world.department_users.get(department_id, world.staff.pk)
            course = _course(rng, name, remark, visit, owner_user, world.staff.pk)
            last = course[-1].action  # a step's action names the state it leads to, but for 提出
            status = (
                Rectification.Status.OPEN if last == RectificationStep.Action.OPENED else Rectification.Status(last)
            )
            rows.append(
                Rectification(
                    visit=visit,
                    village_id=visit.village_id,
                    project_id=visit.project_id,
                    finding=name,
                    problem=f"{label}：{Check(getattr(visit, name)).label}。{remark}".strip(),
                    owner=owner,
                    owner_department_id=department_id,
                    deadline=visit.visited_on + timedelta(days=DEADLINE_DAYS),
                    status=status,
                    opened_by_id=visit.by_id,
                    closed_on=course[-1].on if status == Rectification.Status.VERIFIED else None,
                )
            )
            courses.append(course)
    Rectification.objects.bulk_create(rows, batch_size=BATCH)
    for rectification, course in zip(rows, courses, strict=True):
        for step in course:
            step.rectification = rectification
    RectificationStep.objects.bulk_create([s for c in courses for s in c], batch_size=BATCH)
    return rows


def _course(rng, name: str, remark: str, visit: Visit, owner_user: int, staff: int) -> list[RectificationStep]:
    """Opened on the visit's day; most reported within the month and verified soon after; about one in ten sent back
    first; one in thirty never reported. Steps that would fall after the report date have not happened yet."""
    Action = RectificationStep.Action
    fix = next((fix for problem, fix in REMEDIES.items() if remark.endswith(problem)), "已按要求完成整改")
    reported = (Action.REPORTED, rng.randint(5, 38), fix, owner_user)
    verify_gap = rng.randint(20, 50) if rng.random() < 0.08 else rng.randint(2, 15)
    verified = (Action.VERIFIED, verify_gap, rng.choice(VERIFIED_NOTES[name]), staff)
    r = rng.random()
    if r < 0.03:
        plan = []
    elif r < 0.13:
        again = (Action.REPORTED, rng.randint(5, 25), f"按退回意见继续整改：{fix}", owner_user)
        plan = [reported, (Action.REOPENED, rng.randint(3, 12), REOPENED_NOTES[name], staff), again, verified]
        if rng.random() < 0.25:
            plan = plan[:2]
    else:
        plan = [reported, verified]
    steps = [RectificationStep(action=Action.OPENED, on=visit.visited_on, by_id=visit.by_id)]
    for action, gap, note, by_id in plan:
        on = steps[-1].on + timedelta(days=gap)
        if on > REPORT_DATE:
            break
        steps.append(RectificationStep(action=action, on=on, note=note, by_id=by_id))
    return steps


def _log(log, stays, visits, rectifications, surveys) -> None:
    officers = {s.officer.pk for s in stays}
    kinds = {kind: sum(v.kind == kind for v in visits) for kind in Visit.Kind}
    findings = sum(getattr(v, name) != Check.YES for v in visits for name, _ in CHECKS)
    log(f"督查联络员 {len(officers)} 名，派驻 {len(officers)} 个村（{len(stays) - len(officers)} 人调整了挂职村）")
    log(
        f"督查记录 {len(visits)} 条（" + "、".join(f"{k.label} {n}" for k, n in kinds.items()) + "），"
        f"检查项未达标 {findings * 100 / (3 * len(visits)):.1f}%"
    )
    states = {s: sum(r.status == s for r in rectifications) for s in Rectification.Status}
    overdue = sum(r.is_overdue(REPORT_DATE) for r in rectifications)
    log(
        f"整改事项 {len(rectifications)} 件（"
        + "、".join(f"{s.label} {n}" for s, n in states.items())
        + f"；截至 {REPORT_DATE:%Y-%m-%d} 逾期 {overdue}）"
    )
    responses = [r for s in surveys for r in s.responses]
    content = sum(r.answer != Answer.DISSATISFIED for r in responses)
    log(
        f"满意度问卷 {len(surveys)} 份，答卷 {len(responses)} 份，"
        f"总体满意率 {satisfaction_rate(content, len(responses))}%"
    )
