"""The permission matrix: every URL of the URLconf, for every role, answers what tests/permission_matrix.py declares.

A URL added without a declared answer, or a declared URL that is gone, fails `test_every_url_has_a_declared_answer`.
The world (one object of every kind inside the scoped roles' scope and one outside it) is built once for the module
in a transaction rolled back at its end; each case runs in a savepoint of its own, and a POST (always with an empty
body, or on objects in a state that refuses the action) must insert, update and delete nothing.
"""

import io
import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.admin.sites import site as admin_site
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from PIL import Image

from evaluation import services as evaluation
from evaluation.models import Agreement, AssessmentYear, Block
from evaluation.views import DEFAULT_BLOCKS
from funding import services as funding
from funding.models import FundTarget, GuaranteeGroup, GuaranteeMembership, Loan
from guanghan.access import AdminRole, Role
from members.models import ImportBatch, Member
from projects import services as projects
from projects.models import Consultation, Training, VillagePairing
from supervision import services as supervision
from supervision.models import Answer, Assignment, Check, LiaisonOfficer, Rectification, VisitPhoto
from tests.factories import (
    CadreFactory,
    DepartmentFactory,
    MemberFactory,
    ProjectFactory,
    TownFactory,
    UserFactory,
    VillageFactory,
)
from tests.permission_matrix import TABLE, Case, Raw, cases

pytestmark = pytest.mark.django_db

# Tables a request may write without changing any data: the session (saved on every request) and the login log.
UNTRACKED_TABLES = ("django_session", "axes_")
FILE_VIEWS = ("django.views.static", "django.contrib.staticfiles.views")  # static and media files, under DEBUG


# The URLconf --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    name: str
    route: str
    params: tuple[str, ...]


def _params(pattern) -> list[str]:
    converters = getattr(pattern, "converters", None)
    if converters is not None:
        return list(converters)
    return list(pattern.regex.groupindex)


def url_patterns(patterns=None, prefix="", namespace="", params=()) -> dict[str, Pattern]:
    """Every URL pattern by its (namespaced) name, or its route when it has none; the admin's and the static and
    media files' patterns left out."""
    found = {}
    for item in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(item.pattern)
        if isinstance(item, URLResolver):
            if item.app_name == admin_site.name:
                continue
            inner = f"{namespace}:{item.namespace}" if namespace and item.namespace else item.namespace or namespace
            found |= url_patterns(item.url_patterns, route, inner, (*params, *_params(item.pattern)))
        elif isinstance(item, URLPattern) and item.callback.__module__ not in FILE_VIEWS:
            name = f"{namespace}:{item.name}" if namespace and item.name else item.name or route
            found[name] = Pattern(name, route, (*params, *_params(item.pattern)))
    return found


def test_every_url_has_a_declared_answer():
    patterns = url_patterns()
    missing = sorted(set(patterns) - set(TABLE))
    gone = sorted(set(TABLE) - set(patterns))
    wrong = sorted(
        f"{name} ({patterns[name].route}: {len(patterns[name].params)} arguments, the table gives "
        f"{len(TABLE[name].args)})"
        for name in set(TABLE) & set(patterns)
        if len(patterns[name].params) != len(TABLE[name].args)
    )
    problems = []
    if missing:
        problems.append(
            "URLs without a declared answer (add them to TABLE in tests/permission_matrix.py):\n  "
            + "\n  ".join(f"{name}  [{patterns[name].route}]" for name in missing)
        )
    if gone:
        problems.append("TABLE entries whose URL no longer exists (remove them):\n  " + "\n  ".join(gone))
    if wrong:
        problems.append("TABLE entries with the wrong number of URL arguments:\n  " + "\n  ".join(wrong))
    assert not problems, "\n".join(problems)


# The world ----------------------------------------------------------------------------------------------------------


def _jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 30, 30)).save(out, format="JPEG")
    return SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("agreement.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")


