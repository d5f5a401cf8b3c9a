"""The roster import pipeline (members/roster.py) and the import_roster command, on real .xlsx/.csv files."""

from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook

from guanghan.access import villages_visible_to
from guanghan.lib import idnumber
from guanghan.models import Industry, PovertyCause, Skill
from members import roster
from members.models import ImportBatch, Member, Survey
from tests.factories import MemberFactory, PartyBranchFactory, list_names

HEADERS = roster.HEADERS


def person(n: int, **cells) -> dict:
    """One valid row for `village` (三星堆镇 三星村): a man born 1960-01-01 plus n days."""
    born = date(1960, 1, 1) + timedelta(days=n)
    row = {
        "序号": n,
        "姓名": f"测试{n}",
        "性别": "男",
        "身份证号": idnumber.make("510681", born, 100 + n, "male"),
        "出生日期": born,
        "乡镇": "三星堆镇",
        "村(社区)": "三星村",
        "家庭人口": 3,
        "家庭年人均收入": "2800",
        "致贫原因": "缺技术",
    }
    row.update(cells)
    return row


def make_roster(path: Path, rows: list[dict], *, headers=None, title_rows: int = 0, total: bool = False) -> Path:
    """An .xlsx like a village sends: merged title rows, the header, the rows, perhaps a 合计 row."""
    headers = headers or HEADERS
    wb = Workbook()
    ws = wb.active
    for index in range(title_rows):
        ws.append(["广汉市困难党员（群众）花名册" if index == 0 else "填报单位：三星堆镇"])
        ws.merge_cells(start_row=index + 1, start_column=1, end_row=index + 1, end_column=8)
    ws.append(headers)
    for row in rows:
        ws.append([row.get(header, row.get(roster.header_key(header))) for header in headers])
    if total:
        ws.append(["合计", None, None, None, None, None, None, None, None, None, None, len(rows)])
    wb.save(path)
    return path


@pytest.fixture
def branch(village):
    return PartyBranchFactory(village=village, name="三星村党总支")


def preview_of(path, villages, **kwargs):
    return roster.roster_preview(path, villages=villages, **kwargs)


def messages(preview) -> list[str]:
    return [str(issue) for issue in preview.errors]


# ------------------------------------------------------------------ reading the file


def test_header_is_found_below_merged_title_rows_and_rows_are_numbered_as_excel_shows(xlsx, everywhere):
    path = xlsx([person(1), person(2, 家庭人口="几个")], title_rows=2)

    preview = preview_of(path, everywhere)

    assert preview.rows_total == 2
    assert messages(preview) == ["第5行 [家庭人口] 家庭人口“几个”应为整数，如 4"]


def test_total_row_and_empty_rows_are_skipped(xlsx, everywhere):
    path = xlsx([person(1), {}, {"序号": 2}, person(3)], total=True)

    preview = preview_of(path, everywhere)

    assert preview.errors == []
    assert (preview.rows_total, len(preview.new)) == (2, 2)


def test_headers_accept_full_width_parentheses_and_any_order(xlsx, everywhere):
    headers = ["村（社区）", "身份证号", "姓名", "乡镇", "另加的列"]
    path = xlsx([person(1, 另加的列="不读取")], headers=headers)

    preview = preview_of(path, everywhere)

    assert preview.errors == []
    assert preview.new[0].values["name"] == "测试1"


def test_missing_required_columns_are_one_file_error_naming_them(xlsx, everywhere):
    path = xlsx([person(1)], headers=["姓名", "身份证号", "性别"])

    preview = preview_of(path, everywhere)

    assert messages(preview) == ["[文件] 第1行的表头缺少必填列：乡镇、村(社区)。请按导入模板补上这些列。"]


def test_a_file_without_the_header_in_the_first_ten_rows_is_refused(xlsx, everywhere):
    path = xlsx([person(1)], title_rows=10)

    assert "没有找到表头" in messages(preview_of(path, everywhere))[0]


