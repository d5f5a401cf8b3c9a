"""A member's link rows (生存技能, 致富愿景, 其他致贫原因) have their two keys checked once per statement by a trigger,
not by FOREIGN KEY constraints: a link to no member or no lookup is refused all the same, and a member is never
deleted (it leaves the registry by its status), so no link loses its member."""

import io

import pytest
from django.db import IntegrityError, InternalError, connection, transaction

from guanghan.models import Industry, PovertyCause, Skill
from members.models import Member, MemberAspiration, MemberOtherCause, MemberSkill
from tests.factories import MemberFactory

LINKS = [
    (MemberSkill, Skill, "skill"),
    (MemberAspiration, Industry, "industry"),
    (MemberOtherCause, PovertyCause, "povertycause"),
]
NO_SUCH_ID = 987_654_321


@pytest.fixture
def member(village):
    return MemberFactory(village=village)


def table(model) -> str:
    return model._meta.db_table


@pytest.mark.parametrize(("link", "lookup", "field"), LINKS, ids=lambda value: getattr(value, "__name__", value))
def test_a_link_to_a_member_and_a_lookup_that_exist_is_kept(member, link, lookup, field):
    item = lookup.objects.first()
    link.objects.create(member=member, **{field: item})

    assert link.objects.filter(member=member, **{field: item}).count() == 1


@pytest.mark.parametrize(("link", "lookup", "field"), LINKS, ids=lambda value: getattr(value, "__name__", value))
def test_a_link_to_no_lookup_is_refused_as_a_foreign_key_would(member, link, lookup, field):
    with pytest.raises(IntegrityError, match=f"is not in {table(lookup)}"), transaction.atomic():
        link.objects.create(member=member, **{f"{field}_id": NO_SUCH_ID})

    assert not link.objects.exists()


@pytest.mark.parametrize(("link", "lookup", "field"), LINKS, ids=lambda value: getattr(value, "__name__", value))
def test_a_link_to_no_member_is_refused_in_a_copy_too(member, link, lookup, field):
    item = lookup.objects.first()
    rows = f"{member.pk}\t{item.pk}\n{NO_SUCH_ID}\t{item.pk}\n"
    sql = f"COPY {table(link)} (member_id, {field}_id) FROM STDIN"

    with (
        pytest.raises(IntegrityError, match="is not in members_member"),
        transaction.atomic(),
        connection.cursor() as cursor,
        connection.wrap_database_errors,
    ):
        cursor.copy_expert(sql, io.StringIO(rows))

    assert not link.objects.exists()  # the whole statement, the good row included


def test_a_link_moved_to_no_member_is_refused(member):
    link = MemberSkill.objects.create(member=member, skill=Skill.objects.first())

    with pytest.raises(IntegrityError), transaction.atomic():
        MemberSkill.objects.filter(pk=link.pk).update(member_id=NO_SUCH_ID)

    assert MemberSkill.objects.get(pk=link.pk).member_id == member.pk


def test_a_member_is_never_deleted(member):
    MemberSkill.objects.create(member=member, skill=Skill.objects.first())

    with pytest.raises(InternalError), transaction.atomic():
        Member.objects.filter(pk=member.pk).delete()

    assert Member.objects.filter(pk=member.pk).exists()
    assert MemberSkill.objects.filter(member=member).count() == 1
