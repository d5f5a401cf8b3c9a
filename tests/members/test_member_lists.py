"""A member's lists (其他致贫原因, 生存技能, 致富愿景) are lookup ids in its own row, checked once per statement by a
trigger; the former link tables keep their events but refuse every write; migration 0016 moved the links into the
rows. A member is never deleted (it leaves the registry by its status)."""

import importlib
from datetime import date
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import IntegrityError, InternalError, connection, transaction
from django.utils import timezone

from guanghan.models import Industry, PovertyCause, Skill
from members import roster
from members.models import FORMER_LINKS, LISTS, Member, MemberAspiration, MemberOtherCause, MemberSkill
from tests.factories import MemberFactory, unfrozen

NO_SUCH_ID = 987_654_321
LOOKUPS = {"other_cause_ids": PovertyCause, "skill_ids": Skill, "aspiration_ids": Industry}
migration = importlib.import_module("members.migrations.0016_member_lists_in_row")


@pytest.fixture
def member(village):
    return MemberFactory(village=village)


@pytest.mark.parametrize("column", LISTS.values())
def test_a_list_is_kept_sorted_and_once_each(member, column):
    first, second = LOOKUPS[column].objects.order_by("pk")[:2]
    Member.objects.filter(pk=member.pk).update(**{column: [second, first, second]})

    assert getattr(Member.objects.get(pk=member.pk), column) == [first.pk, second.pk]


@pytest.mark.parametrize("column", LISTS.values())
def test_an_id_that_is_no_lookup_is_refused_as_a_foreign_key_would(member, column):
    lookup_table = LOOKUPS[column]._meta.db_table

    with pytest.raises(IntegrityError, match=f"is not in {lookup_table}"), transaction.atomic():
        Member.objects.filter(pk=member.pk).update(**{column: [NO_SUCH_ID]})
    with pytest.raises(IntegrityError, match=f"is not in {lookup_table}"), transaction.atomic():
        MemberFactory(village=member.village, **{column: [LOOKUPS[column].objects.first().pk, NO_SUCH_ID]})

    assert getattr(Member.objects.get(pk=member.pk), column) == []
    assert Member.objects.count() == 1


def test_an_unknown_id_fails_a_whole_copy(member):
    """The roster import COPYs its members (roster._copy, the other columns at their defaults): one bad id fails the
    statement, the good rows included."""
    skill, now = Skill.objects.first().pk, timezone.now()
    columns = ["id_number", "name", "gender", "birth_date", "village_id", *LISTS.values()]
    rows = [
        ("110101199001010015", "甲", "male", date(1990, 1, 1), member.village_id, "{}", f"{{{skill}}}", "{}"),
        (
            "110101199001010031",
            "乙",
            "male",
            date(1990, 1, 1),
            member.village_id,
            "{}",
            f"{{{skill},{NO_SUCH_ID}}}",
            "{}",
        ),
    ]

    with (
        pytest.raises(IntegrityError, match="is not in guanghan_skill"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        roster._copy(cursor, Member, columns, rows, constants={"created_at": now, "updated_at": now})

    assert list(Member.objects.values_list("pk", flat=True)) == [member.pk]


@pytest.mark.parametrize("link", FORMER_LINKS, ids=lambda model: model.__name__)
def test_the_former_link_tables_refuse_every_write(member, link):
    item = LOOKUPS[link.LIST].objects.first()

    with pytest.raises(InternalError, match="Cannot insert"), transaction.atomic():
        link.objects.create(member=member, **{link.ITEM: item.pk})
    unfrozen(link)
    old = link.objects.create(member=member, **{link.ITEM: item.pk})  # as written before migration 0016
    unfrozen(link, again=True)
    with pytest.raises(InternalError), transaction.atomic():
        link.objects.filter(pk=old.pk).update(member=MemberFactory(village=member.village))
    with pytest.raises(InternalError), transaction.atomic():
        link.objects.filter(pk=old.pk).delete()

    assert list(link.objects.values_list("member", flat=True)) == [member.pk]


def test_a_member_is_never_deleted(member):
    with pytest.raises(InternalError), transaction.atomic():
        Member.objects.filter(pk=member.pk).delete()

    assert Member.objects.filter(pk=member.pk).exists()


def test_the_migration_moves_each_members_links_into_its_row(village):
    """migration 0016's own function, on link rows written as before it (the frozen trigger off in the test's
    transaction): the lists arrive sorted in the rows, the link tables are emptied without "remove" events, and each
    member with a list gets one event naming the migration, which the member's page does not show as a save."""
    for link in FORMER_LINKS:
        unfrozen(link)
    causes, skills, industries = (list(model.objects.order_by("pk")[:3]) for model in (PovertyCause, Skill, Industry))
    linked, bare = MemberFactory(village=village), MemberFactory(village=village)
    MemberSkill.objects.create(member=linked, skill=skills[2])
    MemberSkill.objects.create(member=linked, skill=skills[0])
    MemberAspiration.objects.create(member=linked, industry=industries[1])
    MemberOtherCause.objects.create(member=bare, povertycause=causes[0])
    added = {link: link.events.field.model.objects.filter(pgh_label="add").count() for link in FORMER_LINKS}
    events_before = linked.events.count()

    migration.lists_into_rows(apps, SimpleNamespace(connection=connection))

    linked.refresh_from_db()
    bare.refresh_from_db()
    assert linked.skill_ids == sorted([skills[0].pk, skills[2].pk])
    assert (linked.aspiration_ids, linked.other_cause_ids) == ([industries[1].pk], [])
    assert (bare.other_cause_ids, bare.skill_ids, bare.aspiration_ids) == ([causes[0].pk], [], [])
    for link in FORMER_LINKS:
        assert not link.objects.exists()
        events = link.events.field.model.objects
        assert events.filter(pgh_label="add").count() == added[link]  # the past stays readable
        assert not events.filter(pgh_label="remove").exists()
    moved = linked.events.order_by("pgh_id").last()
    assert linked.events.count() == events_before + 1
    assert moved.pgh_context.metadata["migration"] == "members.0016_member_lists_in_row"
    assert moved.skill_ids == linked.skill_ids