def test_full_width_digits_letters_and_spaces_are_normalised(xlsx, everywhere):
    id_number = idnumber.make("510681", date(1970, 3, 4), 11, "male")
    full_width = id_number.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    path = xlsx([person(1, 身份证号=f"　{full_width} ", 姓名="张　 三", 家庭人口="４", 出生日期=None)])

    preview = preview_of(path, everywhere)

    assert preview.errors == []
    values = preview.new[0].values
    assert (values["id_number"], values["name"], values["household_size"]) == (id_number, "张三", 4)


def test_csv_in_gb18030_and_utf8_with_bom_are_read(tmp_path, everywhere):
    row = person(1)
    lines = [",".join(HEADERS), ",".join(str(row.get(h) or "") for h in HEADERS)]
    for encoding in ("gb18030", "utf-8-sig"):
        path = tmp_path / f"roster-{encoding}.csv"
        path.write_bytes("\r\n".join(lines).encode(encoding))

        preview = preview_of(path, everywhere)

        assert preview.errors == []
        assert preview.new[0].values["name"] == "测试1"


def test_an_unreadable_file_is_one_error_without_a_traceback(tmp_path, everywhere):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(b"not a workbook")

    assert "无法读取该 .xlsx 文件" in messages(preview_of(path, everywhere))[0]


# ------------------------------------------------------------------ the ID number


@pytest.mark.parametrize(
    "cell",
    [
        5.10681196001011e17,  # a number cell
        510681196001011234,  # an int cell (Excel keeps 15 digits)
        "5.10681E+17",  # the number as Excel shows it, saved as text
        "510681196001011000",  # 18 digits from a float: the last three are zeros
    ],
)
def test_an_id_that_excel_turned_into_a_number_is_rejected_with_how_to_fix_it(xlsx, everywhere, cell):
    path = xlsx([person(1, 身份证号=cell, 出生日期=None)])

    assert messages(preview_of(path, everywhere)) == [f"第2行 [身份证号] {roster.EXCEL_NUMBER_MESSAGE}"]


def test_the_same_id_twice_is_an_error_on_both_rows(xlsx, everywhere):
    path = xlsx([person(1), person(2), person(3, 身份证号=person(1)["身份证号"], 出生日期=None)])

    preview = preview_of(path, everywhere)

    assert messages(preview) == [
        "第2行 [身份证号] 身份证号与第4行重复：同一人只能出现一次",
        "第4行 [身份证号] 身份证号与第2行重复：同一人只能出现一次",
    ]
    assert len(preview.new) == 1


def test_a_wrong_check_digit_is_an_error(xlsx, everywhere):
    good = person(1)["身份证号"]
    bad = good[:17] + ("0" if good[17] != "0" else "1")

    assert messages(preview_of(xlsx([person(1, 身份证号=bad)]), everywhere)) == [
        "第2行 [身份证号] 身份证号校验位不正确（最后一位），可能有数字录错，请逐位核对"
    ]


def test_an_id_from_outside_sichuan_is_accepted_with_a_warning(xlsx, everywhere):
    path = xlsx([person(1, 身份证号=idnumber.make("110101", date(1970, 1, 1), 5, "male"), 出生日期=None)])

    preview = preview_of(path, everywhere)

    assert preview.errors == []
    assert [str(w) for w in preview.warnings] == [
        "第2行 [身份证号] 身份证号的地区码 110101 不属于四川省，请确认是否录错"
    ]


def test_gender_and_birth_date_must_agree_with_the_id(xlsx, everywhere):
    path = xlsx([person(1, 性别="女", 出生日期="1960-03-01")])

    assert messages(preview_of(path, everywhere)) == [
        "第2行 [性别] 性别与身份证号不一致：身份证号显示为“男”",
        "第2行 [出生日期] 出生日期与身份证号不一致：身份证号显示为 1960-01-02",
    ]


@pytest.mark.parametrize(
    "text",
    ["2016-07-21", "2016/7/21", "2016.7.21", "2016年7月21日", "20160721", "2016-07-21 00:00:00", 20160721],
)
def test_dates_are_read_in_the_forms_people_type(text):
    assert roster.parse_date(text) == (date(2016, 7, 21), True)


def test_a_date_excel_turned_into_a_decimal_is_refused():
    with pytest.raises(roster.CellError, match="被 Excel 当成了小数"):
        roster.parse_date(1990.1, allow_month=True)


# ------------------------------------------------------------------ the village and the scope