def _side(*, town, village, department, officer_cadre, by, uploader, label) -> dict:
    """One object of every kind in `village` (of `town`), helped by `department`, with its officer and household."""
    day = date(2016, 3, 1)
    officer = LiaisonOfficer.objects.create(cadre=officer_cadre, appointed_on=day)
    assignment = Assignment.objects.create(officer=officer, village=village, started_on=day)
    VillagePairing.objects.create(department=department, village=village, year=2016, started_on=day)
    member = MemberFactory(village=village, name=f"{label}对象")
    pairing = projects.household_pair(cadre=CadreFactory(department=department), member=member, on=day)
    project = ProjectFactory(village=village, department=department, name=f"{label}项目")
    project = projects.project_select(project=project)  # selected: selecting it again is refused
    training = Training.objects.create(
        title=f"{label}培训班", held_on=day, town=town, department=department, created_by=by
    )
    consultation = Consultation.objects.create(
        project=project,
        department=department,
        kind=Consultation.Kind.MARKET,
        stage=Consultation.Stage.PRE,
        consulted_on=day,
        advice="扩大种植面积。",
        by=by,
    )
    account = funding.account_for_department(department)
    contribution = funding.contribution_create(
        account=account,
        source="department",
        amount=Decimal("50000.00"),
        received_on=day,
        voucher_no=f"{label}-001",
        department=department,
        by=by,
    )
    disbursement = funding.disbursement_create(
        account=account,
        amount=Decimal("1000.00"),
        paid_on=date(2016, 4, 1),
        voucher_no=f"{label}-002",
        purpose="project",
        approved_by="王主任",
        project=project,
        member=member,
        by=by,
    )
    loan = Loan.objects.create(
        member=member,
        bank="四川广汉农村商业银行",
        product=Loan.Product.SMALL,
        purpose="韭黄种植",
        amount_requested=Decimal("30000.00"),
        term_months=12,
        annual_rate=Decimal("4.35"),
        applied_on=date(2016, 4, 1),
        by=by,
    )
    funding.loan_decide(loan=loan, approve=True, on=date(2016, 4, 1))
    loan = funding.loan_disburse(loan=loan, on=date(2016, 4, 30), contract_no=f"HT-{label}")
    repayment = funding.repayment_record(
        loan=loan, paid_on=date(2016, 5, 30), principal=Decimal("2500.00"), interest=Decimal("100.00"), by=by
    )
    group = GuaranteeGroup.objects.create(name=f"{label}联保小组", village=village, formed_on=day)
    GuaranteeMembership.objects.create(group=group, member=member, joined_on=day)
    target = FundTarget.objects.create(
        year=2016, channel="department", department=department, amount=Decimal("100000.00")
    )
    visit, _ = supervision.visit_create(
        by=by,
        officer=officer,
        village=village,
        visited_on=date(2016, 5, 10),
        kind="routine",
        checks={"funds_clear": Check.YES, "effect_visible": Check.YES, "people_satisfied": Check.YES},
    )
    photo = VisitPhoto.objects.create(visit=visit, image=_jpeg())
    rectification = supervision.rectification_open(
        by=by,
        village=village,
        visit=visit,
        problem="资金公示不全。",
        owner=Rectification.Owner.VILLAGE,
        deadline=date(2016, 6, 10),
        on=date(2016, 5, 10),
    )
    questionnaire = supervision.questionnaire_create(
        by=by, village=village, held_on=date(2016, 5, 10), officer=officer, answers=[{"answer": Answer.SATISFIED}]
    )
    agreement = Agreement.objects.create(
        department=department, village=village, year=2016, signed_on=day, by=by, document=_pdf()
    )
    batch = ImportBatch.objects.create(
        file_name="花名册.xlsx", sha256="0" * 64, uploaded_by=uploader, status=ImportBatch.Status.IMPORTED
    )
    return {
        "village": village,
        "department": department,
        "member": member,
        "batch": batch,
        "project": project,
        "pairing": pairing,
        "training": training,
        "consultation": consultation,
        "account": account,
        "contribution": contribution,
        "disbursement": disbursement,
        "loan": loan,
        "repayment": repayment,
        "guarantee_group": group,
        "target": target,
        "visit": visit,
        "photo": photo,
        "rectification": rectification,
        "officer": officer,
        "assignment": assignment,
        "questionnaire": questionnaire,
        "agreement": agreement,
        "user_account": uploader,
        "lock": AccessAttempt.objects.create(
            username=f"{label}-locked",
            ip_address="198.51.100.7",
            failures_since_start=settings.AXES_FAILURE_LIMIT,
            user_agent="",
            http_accept="",
            path_info="/login/",
            get_data="",
            post_data="",
        ),
    }


def _assessment_years(*, departments, by):
    """2016 open, with its blocks and score rows; 2015 closed."""
    for number in (2015, 2016):
        year = AssessmentYear.objects.create(year=number)
        for order, (code, (weight, top)) in enumerate(DEFAULT_BLOCKS.items()):
            Block.objects.create(year=year, code=code, weight=weight, max_points=top, order=order)
        if number == 2015:
            evaluation.year_close(year=year, by=by)
        else:
            evaluation.scores_prepare(year=year, departments=departments)


