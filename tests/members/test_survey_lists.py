"""A survey keeps the member's lists of that day (其他致贫原因, 生存技能, 致富愿景) as lookup ids in its own row: the
pages name them, the database refuses ids that are no lookup, lookups are never deleted, and the migration moved the
lists out of the old link tables."""

import importlib
from datetime import date

import pytest
from django.db import IntegrityError, InternalError, connection, migrations, transaction
from django.test import Client
from django.urls import reverse

from guanghan.models import Industry, PovertyCause, Skill
from members.models import Survey
from tests.members.test_member_pages import survey_data


def lookup(model, name):
    return model.objects.get(name=name)


def make_survey(member, **lists) -> Survey:
    """A survey of 2016-05-10 with `lists` (other_cause_ids=…, skill_ids=…, aspiration_ids=…)."""
    return Survey.objects.create(
        member=member,
        surveyed_on=date(2016, 5, 10),
        household_size=2,
        income_per_capita=1000,
        allowance="none",
        health="healthy",
        labour_capacity="normal",
        **lists,
    )


def post_survey(client, member, **changes):
    return client.post(reverse("members:survey-create", args=[member.pk]), survey_data(**changes))


def test_a_survey_keeps_its_lists_sorted_in_its_row_and_the_member_gets_them(client, town_staff, member):
    ill, old_age = lookup(PovertyCause, "因病"), lookup(PovertyCause, "缺技术")
    electrician, breeding = lookup(Skill, "电工"), lookup(Industry, "养殖")
    client.force_login(town_staff)
    response = post_survey(
        client,
        member,
        other_causes=[old_age.pk, ill.pk],
        skills=[electrician.pk],
        aspirations=[breeding.pk],
    )
    assert response.status_code == 302
    survey = member.surveys.get()
    assert survey.other_cause_ids == sorted([ill.pk, old_age.pk])
    assert (survey.skill_ids, survey.aspiration_ids) == ([electrician.pk], [breeding.pk])
    # The latest survey is the member's current state: its lists too.
    member.refresh_from_db()
    assert member.other_cause_ids == survey.other_cause_ids
    assert member.skill_ids == [electrician.pk]


def test_the_member_page_names_each_surveys_lists_in_a_fixed_number_of_queries(
    client, town_staff, member, django_assert_max_num_queries
):
    ill, electrician, breeding = lookup(PovertyCause, "因病"), lookup(Skill, "电工"), lookup(Industry, "养殖")
    client.force_login(town_staff)
    url = reverse("members:member-detail", args=[member.pk])
    post_survey(client, member, surveyed_on="2014-05-10", skills=[electrician.pk])
    with django_assert_max_num_queries(60) as one:
        client.get(url)
    queries = len(one)  # now: the next request resets Django's query log
    for year in range(2015, 2020):
        post_survey(client, member, surveyed_on=f"{year}-05-10", other_causes=[ill.pk], aspirations=[breeding.pk])
    with django_assert_max_num_queries(queries + 2):  # + the two other lookups, once each
        html = client.get(url).content.decode()
    assert "生存技能：电工" in html
    assert html.count("其他致贫原因：因病") == 5 and html.count("致富愿景：养殖") == 5


def test_ids_are_stored_sorted_and_once(member):
    skills = list(Skill.objects.order_by("-pk")[:2])
    survey = make_survey(member, skill_ids=[skills[0], skills[1].pk, skills[0].pk])
    survey.refresh_from_db()
    assert survey.skill_ids == sorted(s.pk for s in skills)


@pytest.mark.parametrize("column", ["other_cause_ids", "skill_ids", "aspiration_ids"])
@pytest.mark.parametrize("bad", [[999_999], [None]], ids=["unknown", "null"])
def test_the_database_refuses_an_id_that_is_no_lookup(member, column, bad):
    """By SQL, past the field's own cleaning: an insert or an update naming no lookup fails."""
    survey = make_survey(member)
    lists = {"other_cause_ids": "'{}'", "skill_ids": "'{}'", "aspiration_ids": "'{}'", column: "%s::bigint[]"}
    insert = (
        "INSERT INTO members_survey (member_id, surveyed_on, household_size, income_per_capita, allowance, health, "
        "labour_capacity, surveyor_name, living_conditions, production_conditions, notes, created_at, "
        f"{', '.join(lists)}) SELECT member_id, surveyed_on, household_size, income_per_capita, allowance, health, "
        f"labour_capacity, '', '', '', '', now(), {', '.join(lists.values())} FROM members_survey WHERE id = %s"
    )
    update = f"UPDATE members_survey SET {column} = %s::bigint[] WHERE id = %s"
    for sql in (insert, update):
        with pytest.raises(IntegrityError, match="is not in guanghan_"), transaction.atomic(), connection.cursor() as c:
            c.execute(sql, [bad, survey.pk])
    assert Survey.objects.filter(member=member).count() == 1