def test_an_unknown_village_suggests_the_nearest_name(xlsx, everywhere):
    path = xlsx([person(1, **{"村(社区)": "三星春"})])

    assert messages(preview_of(path, everywhere)) == ["第2行 [村(社区)] 未知的村（社区）“三星春”，是否为“三星村”？"]


def test_a_village_of_another_town_names_that_town(xlsx, everywhere):
    path = xlsx([person(1, **{"村(社区)": "金光村"})])

    assert messages(preview_of(path, everywhere)) == [
        "第2行 [村(社区)] 三星堆镇没有“金光村”，南兴镇有“金光村”：请核对乡镇"
    ]


def test_a_village_outside_the_town_staffs_scope_is_an_error(xlsx, town_staff, village, other_village):
    path = xlsx([person(1), person(2, 乡镇="南兴镇", **{"村(社区)": "金光村"})])

    preview = preview_of(path, villages_visible_to(town_staff))

    assert messages(preview) == ["第3行 [村(社区)] 南兴镇金光村不在您的工作范围内，不能导入"]
    assert len(preview.new) == 1


def test_a_member_registered_in_another_town_cannot_be_moved_by_town_staff(xlsx, town_staff, village, other_village):
    existing = MemberFactory(village=other_village)
    path = xlsx([person(1, 身份证号=existing.id_number, 出生日期=None, 性别=None)])

    preview = preview_of(path, villages_visible_to(town_staff))

    assert messages(preview) == ["第2行 [身份证号] 此人已登记在其他乡镇（不在您的工作范围内）：请联系组织部处理"]


# ------------------------------------------------------------------ values


def test_income_with_thousands_separator_and_unit_is_an_exact_decimal(xlsx, everywhere):
    path = xlsx([person(1, 家庭年人均收入="3,200.50元"), person(2, 家庭年人均收入=3200.1)])

    preview = preview_of(path, everywhere)

    assert [plan.values["income_per_capita"] for plan in preview.new] == [Decimal("3200.50"), Decimal("3200.10")]


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("-500", "家庭年人均收入不能为负数"),
        ("3200.555", "家庭年人均收入“3200.555”最多保留两位小数"),
        ("三千", "家庭年人均收入“三千”不是数字，请填写金额（元），如 3200 或 3200.50"),
    ],
)
def test_bad_incomes_are_errors(xlsx, everywhere, cell, message):
    assert messages(preview_of(xlsx([person(1, 家庭年人均收入=cell)]), everywhere)) == [
        f"第2行 [家庭年人均收入] {message}"
    ]


def test_unknown_choice_lists_the_allowed_values(xlsx, everywhere):
    path = xlsx([person(1, 低保类型="五保", 类别="党员干部")])

    assert messages(preview_of(path, everywhere)) == [
        "第2行 [类别] “党员干部”不是有效的类别，请填写：困难党员、困难群众",
        "第2行 [低保类型] “五保”不是有效的低保类型，请填写：无、农村低保、城市低保、特困供养",
    ]


def test_several_values_in_one_cell_and_the_first_cause_is_the_main_one(xlsx, everywhere):
    path = xlsx([person(1, 致贫原因="缺资金，因病；缺技术", 生存技能="蔬菜种植 / 电工", 致富愿景="种植、养殖、种植")])

    plan = preview_of(path, everywhere).new[0]

    assert plan.values["main_cause_id"] == PovertyCause.objects.get(name="缺资金").pk
    assert plan.m2m["other_causes"] == set(
        PovertyCause.objects.filter(name__in=["因病", "缺技术"]).values_list("pk", flat=True)
    )
    assert plan.m2m["skills"] == set(Skill.objects.filter(name__in=["蔬菜种植", "电工"]).values_list("pk", flat=True))
    assert plan.m2m["aspirations"] == set(
        Industry.objects.filter(name__in=["种植", "养殖"]).values_list("pk", flat=True)
    )


def test_more_than_three_causes_and_unknown_names_are_errors(xlsx, everywhere):
    path = xlsx([person(1, 致贫原因="因病、因残、因学、因灾"), person(2, 致贫原因="缺技能")])

    assert messages(preview_of(path, everywhere)) == [
        "第2行 [致贫原因] 致贫原因最多填 3 项（第一项为主要致贫原因），现在有 4 项",
        "第3行 [致贫原因] 未知的致贫原因“缺技能”，是否为“缺技术”？",
    ]


