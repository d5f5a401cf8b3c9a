import pytest

from tests.factories import MemberFactory, ProjectFactory


@pytest.fixture
def project(village, department):
    return ProjectFactory(village=village, name="三星村韭黄种植基地", department=department)


@pytest.fixture
def other_project(other_village):
    return ProjectFactory(village=other_village, name="金光村生猪养殖")


@pytest.fixture
def paired(department, village):
    """The department helps `village` (部门帮村)."""
    from projects.models import VillagePairing

    return VillagePairing.objects.create(department=department, village=village, year=2016, started_on="2016-03-01")


@pytest.fixture
def member(village):
    return MemberFactory(village=village, name="张德福")