@pytest.mark.parametrize("model", [PovertyCause, Skill, Industry], ids=lambda m: m.__name__)
def test_a_lookup_is_retired_never_deleted(db, model):
    item = model.objects.create(code="test-item", name="测试项")
    with pytest.raises(InternalError), transaction.atomic():
        model.objects.filter(pk=item.pk).delete()
    item.is_active = False
    item.save()
    assert model.objects.filter(pk=item.pk, is_active=False).exists()


def test_the_admin_ticks_a_surveys_lists_by_name(client, superuser, member):
    ill, electrician = lookup(PovertyCause, "因病"), lookup(Skill, "电工")
    survey = make_survey(member, skill_ids=[electrician.pk])
    client.force_login(superuser)
    url = reverse("admin:members_survey_change", args=[survey.pk])
    response = client.get(url)
    form = response.context["adminform"].form
    assert form.initial["skill_ids"] == [electrician.pk]
    assert "电工" in response.content.decode()
    data = {
        "member": member.pk,
        "surveyed_on": "2016-05-10",
        "surveyor_name": "",
        "household_size": 2,
        "income_per_capita": "1000.00",
        "allowance": "none",
        "health": "healthy",
        "labour_capacity": "normal",
        "other_cause_ids": [ill.pk],
        "skill_ids": [],
        "living_conditions": "",
        "production_conditions": "",
        "notes": "",
    }
    assert client.post(url, data).status_code == 302
    survey.refresh_from_db()
    assert (survey.other_cause_ids, survey.skill_ids, survey.aspiration_ids) == ([ill.pk], [], [])


def test_the_trail_names_a_surveys_lists(client, auditor, superuser, member):
    ill = lookup(PovertyCause, "因病")
    survey = make_survey(member)
    Survey.objects.filter(pk=survey.pk).update(other_cause_ids=[ill.pk])
    reader = Client()
    reader.force_login(auditor)
    response = reader.get(reverse("administration:trail"), {"record": "members.surveyevent", "operation": "update"})
    [row] = response.context["rows"]
    assert {c.label: (c.old, c.new) for c in row.changes}["其他致贫原因"] == ("（空）", "因病")


def test_the_migration_moves_the_link_rows_into_the_surveys(member):
    """The data step of members/0012: a survey's rows in the old link tables (temporary tables of the same names
    here, which PostgreSQL reads first) become its arrays, sorted. The schema steps are Django's own."""
    migration = importlib.import_module("members.migrations.0012_survey_lists_in_row")
    [move] = [op for op in migration.Migration.operations if isinstance(op, migrations.RunSQL)]
    ill, electrician, breeding = lookup(PovertyCause, "因病"), lookup(Skill, "电工"), lookup(Industry, "养殖")
    other_cause = lookup(PovertyCause, "缺技术")
    survey = make_survey(member)
    rows = {
        "members_survey_other_causes": ("povertycause_id", [other_cause.pk, ill.pk]),
        "members_survey_skills": ("skill_id", [electrician.pk]),
        "members_survey_aspirations": ("industry_id", [breeding.pk]),
    }
    with connection.cursor() as cursor:
        for table, (column, ids) in rows.items():
            cursor.execute(f"CREATE TEMPORARY TABLE {table} (id serial, survey_id bigint, {column} bigint)")
            for pk in ids:
                cursor.execute(f"INSERT INTO {table} (survey_id, {column}) VALUES (%s, %s)", [survey.pk, pk])
        for statement in move.sql:
            cursor.execute(statement)
        for table in rows:
            cursor.execute(f"DROP TABLE pg_temp.{table}")
    survey.refresh_from_db()
    assert survey.other_cause_ids == sorted([ill.pk, other_cause.pk])
    assert (survey.skill_ids, survey.aspiration_ids) == ([electrician.pk], [breeding.pk])