def test_a_formula_cell_is_refused(xlsx, everywhere):
    path = xlsx([person(1, 家庭人口="=2+1"), person(2, 备注="=A1")])

    assert messages(preview_of(path, everywhere)) == [
        f"第2行 [家庭人口] {roster.FORMULA_MESSAGE}",
        f"第3行 [备注] {roster.FORMULA_MESSAGE}",
    ]


def test_a_phone_with_the_country_code_is_a_phone_not_a_formula(xlsx, everywhere):
    path = xlsx(
        [person(1, 联系电话="+86 138 1234 5678"), person(2, 联系电话="008613912345678"), person(3, 联系电话="+86=1+1")]
    )

    preview = preview_of(path, everywhere)

    assert messages(preview) == [f"第4行 [联系电话] {roster.FORMULA_MESSAGE}"]
    assert [plan.values["phone"] for plan in preview.new] == ["13812345678", "13912345678"]


def test_party_fields_are_only_for_party_members(xlsx, everywhere, branch):
    path = xlsx(
        [
            person(1, 类别="困难党员", 入党时间="1990.07", 所在党支部="三星村党总支"),
            person(2, 类别="困难群众", 入党时间="1990-07-01"),
            person(3, 所在党支部="三星村党支部"),
        ]
    )

    preview = preview_of(path, everywhere)

    assert messages(preview) == [
        "第3行 [入党时间] 只有困难党员填写入党时间（该行类别为困难群众），请删去",
        "第4行 [所在党支部] 三星堆镇三星村没有党支部“三星村党支部”，是否为“三星村党总支”？",
    ]
    assert preview.new[0].values["branch_id"] == branch.pk
    assert preview.new[0].values["joined_party_on"] == date(1990, 7, 1)


def test_the_template_example_row_left_in_is_an_error(xlsx, everywhere):
    path = xlsx([person(1, 备注=roster.EXAMPLE_NOTE)])

    assert messages(preview_of(path, everywhere)) == ["第2行 [备注] 这是模板中的示例行，请删除后再导入"]


# ------------------------------------------------------------------ writing


def import_file(path, villages, user=None):
    preview, batch = roster.roster_import(path=path, villages=villages, user=user)
    assert preview.errors == []
    return preview, batch


def test_a_clean_file_creates_members_surveys_and_links(xlsx, everywhere, org_staff, branch):
    path = xlsx(
        [
            person(
                1,
                致贫原因="缺资金、因病",
                生存技能="电工",
                致富愿景="养殖",
                入党时间="1985-07-01",
                所在党支部="三星村党总支",
            ),
            person(2, 类别="困难群众", 登记日期="2016-07-21"),
        ]
    )

    _, batch = import_file(path, everywhere, user=org_staff)

    first, second = Member.objects.order_by("name")
    assert (first.name, first.category, first.branch) == ("测试1", "party", branch)
    assert first.income_per_capita == Decimal("2800")
    assert first.main_cause.name == "缺资金"
    assert list_names(first, "other_cause_ids") == ["因病"]
    assert list_names(first, "skill_ids") == ["电工"]
    assert list_names(first, "aspiration_ids") == ["养殖"]
    assert (second.category, second.registered_on) == ("resident", date(2016, 7, 21))
    assert first.import_batch == second.import_batch == batch
    survey = Survey.objects.get(member=first)
    assert (survey.surveyor, survey.import_batch, survey.main_cause.name) == (org_staff, batch, "缺资金")
    assert survey.other_cause_ids == [PovertyCause.objects.get(name="因病").pk]
    assert survey.skill_ids == [Skill.objects.get(name="电工").pk]
    assert survey.aspiration_ids == [Industry.objects.get(name="养殖").pk]
    assert Survey.objects.get(member=second).surveyed_on == date(2016, 7, 21)
    batch.refresh_from_db()
    assert (batch.status, batch.created_count, batch.rows_total, batch.uploaded_by) == ("imported", 2, 2, org_staff)
    assert batch.imported_at is not None


