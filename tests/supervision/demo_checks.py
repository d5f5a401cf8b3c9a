"""The demo supervision tells the 2016 report's story (seed 二.5): 95 liaison officers in 95 villages, a few visits a
month each with realistic findings, rectifications in every state, satisfaction above 95%."""

import io
from datetime import date, timedelta

from django.core.management import call_command
from django.db.models import Count, Exists, F, OuterRef, Q
from django.urls import reverse

from guanghan import access
from guanghan.models import User
from projects.models import VillagePairing
from supervision.models import (
    CHECKS,
    Assignment,
    Check,
    LiaisonOfficer,
    Questionnaire,
    Rectification,
    RectificationStep,
    Response,
    Visit,
    satisfaction_counts,
)

REPORT_DATE = date(2016, 7, 21)
MONTHS = 16 + 21 / 31  # March 2015 to 21 July 2016


def test_95_officers_each_in_its_own_village(seeded):
    officers = LiaisonOfficer.objects.all()
    assert officers.count() == 95
    assert not officers.exclude(position="村党支部副书记", appointed_on=date(2015, 3, 1), is_active=True).exists()
    active = Assignment.objects.active(REPORT_DATE).order_by()
    assert active.count() == 95
    assert active.values("officer").distinct().count() == 95
    assert active.values("village").distinct().count() == 95
    assert User.objects.filter(username__startswith="officer", cadre__liaison_officer__isnull=False).count() == 95


def test_three_officers_changed_village_in_2016(seeded):
    ended = Assignment.objects.filter(ended_on__isnull=False)
    assert ended.count() == 3
    for old in ended:
        new = Assignment.objects.get(officer=old.officer, ended_on__isnull=True)
        assert new.village != old.village
        assert new.started_on == old.ended_on + timedelta(days=1)
        assert new.started_on.year == 2016
    assert Assignment.objects.order_by().values("village").distinct().count() == 98


def test_every_officer_sees_its_village(seeded):
    officers = User.objects.filter(username__startswith="officer").order_by("username")
    current = dict(Assignment.objects.filter(ended_on__isnull=True).values_list("officer__cadre_id", "village_id"))
    assert sorted(current) == sorted(officers.values_list("cadre_id", flat=True))
    for user in officers[::19]:  # officer01, officer20 … : the scope itself, through access.py
        assert list(access.villages_visible_to(user).values_list("pk", flat=True)) == [current[user.cadre_id]]


def test_officers_visit_a_few_times_a_month_and_only_their_villages(seeded):
    by_officer = Visit.objects.filter(officer__isnull=False).values("officer").annotate(n=Count("pk"))
    counts = [row["n"] for row in by_officer]
    assert len(counts) == 95
    assert 1 <= sum(counts) / 95 / MONTHS <= 5
    assert min(counts) >= MONTHS
    assigned = Assignment.objects.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=OuterRef("visited_on")),
        officer=OuterRef("officer"),
        village=OuterRef("village"),
        started_on__lte=OuterRef("visited_on"),
    )
    officers_visits = Visit.objects.filter(officer__isnull=False)
    assert not officers_visits.exclude(Exists(assigned)).exists()
    assert not officers_visits.exclude(by__cadre=F("officer__cadre")).exists()
    assert not Visit.objects.filter(Q(visited_on__lt=date(2015, 3, 1)) | Q(visited_on__gt=REPORT_DATE)).exists()
    assert not Visit.objects.filter(client_key__isnull=False).exists()


def test_visits_are_mostly_routine_with_unannounced_checks_by_staff_and_questionnaires(seeded):
    kinds = dict(Visit.objects.values_list("kind").annotate(n=Count("pk")))
    assert kinds["routine"] > 0.7 * sum(kinds.values())
    assert kinds["unannounced"] > 100 and kinds["questionnaire"] > 300
    unannounced = Visit.objects.filter(kind="unannounced")
    assert set(unannounced.values_list("by__username", "officer")) == {("staff", None)}
    assert Visit.objects.filter(project__isnull=False).count() > 0.7 * Visit.objects.count()
    assert not Visit.objects.filter(project__isnull=False).exclude(project__village=F("village")).exists()
    assert not Visit.objects.filter(notes="").exists()


def test_about_one_check_in_ten_is_a_finding_with_a_remark(seeded):
    visits = Visit.objects.count()
    findings = sum(Visit.objects.exclude(**{name: Check.YES}).count() for name, _ in CHECKS)
    assert 0.08 <= findings / (3 * visits) <= 0.12
    assert (
        Visit.objects.filter(funds_clear=Check.NO).exists() and Visit.objects.filter(effect_visible="partly").exists()
    )
    for name, remark in (("funds_clear", "funds_remark"), ("effect_visible", "effect_remark")):
        assert not Visit.objects.exclude(**{name: Check.YES}).filter(**{remark: ""}).exists()
    assert Visit.objects.filter(funds_remark="台账不全，缺少两笔支出凭证").exists()


