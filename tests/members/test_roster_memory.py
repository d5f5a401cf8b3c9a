"""What a large roster preview holds until it is confirmed (docs/benchmarks.md, "Peak memory of a large import"):
each planned row as one slotted record with its values in a tuple, repeated values shared, the write fed to COPY in
pieces. Sizes, not times: nothing here is timed."""

import gc
import tracemalloc
from datetime import date

import pytest

from members import roster
from tests.members.test_roster import make_roster, person

ROWS = 3000


def preview_of(path, villages):
    return roster.roster_preview(path, villages=villages, today=date(2016, 8, 1))


def test_a_planned_row_keeps_its_values_in_one_tuple_and_reads_as_before(xlsx, everywhere, village):
    path = xlsx([person(1, 致贫原因="缺资金、因病", 登记日期="2016-07-21")])

    plan = preview_of(path, everywhere).new[0]

    assert not hasattr(plan, "__dict__")
    assert isinstance(plan.fields, tuple) and len(plan.fields) == len(roster.FIELDS)
    values = dict(plan.values)
    assert set(values) == {*roster.FIELDS, "id_number"}
    assert (values["name"], values["village_id"], values["registered_on"]) == ("测试1", village.pk, date(2016, 7, 21))
    assert plan.name == "测试1"
    assert all(isinstance(ids, frozenset) for ids in plan.m2m.values())


def test_rows_that_repeat_a_value_share_one_object(xlsx, everywhere):
    same = {"致贫原因": "缺资金、因病、缺技术", "登记日期": "2016-07-21", "民族": "回族"}
    path = xlsx([person(1, **same), person(2, **same)])

    first, second = preview_of(path, everywhere).new

    assert first.sets[0] is second.sets[0]  # 因病, 缺技术 (缺资金 is the main cause)
    assert first.values["registered_on"] is second.values["registered_on"]
    assert first.values["ethnicity"] is second.values["ethnicity"]


def test_a_repeated_wrong_value_is_reported_on_every_row_and_true_is_not_one(xlsx, everywhere):
    path = xlsx(
        [person(1, 低保类型="五保"), person(2, 低保类型="五保"), person(3, 家庭人口=True), person(4, 家庭人口=1)]
    )

    preview = preview_of(path, everywhere)

    assert [str(issue) for issue in preview.errors] == [
        "第2行 [低保类型] “五保”不是有效的低保类型，请填写：无、农村低保、城市低保、特困供养",
        "第3行 [低保类型] “五保”不是有效的低保类型，请填写：无、农村低保、城市低保、特困供养",
        "第4行 [家庭人口] 家庭人口“True”应为整数，如 4",
    ]


@pytest.fixture
def large_roster(tmp_path):
    return make_roster(
        tmp_path / "large.xlsx", [person(n, 生存技能="电工", 致富愿景="种植、养殖") for n in range(ROWS)]
    )


def test_a_large_preview_holds_under_a_kilobyte_and_a_half_per_row(large_roster, everywhere):
    preview_of(large_roster, everywhere)  # the directory's and Django's own first-use allocations
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        preview = preview_of(large_roster, everywhere)
        gc.collect()
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert len(preview.new) == ROWS
    # The dict-per-row preview held about 2,250 bytes a row and peaked at 3,400 while checking.
    assert (held - before) / ROWS < 1200
    assert (peak - before) / ROWS < 2000


def test_the_copy_input_comes_in_pieces_in_copy_text_format(monkeypatch):
    monkeypatch.setattr(roster._CopySource, "LINES_PER_READ", 2)
    rows = [(1, "张三", None), (2, "a\tb\\c", date(2016, 7, 21)), (3, "换行\n", 0)]

    source = roster._CopySource(iter(rows))
    pieces = list(iter(lambda: source.read(8192), ""))

    assert pieces == ["1\t张三\t\\N\n2\ta\\tb\\\\c\t2016-07-21\n", "3\t换行\\n\t0\n"]