def test_the_history_names_the_user_and_the_batch(xlsx, everywhere, org_staff):
    _, batch = import_file(xlsx([person(1)]), everywhere, user=org_staff)

    event = Member.pgh_event_models["insert"].objects.get()
    assert event.pgh_context.metadata == {"user": org_staff.pk, "import_batch": batch.pk}


def test_every_history_row_of_an_import_names_its_user_and_batch(xlsx, everywhere, org_staff):
    _, first = import_file(xlsx([person(1, 生存技能="电工、木工", 致富愿景="养殖")]), everywhere, user=org_staff)
    _, second = import_file(xlsx([person(1, 生存技能="电工", 家庭人口=5)]), everywhere, user=org_staff)

    def events(name):
        rows = apps.get_model("members", name).objects.order_by("pgh_id")
        return [(event.pgh_label, event.pgh_context.metadata["import_batch"]) for event in rows]

    assert events("MemberEvent") == [("insert", first.pk), ("update", second.pk)]
    assert events("SurveyEvent") == [("insert", first.pk), ("insert", second.pk)]
    electrician = Skill.objects.get(name="电工").pk
    updates = Member.pgh_event_models["update"].objects.filter(pgh_label="update")
    assert [e.skill_ids for e in updates] == [[electrician]]  # the lists are in the member's events
    assert {event.pgh_context.metadata["user"] for event in Survey.pgh_event_models["insert"].objects.all()} == {
        org_staff.pk
    }


def test_values_are_written_exactly_tabs_newlines_and_backslashes_included(xlsx, everywhere, branch):
    notes = '他说："左\\右"\t制表\n第二行 \\N'
    path = xlsx(
        [
            person(
                1,
                备注=notes,
                家庭年人均收入="999,999,999,999.99",
                入党时间="1990-07",
                所在党支部=branch.name,
                登记日期="2016-02-29",
                联系电话="0838-5221234",
            ),
            person(2, 家庭年人均收入="0.01", 备注="\\N"),
        ]
    )

    import_file(path, everywhere)

    first, second = Member.objects.order_by("name")
    assert first.notes == notes
    assert (first.income_per_capita, first.joined_party_on, first.registered_on, first.phone) == (
        Decimal("999999999999.99"),
        date(1990, 7, 1),
        date(2016, 2, 29),
        "0838-5221234",
    )
    assert (second.notes, second.income_per_capita, second.branch, second.joined_party_on) == (
        "\\N",
        Decimal("0.01"),
        None,
        None,
    )
    assert Survey.objects.get(member=first).income_per_capita == Decimal("999999999999.99")

    import_file(xlsx([person(1, 备注="\\N", 家庭年人均收入="1234.56"), person(2, 备注=notes)]), everywhere)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.notes, first.income_per_capita, second.notes) == ("\\N", Decimal("1234.56"), notes)


def test_an_id_number_registered_meanwhile_fails_the_whole_import(xlsx, everywhere, village):
    preview = preview_of(xlsx([person(1, 生存技能="电工"), person(2, 致富愿景="养殖")]), everywhere)
    MemberFactory(village=village, id_number=person(2)["身份证号"])  # another import, committed after the check
    batch = ImportBatch.objects.create(file_name="x.xlsx", sha256="0")

    with pytest.raises(IntegrityError):
        roster.roster_apply(preview=preview, batch=batch)

    assert list(Member.objects.values_list("id_number", flat=True)) == [person(2)["身份证号"]]
    assert Survey.objects.count() == 0
    batch.refresh_from_db()
    assert (batch.status, batch.created_count) == ("previewed", 0)


def test_the_import_needs_the_same_statements_for_3_and_300_rows(xlsx, everywhere):
    def statements(count):
        first = [person(n, 致贫原因="缺资金、因病", 生存技能="电工", 致富愿景="养殖") for n in range(count)]
        import_file(xlsx(first), everywhere)
        second = [person(n, 致贫原因="缺资金、因学", 生存技能="木工", 家庭人口=5) for n in range(count)]
        preview = preview_of(xlsx([*second, person(count + 500)]), everywhere)
        assert (len(preview.new), len(preview.changed)) == (1, count)
        batch = ImportBatch.objects.create(file_name="x.xlsx", sha256="0")
        with CaptureQueriesContext(connection) as queries:
            roster.roster_apply(preview=preview, batch=batch)
        return len(queries)

    assert statements(3) == statements(300)
    assert list_names(Member.objects.get(name="测试299"), "skill_ids") == ["木工"]


