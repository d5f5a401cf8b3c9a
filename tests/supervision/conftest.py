"""Supervision fixtures: the liaison user is officer of `village` (active assignment); another officer elsewhere."""

from datetime import date

import pytest

from supervision.models import Assignment, LiaisonOfficer
from tests.factories import CadreFactory, ProjectFactory, UserFactory


@pytest.fixture
def officer(liaison, village):
    """The `liaison` user's officer record, seconded to `village` since 2015-03-01."""
    cadre = CadreFactory(name="刘志强", position="科员")
    liaison.cadre = cadre
    liaison.save(update_fields=["cadre"])
    officer = LiaisonOfficer.objects.create(cadre=cadre, appointed_on=date(2015, 3, 1))
    Assignment.objects.create(officer=officer, village=village, started_on=date(2015, 3, 1))
    return officer


@pytest.fixture
def other_officer(other_village):
    """Another officer, in `other_village`, with its own login."""
    cadre = CadreFactory(name="何丽")
    user = UserFactory(username="officer02", role="liaison", cadre=cadre)
    officer = LiaisonOfficer.objects.create(cadre=cadre, appointed_on=date(2015, 3, 1))
    Assignment.objects.create(officer=officer, village=other_village, started_on=date(2015, 3, 1))
    officer.user = user
    return officer


@pytest.fixture
def project(village, department):
    return ProjectFactory(village=village, name="三星村韭黄种植基地", department=department)


@pytest.fixture
def paired(department, village):
    from projects.models import VillagePairing

    return VillagePairing.objects.create(department=department, village=village, year=2016, started_on="2016-03-01")
