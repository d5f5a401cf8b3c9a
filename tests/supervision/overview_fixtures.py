"""Visits, rectifications and questionnaires for the overview and officer tests. Import into a test module with
`from tests.supervision.overview_fixtures import *`."""

from datetime import date

import pytest

from supervision.models import Assignment, Check, LiaisonOfficer, Questionnaire, Response, Visit
from tests.factories import CadreFactory, UserFactory, VillageFactory

ON = date(2016, 6, 30)  # the day the tests look at (?on=), inside the demo period


def make_visit(village, day, *, by, officer=None, checks=(Check.YES, Check.YES, Check.YES), **fields) -> Visit:
    funds, effect, people = checks
    return Visit.objects.create(
        officer=officer,
        village=village,
        visited_on=day,
        funds_clear=funds,
        effect_visible=effect,
        people_satisfied=people,
        by=by,
        **fields,
    )


def make_officer(village, *, name, started_on=date(2015, 3, 1), **fields) -> LiaisonOfficer:
    officer = LiaisonOfficer.objects.create(cadre=CadreFactory(name=name), appointed_on=date(2015, 3, 1), **fields)
    Assignment.objects.create(officer=officer, village=village, started_on=started_on)
    return officer


def make_questionnaire(village, day, answers, *, by) -> Questionnaire:
    questionnaire = Questionnaire.objects.create(village=village, held_on=day, by=by)
    Response.objects.bulk_create(Response(questionnaire=questionnaire, answer=a) for a in answers)
    return questionnaire


@pytest.fixture
def recorder(db):
    """The user who typed the visits in (organisation staff)."""
    return UserFactory(username="recorder", display_name="组织部 赵洁", role="org_staff")


@pytest.fixture
def idle_officer(town):
    """An officer in post in a third village of `town` who made no visit."""
    return make_officer(VillageFactory(town=town, name="高骈村", code="510681101202"), name="陈静")