def test_importing_the_same_file_again_changes_nothing(xlsx, everywhere):
    path = xlsx([person(1, 致贫原因="缺资金、因病", 生存技能="电工"), person(2)])
    import_file(path, everywhere)
    updated_at = list(Member.objects.order_by("pk").values_list("updated_at", flat=True))

    preview, batch = import_file(path, everywhere)

    assert (len(preview.new), len(preview.changed), preview.unchanged) == (0, 0, 2)
    assert Survey.objects.count() == 2
    assert list(Member.objects.order_by("pk").values_list("updated_at", flat=True)) == updated_at
    assert Member.objects.filter(import_batch=batch).count() == 0


def test_a_changed_file_updates_the_member_and_lists_the_changed_fields(xlsx, everywhere):
    import_file(xlsx([person(1, 致贫原因="缺资金、因病", 生存技能="电工、木工"), person(2)]), everywhere)
    path = xlsx(
        [person(1, 致贫原因="缺资金、因学", 生存技能="电工", 家庭年人均收入="3,500.00", 低保类型="农村低保"), person(2)]
    )

    preview, batch = import_file(path, everywhere)

    assert (len(preview.changed), preview.unchanged) == (1, 1)
    changes = {change.label: (change.old, change.new) for change in preview.changed[0].changes}
    assert changes == {
        "家庭年人均收入（元）": ("2800.00", "3500.00"),
        "低保类型": ("无", "农村低保"),
        "其他致贫原因": ("因病", "因学"),
        "生存技能": ("电工、木工", "电工"),
    }
    member = Member.objects.get(name="测试1")
    assert (member.income_per_capita, member.allowance, member.import_batch) == (Decimal("3500"), "rural_dibao", batch)
    assert list_names(member, "other_cause_ids") == ["因学"]
    assert list_names(member, "skill_ids") == ["电工"]
    assert member.surveys.count() == 2
    assert Member.objects.get(name="测试2").surveys.count() == 1


def test_blank_cells_keep_what_the_registry_holds(xlsx, everywhere):
    import_file(xlsx([person(1, 联系电话="13812345678", 生存技能="电工", 类别="困难群众")]), everywhere)

    preview = preview_of(
        xlsx([{k: v for k, v in person(1).items() if k in ("姓名", "身份证号", "乡镇", "村(社区)")}]), everywhere
    )

    assert (preview.unchanged, preview.changed) == (1, [])


def test_a_file_with_one_error_writes_nothing(xlsx, everywhere):
    path = xlsx([person(1), person(2), person(3, 家庭人口=0)])

    preview, batch = roster.roster_import(path=path, villages=everywhere)

    assert batch is None
    assert messages(preview) == ["第4行 [家庭人口] 家庭人口应在 1 到 99 之间，现在是 0"]
    assert (Member.objects.count(), Survey.objects.count(), ImportBatch.objects.count()) == (0, 0, 0)
    with pytest.raises(roster.RosterError):
        roster.roster_apply(preview=preview, batch=ImportBatch.objects.create(file_name="x.xlsx", sha256="0"))
    assert Member.objects.count() == 0


# ------------------------------------------------------------------ the command


def run(*args):
    out = StringIO()
    call_command("import_roster", *[str(a) for a in args], stdout=out, stderr=StringIO())
    return out.getvalue()


def test_command_dry_run_reports_and_writes_nothing(xlsx, everywhere):
    output = run(xlsx([person(1), person(2)]), "--dry-run")

    assert "新增 2 人，更新 0 人，无变化 0 人，错误 0 处" in output
    assert "检查通过（--dry-run：未写入）" in output
    assert Member.objects.count() == 0


def test_command_imports_a_clean_file(xlsx, everywhere):
    output = run(xlsx([person(1), person(2)]))

    assert "已导入" in output
    assert Member.objects.count() == 2
    assert ImportBatch.objects.get().status == "imported"


