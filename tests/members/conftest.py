import pytest

from guanghan.models import Village
from tests.factories import MemberFactory
from tests.members.test_roster import make_roster


@pytest.fixture
def member(village):
    """A party member in `village` (三星堆镇 三星村), the town of the town_staff fixture."""
    return MemberFactory(village=village, name="张德福", phone="13812345678")


@pytest.fixture
def other_member(other_village):
    return MemberFactory(village=other_village, name="李秀英", gender="female")


@pytest.fixture
def xlsx(tmp_path):
    """Builds roster .xlsx files under tmp_path (tests.members.test_roster.make_roster), one name per call."""
    counter = iter(range(1000))

    def build(rows, **kwargs):
        return make_roster(tmp_path / f"roster{next(counter)}.xlsx", rows, **kwargs)

    return build


@pytest.fixture
def everywhere(village, other_village):
    """Every village: the scope an organisation-department importer has."""
    return Village.objects.all()