def build_world() -> tuple[dict, dict]:
    """The users of every role and the objects {kind: {"inside": …, "outside": …}}.

    Inside: 三星村 of 三星堆镇 (town_staff's town), where the liaison officer is seconded and which the department
    helps (部门帮村), with a member paired with one of its cadres (党员帮户). Outside: 金光村 of 南兴镇, with another
    officer, another department and its own household.
    """
    town, other_town = TownFactory(name="三星堆镇"), TownFactory(name="南兴镇")
    village, other_village = VillageFactory(town=town, name="三星村"), VillageFactory(town=other_town, name="金光村")
    department = DepartmentFactory(name="广汉市农业局", short_name="农业", is_advisory=True)
    other_department = DepartmentFactory(name="广汉市水务局", short_name="水利", is_advisory=True)
    liaison_cadre = CadreFactory(name="刘志强", department=None)
    users = {
        "org_staff": UserFactory(display_name="组织部 王敏", role=Role.ORG_STAFF),
        "town_staff": UserFactory(display_name="三星堆镇工作人员", town=town, role=Role.TOWN_STAFF),
        "liaison": UserFactory(display_name="联络员 张强", cadre=liaison_cadre, role=Role.LIAISON),
        "dept_staff": UserFactory(display_name="农业局工作人员", department=department, role=Role.DEPT_STAFF),
        "leader": UserFactory(display_name="领导小组 李建华", role=Role.LEADER),
        "sys_admin": UserFactory(display_name="系统管理员 赵磊", role=AdminRole.SYS_ADMIN),
        "security_admin": UserFactory(display_name="安全管理员 孙丽", role=AdminRole.SECURITY_ADMIN),
        "auditor": UserFactory(display_name="审计管理员 周平", role=AdminRole.AUDITOR),
        "superuser": UserFactory(display_name="超级管理员", is_superuser=True, is_staff=True),
        "no_role": UserFactory(display_name="新同事"),
    }
    other_town_staff = UserFactory(display_name="南兴镇工作人员", town=other_town, role=Role.TOWN_STAFF)
    by = users["org_staff"]
    inside = _side(
        town=town,
        village=village,
        department=department,
        officer_cadre=liaison_cadre,
        by=by,
        uploader=users["town_staff"],
        label="三星",
    )
    outside = _side(
        town=other_town,
        village=other_village,
        department=other_department,
        officer_cadre=CadreFactory(name="何丽", department=None),
        by=by,
        uploader=other_town_staff,
        label="金光",
    )
    _assessment_years(departments=[department, other_department], by=by)
    funding.accounts_open_for(by)  # every account exists, so no form page opens one while the matrix runs
    return users, {kind: {"inside": inside[kind], "outside": outside[kind]} for kind in inside}


@dataclass
class World:
    objects: dict
    sessions: dict[str, str]  # role → session key of its signed-in user
    client: Client  # one for the module: its handler loads the middleware once
    numbers: list[str]  # the members' full ID and phone numbers, which no page may show unmasked

    def client_for(self, role: str) -> Client:
        self.client.cookies.clear()
        if role != "anonymous":
            self.client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return self.client


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("matrix-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        users, objects = build_world()
        # Every member gets a mobile number: pages must show it, and the ID number, only masked.
        for n, member in enumerate(Member.objects.order_by("pk")):
            Member.objects.filter(pk=member.pk).update(phone=f"1391234{n:04d}")
        sessions = {}
        for role, user in users.items():
            client = Client()
            client.force_login(user)
            sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
        # 403, 404 and 405 are what the matrix expects: not worth a logged traceback each.
        request_log = logging.getLogger("django.request")
        level = request_log.level
        request_log.setLevel(logging.ERROR)
        try:
            numbers = [n for row in Member.objects.values_list("id_number", "phone") for n in row if n]
            yield World(objects, sessions, Client(), numbers)
        finally:
            request_log.setLevel(level)
            transaction.set_rollback(True)


# The matrix ---------------------------------------------------------------------------------------------------------


def writes() -> dict[str, tuple[int, int, int]]:
    """Rows inserted, updated and deleted so far in this transaction, by table (PostgreSQL's own counters, so an
    UPDATE shows as well as an INSERT), leaving out the tables a request may write without changing any data."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables "
            "WHERE n_tup_ins + n_tup_upd + n_tup_del > 0"
        )
        return {name: tuple(counts) for name, *counts in cursor.fetchall() if not name.startswith(UNTRACKED_TABLES)}


def _url(name: str, where: str, objects: dict) -> str:
    args = []
    for arg in TABLE[name].args:
        if isinstance(arg, str):
            args.append(objects[arg][where].pk)
        else:
            args.append(arg.value if isinstance(arg, Raw) else arg)
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        pytest.fail(f"{name} with {args} is not in the URLconf: see test_every_url_has_a_declared_answer")


def _param(case: Case):
    marks = [pytest.mark.xfail(strict=True, reason=case.bug)] if case.bug else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in cases()])
def test_declared_answer(case: Case, world: World):
    url = _url(case.name, case.where, world.objects)
    client = world.client_for(case.role)
    before = writes() if case.method == "POST" else None
    response = client.get(url) if case.method == "GET" else client.post(url, {})
    where = f"{url} ({case.where} the scoped roles' scope)" if case.where == "outside" else url
    answered = f"{response.status_code}" + (f" → {response['Location']}" if response.has_header("Location") else "")
    assert response.status_code == case.answer, (
        f"{case.method} {where} as {case.role}: declared {case.answer}, answered {answered}"
    )
    if case.method == "GET" and not getattr(response, "streaming", False):
        shown = response.content.decode(errors="replace") + response.get("Location", "")
        unmasked = [number for number in world.numbers if number in shown]
        assert not unmasked, f"GET {url} as {case.role} shows full ID or phone numbers: {unmasked}"
    if case.role == "anonymous" and case.answer == 302:
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL)), f"{case.method} {url}: {answered}"
    if before is not None:
        after = writes()
        changed = {table: after[table] for table in after if after[table] != before.get(table)}
        assert not changed, (
            f"POST {url} as {case.role} with an empty body wrote (inserted, updated, deleted): {changed}"
        )