def test_command_lists_every_error_and_exits_with_status_one(xlsx, everywhere):
    out = StringIO()
    path = xlsx([person(1), person(2, 家庭人口="两"), person(3, **{"村(社区)": "三星春"})])

    with pytest.raises(CommandError) as raised:
        call_command("import_roster", str(path), stdout=out)

    assert raised.value.returncode == 1
    assert "有 2 处错误（2 行），未写入任何数据" in str(raised.value)
    lines = out.getvalue().splitlines()
    assert "第3行 [家庭人口] 家庭人口“两”应为整数，如 4" in lines
    assert "第4行 [村(社区)] 未知的村（社区）“三星春”，是否为“三星村”？" in lines
    assert Member.objects.count() == 0


def test_command_town_option_limits_the_villages(xlsx, everywhere):
    path = xlsx([person(1)])

    with pytest.raises(CommandError):
        run(path, "--town", "南兴镇")
    with pytest.raises(CommandError, match="没有名为“北京镇”的乡镇"):
        run(path, "--town", "北京镇")
    run(path, "--town", "三星堆镇")
    assert Member.objects.count() == 1


def test_command_refuses_a_missing_file(tmp_path, db):
    with pytest.raises(CommandError, match="找不到文件"):
        run(tmp_path / "none.xlsx")


def test_command_run_from_the_shell_exits_with_status_one_and_no_traceback(xlsx, everywhere, monkeypatch, capsys):
    from members.management.commands.import_roster import Command

    monkeypatch.setattr("django.db.connections.close_all", lambda: None)  # keep the test's transaction open
    path = xlsx([person(1, 家庭人口=0)])

    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["manage.py", "import_roster", str(path)])

    assert exited.value.code == 1
    captured = capsys.readouterr()
    assert "第2行 [家庭人口] 家庭人口应在 1 到 99 之间，现在是 0" in captured.out
    assert "CommandError: 有 1 处错误（1 行），未写入任何数据。" in captured.err
    assert "Traceback" not in captured.err


# ------------------------------------------------------------------ limits and later changes


def test_a_file_over_the_row_limit_is_refused(xlsx, everywhere, monkeypatch):
    monkeypatch.setattr(roster, "MAX_ROWS", 2)

    preview = preview_of(xlsx([person(1), person(2), person(3)]), everywhere)

    assert messages(preview) == ["[文件] 数据超过 2 行：请拆分为几个文件分别导入。"]


def test_a_file_over_the_size_limit_is_refused(xlsx, everywhere, monkeypatch):
    monkeypatch.setattr(roster, "MAX_BYTES", 1024)

    assert messages(preview_of(xlsx([person(1)]), everywhere))[0].startswith("[文件] 文件超过")


def test_turning_a_party_member_into_a_resident_clears_the_party_fields(xlsx, everywhere, branch):
    import_file(xlsx([person(1, 入党时间="1990-07-01", 所在党支部=branch.name)]), everywhere)

    preview, _ = import_file(xlsx([person(1, 类别="困难群众")]), everywhere)

    labels = [change.label for change in preview.changed[0].changes]
    assert labels == ["类别", "所在党支部", "入党时间"]
    member = Member.objects.get()
    assert (member.category, member.branch, member.joined_party_on) == ("resident", None, None)


def test_a_removed_member_in_the_roster_is_updated_with_a_warning(xlsx, everywhere, village):
    member = MemberFactory(village=village, status="removed", removal_reason="moved")
    path = xlsx([person(1, 身份证号=member.id_number, 出生日期=None, 性别=None, 姓名=member.name)])

    preview = preview_of(path, everywhere)

    assert "此人已退出信息库：本次导入只更新其信息，不会恢复在册状态" in [w.message for w in preview.warnings]


def test_a_table_starting_in_column_c_keeps_its_row_numbers_and_formula_cells(tmp_path, everywhere):
    wb = Workbook()
    ws = wb.active
    ws["C2"] = "花名册"
    for offset, header in enumerate(["姓名", "身份证号", "乡镇", "村(社区)", "家庭人口"]):
        ws.cell(row=4, column=3 + offset, value=header)
        ws.cell(row=5, column=3 + offset, value=person(1).get(header))
        ws.cell(row=6, column=3 + offset, value=person(2).get(header))
    ws["G6"] = "=1+1"
    wb.save(tmp_path / "offset.xlsx")

    preview = preview_of(tmp_path / "offset.xlsx", everywhere)

    assert messages(preview) == [f"第6行 [家庭人口] {roster.FORMULA_MESSAGE}"]
    assert [plan.row for plan in preview.new] == [5]


