"""roster_write: the file checked and written in one pass, a chunk at a time, by a writer thread on the caller's
connection. Chunks of two rows here, so that every file below is written in several."""

import sys

import pytest
from django.db import IntegrityError

from guanghan.models import Village
from members import roster
from members.models import ImportBatch, Member, Survey
from tests.factories import MemberFactory, list_names
from tests.members.test_roster import messages, person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(roster, "WRITE_CHUNK", 2)
    monkeypatch.setattr(roster, "WRITES_AHEAD", 1)


def write(path, villages, user=None):
    batch = ImportBatch.objects.create(file_name=path.name, sha256="0", uploaded_by=user)
    return roster.roster_write(path=path, villages=villages, batch=batch, user=user), batch


def nothing_written():
    return (Member.objects.count(), Survey.objects.count()) == (0, 0)


def test_a_file_of_several_chunks_is_written_as_its_preview_plans_it(xlsx, everywhere, org_staff):
    write(xlsx([person(n, 生存技能="电工") for n in (1, 2, 3)]), everywhere, org_staff)
    rows = [person(1, 生存技能="木工"), person(2, 生存技能="电工"), person(3, 家庭人口=5)]
    rows += [person(n, 致贫原因="缺资金、因病", 致富愿景="养殖") for n in range(4, 9)]
    path = xlsx(rows)
    expected = roster.roster_preview(path, villages=everywhere)

    preview, batch = write(path, everywhere, org_staff)

    assert preview.errors == []
    assert [plan.id_number for plan in preview.new] == [plan.id_number for plan in expected.new]
    assert [plan.id_number for plan in preview.changed] == [plan.id_number for plan in expected.changed]
    assert (len(preview.new), len(preview.changed), preview.unchanged) == (5, 2, 1)
    assert list_names(Member.objects.get(name="测试1"), "skill_ids") == ["木工"]
    assert Member.objects.get(name="测试3").household_size == 5
    eighth = Member.objects.get(name="测试8")
    assert (list_names(eighth, "other_cause_ids"), list_names(eighth, "aspiration_ids")) == (["因病"], ["养殖"])
    assert [plan.member_id for plan in preview.new] == list(
        Member.objects.filter(import_batch=batch, surveys__import_batch=batch)
        .exclude(name__in=["测试1", "测试3"])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assert Survey.objects.filter(import_batch=batch).count() == 7  # a survey per new or changed member
    batch.refresh_from_db()
    assert (batch.status, batch.created_count, batch.updated_count, batch.unchanged_count) == ("imported", 5, 2, 1)
    contexts = {event.pgh_context.metadata["import_batch"] for event in Member.pgh_event_models["insert"].objects.all()}
    assert contexts == {batch.pk - 1, batch.pk}  # the first import's batch, then this one's


def test_an_error_in_a_late_chunk_undoes_the_chunks_written_before_it(xlsx, everywhere):
    path = xlsx([*(person(n, 生存技能="电工") for n in range(1, 8)), person(8, 家庭人口=0), person(9, 性别="女")])

    preview, batch = write(path, everywhere)

    assert messages(preview) == [
        "第9行 [家庭人口] 家庭人口应在 1 到 99 之间，现在是 0",
        "第10行 [性别] 性别与身份证号不一致：身份证号显示为“男”",
    ]  # every error of the file, the ones after the first included
    assert not preview.is_clean
    assert nothing_written()
    assert Member.pgh_event_models["insert"].objects.count() == 0
    batch.refresh_from_db()
    assert (batch.status, batch.created_count) == (ImportBatch.Status.PREVIEWED, 0)


def test_an_id_number_twice_in_different_chunks_writes_nothing(xlsx, everywhere):
    preview, _ = write(xlsx([person(1), person(2), person(3), person(4), person(1, 姓名="测试一")]), everywhere)

    assert messages(preview) == [
        "第2行 [身份证号] 身份证号与第6行重复：同一人只能出现一次",
        "第6行 [身份证号] 身份证号与第2行重复：同一人只能出现一次",
    ]
    assert nothing_written()


def test_a_member_of_another_town_in_a_late_chunk_writes_nothing(xlsx, village, other_village):
    MemberFactory(village=other_village, id_number=person(5)["身份证号"])
    in_scope = Village.objects.filter(pk=village.pk)

    preview, _ = write(xlsx([person(n) for n in range(1, 7)]), in_scope)

    assert messages(preview) == ["第6行 [身份证号] 此人已登记在其他乡镇（不在您的工作范围内）：请联系组织部处理"]
    assert Member.objects.count() == 1


def test_a_database_error_in_the_writer_fails_the_whole_import(xlsx, everywhere, village, monkeypatch):
    MemberFactory(village=village, id_number=person(4)["身份证号"])
    # as if another import wrote 测试4 after this one read the registry: the COPY meets the unique ID number
    monkeypatch.setattr(roster, "_load_existing", lambda id_numbers, cursor=None: {})

    with pytest.raises(IntegrityError):
        write(xlsx([person(n, 生存技能="电工") for n in range(1, 6)]), everywhere)

    assert list(Member.objects.values_list("id_number", flat=True)) == [person(4)["身份证号"]]
    assert Survey.objects.count() == 0


def test_a_file_over_the_row_limit_writes_nothing(xlsx, everywhere, monkeypatch):
    path = xlsx([person(n) for n in range(1, 6)])
    monkeypatch.setattr(roster, "MAX_ROWS", 3)
    monkeypatch.setattr(roster.uploads, "MAX_ROWS", 100)

    preview, _ = write(path, everywhere)

    assert [issue.message for issue in preview.file_errors] == ["数据超过 3 行：请拆分为几个文件分别导入。"]
    assert nothing_written()


def test_the_writer_runs_the_same_statements_for_a_chunk_of_2_and_of_200_rows(xlsx, everywhere, monkeypatch):
    counts = []
    run = roster._Statements.run

    def counted(statements, raw):
        counts.append(len(statements.statements))
        return run(statements, raw)

    monkeypatch.setattr(roster._Statements, "run", counted)
    write(xlsx([person(n, 生存技能="电工", 致富愿景="养殖") for n in range(1, 3)]), everywhere)
    monkeypatch.setattr(roster, "WRITE_CHUNK", 200)
    write(xlsx([person(n, 生存技能="电工", 致富愿景="养殖") for n in range(100, 300)]), everywhere)

    assert counts == [counts[0], counts[0]]
    assert Member.objects.count() == 202


@pytest.mark.parametrize("clean", [True, False], ids=["clean", "with-an-error"])
def test_the_writer_gets_the_gil_sooner_only_while_it_writes(monkeypatch, xlsx, everywhere, clean):
    """The checking thread yields the GIL every SWITCH_SECONDS while the writer runs; the process's own interval is
    back afterwards, also when a row's error stops the writing."""
    intervals = []
    run = roster._Statements.run
    monkeypatch.setattr(
        roster._Statements, "run", lambda self, raw: (intervals.append(sys.getswitchinterval()), run(self, raw))
    )
    before = sys.getswitchinterval()
    rows = [person(n) for n in range(1, 6)] + ([] if clean else [person(6, 家庭人口="很多")])

    preview, _ = write(xlsx(rows), everywhere)

    assert sys.getswitchinterval() == before
    assert intervals and max(intervals) <= roster.SWITCH_SECONDS < before
    assert (preview.errors == []) is clean
