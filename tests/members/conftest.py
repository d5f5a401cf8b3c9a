import pytest

from tests.factories import MemberFactory


@pytest.fixture
def member(village):
    """A party member in `village` (三星堆镇 三星村), the town of the town_staff fixture."""
    return MemberFactory(village=village, name="张德福", phone="13812345678")


@pytest.fixture
def other_member(other_village):
    return MemberFactory(village=other_village, name="李秀英", gender="female")