# ------------------------------------------------------------------ purging stored uploads


@pytest.fixture
def stored_batch(settings, tmp_path, org_staff):
    settings.MEDIA_ROOT = tmp_path / "media"

    def build(name, *, days_ago, status="previewed", size=2048):
        batch = ImportBatch.objects.create(file_name=name, sha256="ab" * 32, uploaded_by=org_staff, status=status)
        ImportBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
        path = roster.stored_path(batch)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * size)
        return batch

    return build


def purge(*args):
    out = StringIO()
    call_command("purge_roster_uploads", *args, stdout=out)
    return out.getvalue().splitlines()


def test_purge_deletes_the_files_of_old_batches_imported_or_not_and_keeps_the_batches(stored_batch):
    imported = stored_batch("三星村花名册.xlsx", days_ago=40, status="imported")
    rejected = stored_batch("金光村.csv", days_ago=31, status="rejected", size=3 * 1024 * 1024)
    recent = stored_batch("新.xlsx", days_ago=29)
    already = stored_batch("早已清理.xls", days_ago=90)
    roster.stored_path(already).unlink()

    lines = purge()

    assert lines == [
        f"已删除 imports/{imported.pk}.xlsx（批次 {imported.pk}“三星村花名册.xlsx”，"
        f"{timezone.localdate() - timedelta(days=40):%Y-%m-%d} 上传，已导入，2 KB）",
        f"已删除 imports/{rejected.pk}.csv（批次 {rejected.pk}“金光村.csv”，"
        f"{timezone.localdate() - timedelta(days=31):%Y-%m-%d} 上传，有错误未导入，3.0 MB）",
        "共删除 2 个文件（3.0 MB）；导入批次记录（文件名、摘要）均保留。",
    ]
    assert [roster.stored_path(batch).exists() for batch in (imported, rejected, recent)] == [False, False, True]
    assert list(ImportBatch.objects.order_by("pk").values_list("file_name", "sha256", "status")) == [
        ("三星村花名册.xlsx", "ab" * 32, "imported"),
        ("金光村.csv", "ab" * 32, "rejected"),
        ("新.xlsx", "ab" * 32, "previewed"),
        ("早已清理.xls", "ab" * 32, "previewed"),
    ]
    assert purge() == ["没有上传超过 30 天且仍保存着文件的导入批次。"]


def test_purge_days_and_dry_run(stored_batch):
    batch = stored_batch("花名册.xlsx", days_ago=3)

    assert purge("--days", "7") == ["没有上传超过 7 天且仍保存着文件的导入批次。"]
    assert purge("--days", "2", "--dry-run")[-1] == "共 1 个文件（2 KB）将被删除（--dry-run：未删除）。"
    assert roster.stored_path(batch).exists()
    assert purge("--days", "2")[0].startswith(f"已删除 imports/{batch.pk}.xlsx")
    assert not roster.stored_path(batch).exists()
    with pytest.raises(CommandError, match="--days 不能为负数"):
        purge("--days", "-1")


def test_a_purged_batch_can_no_longer_be_confirmed(stored_batch, org_staff, everywhere):
    batch = stored_batch("花名册.xlsx", days_ago=60)
    purge()

    with pytest.raises(roster.RosterError, match="已被改动或删除"):
        roster.roster_confirm(batch=batch, villages=everywhere, user=org_staff)
    assert Member.objects.count() == 0


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_a_number_cell_beyond_excels_range_is_a_message_not_a_crash(value):
    """A cell beyond Excel's largest number reads as an infinity (found by tests/test_fuzz.py): every parser answers
    with a message for the cell, and as text it stays as written."""
    from projects.imports import as_text

    for parse in (roster.parse_date, roster.parse_household, roster.parse_phone, roster.parse_money):
        with pytest.raises(roster.CellError):
            parse(value)
    assert roster._as_text(value) == repr(value)
    assert as_text(value) == str(value)