def test_each_finding_opened_one_rectification_owned_as_the_service_does(seeded):
    findings = sum(Visit.objects.exclude(**{name: Check.YES}).count() for name, _ in CHECKS)
    rectifications = Rectification.objects.all()
    assert rectifications.count() == findings
    assert not rectifications.exclude(deadline=F("visit__visited_on") + timedelta(days=30)).exists()
    assert not rectifications.exclude(village=F("visit__village")).exists()
    assert not rectifications.exclude(opened_by=F("visit__by")).exists()
    by_department = rectifications.filter(owner="department")
    assert set(by_department.values_list("finding", flat=True)) == {"funds_clear", "effect_visible"}
    assert not rectifications.filter(finding="people_satisfied", owner="department").exists()
    paired = set(VillagePairing.objects.values_list("department_id", "village_id"))
    assert set(by_department.values_list("owner_department_id", "village_id")) <= paired
    sample = rectifications.select_related("visit").order_by("pk")[:50]
    for rectification in sample:
        name, label, remark = next(f for f in rectification.visit.findings() if f[0] == rectification.finding)
        value = Check(getattr(rectification.visit, name)).label
        assert rectification.problem == f"{label}：{value}。{remark}".strip()


def test_rectifications_in_every_state_most_verified_some_overdue(seeded):
    states = dict(Rectification.objects.values_list("status").annotate(n=Count("pk")))
    assert set(states) == {"open", "reported", "verified", "reopened"}
    assert states["verified"] > 0.7 * sum(states.values())
    assert Rectification.objects.overdue(REPORT_DATE).count() >= 5
    assert Rectification.objects.open().filter(deadline__gte=REPORT_DATE).exists()
    verified = Rectification.objects.filter(status="verified")
    assert not verified.filter(closed_on__isnull=True).exists()
    assert not Rectification.objects.exclude(status="verified").filter(closed_on__isnull=False).exists()


def test_rectification_steps_follow_the_state_machine_in_date_order(seeded):
    rectifications = Rectification.objects.select_related("visit", "village").prefetch_related("steps__by")
    sent_back_then_verified = 0
    for rectification in rectifications:
        steps = list(rectification.steps.all())
        actions = [s.action for s in steps]
        assert actions[0] == "opened" and steps[0].on == rectification.visit.visited_on
        assert [s.on for s in steps] == sorted(s.on for s in steps)
        assert steps[-1].on <= REPORT_DATE
        status = "open"
        for action in actions[1:]:
            assert action in Rectification.TRANSITIONS[status], (rectification.pk, actions)
            status = action
        assert status == rectification.status
        if rectification.status == "verified":
            assert rectification.closed_on == steps[-1].on
        for step in steps[1:]:
            if step.action == "reported":
                expected = rectification.owner_department_id if rectification.owner == "department" else None
                assert step.by.department_id == expected
                assert step.by.town_id == (None if expected else rectification.village.town_id)
            else:
                assert step.by.username == "staff"
            assert step.note
        sent_back_then_verified += actions[-3:] == ["reopened", "reported", "verified"]
    assert sent_back_then_verified > 10
    assert RectificationStep.objects.filter(rectification__status="reported").exists()


def test_questionnaires_every_quarter_with_satisfaction_above_95_percent(seeded):
    counts = satisfaction_counts(Response.objects.all())
    assert 95 < counts["rate"] < 99.5
    assert counts["dissatisfied"] > 0
    per_village = Questionnaire.objects.values("village").annotate(n=Count("pk"))
    assert len(per_village) == 98
    assert min(row["n"] for row in per_village) >= 1
    assert sum(row["n"] for row in per_village) >= 95 * 4
    sizes = Questionnaire.objects.annotate(n=Count("responses")).values_list("n", flat=True)
    assert min(sizes) >= 15 and max(sizes) <= 30
    rates = [satisfaction_counts(Response.objects.filter(questionnaire__village=v))["rate"] for v in _villages()]
    assert sum(rate < 95 for rate in rates) >= 2
    assert not Response.objects.exclude(respondent__regex=r"^[\u4e00-\u9fff]{2,3}$").exists()
    assert Response.objects.exclude(comment="").exists()
    assert not Questionnaire.objects.filter(held_on__gt=REPORT_DATE).exists()


def test_each_questionnaire_was_a_questionnaire_visit(seeded):
    questionnaires = Questionnaire.objects.all()
    visits = Visit.objects.filter(kind="questionnaire")
    assert visits.count() == questionnaires.count()
    matching = visits.filter(village=OuterRef("village"), visited_on=OuterRef("held_on"), by=OuterRef("by"))
    assert not questionnaires.exclude(Exists(matching)).exists()
    assert set(questionnaires.filter(officer__isnull=True).values_list("by__username", flat=True)) == {"staff"}


def test_a_second_seed_adds_no_supervision_rows(seeded):
    models = (LiaisonOfficer, Assignment, Visit, Rectification, RectificationStep, Questionnaire, Response)
    before = [m.objects.count() for m in models]
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert [m.objects.count() for m in models] == before
    assert "督查：已有 95 名联络员，未作改动" in out.getvalue()


def _villages():
    return Questionnaire.objects.order_by().values_list("village", flat=True).distinct()


def test_the_overview_reads_the_demo_data(client, seeded, django_assert_max_num_queries):

    client.force_login(User.objects.get(username="leader"))
    with django_assert_max_num_queries(15):
        response = client.get(reverse("supervision:overview"), {"on": "2016-07-21"})
    assert response.status_code == 200
    assert response.context["year"] == 2016
    assert len(response.context["officer_rows"]) == 95
    assert response.context["visit_total"] == Visit.objects.filter(visited_on__year=2016).count() > 0
    assert response.context["satisfaction"]["rate"] > 95
    staff = User.objects.get(username="staff")
    client.force_login(staff)
    assert client.get(reverse("supervision:unvisited-villages"), {"on": "2016-07-21"}).status_code == 200
    assert client.get(reverse("supervision:officer-list"), {"on": "2016-07-21"}).status_code == 200
