"""Importing project lists and pair lists: the checks on every row, preview → confirm, permissions, templates."""

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from guanghan.lib import idnumber
from guanghan.models import Industry
from projects import imports
from projects.models import HouseholdPairing, Project, VillagePairing
from tests.factories import CadreFactory, MemberFactory, ProjectFactory

TODAY = date.today()
PROJECT_HEADERS = list(imports.PROJECT_LAYOUT.headers)
PAIR_HEADERS = list(imports.PAIR_LAYOUT.headers)
VALID_ID = idnumber.make("510681", date(1960, 1, 1), 5, "male")
WRONG_CHECK_DIGIT = VALID_ID[:-1] + ("1" if VALID_ID[-1] == "0" else "0")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def planting(db):
    return Industry.objects.get_or_create(code="planting", defaults={"name": "种植"})[0]


@pytest.fixture
def breeding(db):
    return Industry.objects.get_or_create(code="breeding", defaults={"name": "养殖"})[0]


@pytest.fixture
def sheet(tmp_path):
    """An .xlsx as offices send it: a title row, the header, the rows, a 合计 row."""
    counter = iter(range(1000))

    def build(headers, rows, *, title=True, total=True, suffix="xlsx"):
        wb = Workbook()
        ws = wb.active
        if title:
            ws.append(["广汉市党内项目帮扶清单"])
            ws.merge_cells("A1:F1")
        ws.append(headers)
        for row in rows:
            ws.append([row.get(header) for header in headers])
        if total:
            ws.append(["合计", None, None, len(rows)])
        file = tmp_path / f"list{next(counter)}.{suffix}"
        wb.save(file)
        return file

    return build


def project_row(**values):
    row = {"年度": 2016, "乡镇": "三星堆镇", "村(社区)": "三星村", "项目名称": "韭黄种植基地", "产业": "种植"}
    row.update(values)
    return row


def upload(client, url_name, file):
    with open(file, "rb") as handle:
        return client.post(reverse(url_name), {"file": handle})


def confirm(client, url_name, kind):
    stored = client.session[f"projects-import-{kind}"]
    return client.post(reverse(url_name), {"confirm": "1", "sha256": stored["sha256"]})


def errors_of(preview):
    return [(issue.row, issue.column, issue.message) for issue in preview.errors]


# ------------------------------------------------------------------ who may open the pages

PAGES = ["projects:project-import", "projects:project-import-template", "projects:pairs-import"]
PAGES.append("projects:pairs-import-template")
MATRIX = {
    "projects:project-import": dict(org_staff=200, town_staff=200, liaison=403, dept_staff=200, leader=403),
    "projects:project-import-template": dict(org_staff=200, town_staff=200, liaison=403, dept_staff=200, leader=403),
    "projects:pairs-import": dict(org_staff=200, town_staff=403, liaison=403, dept_staff=200, leader=403),
    "projects:pairs-import-template": dict(org_staff=200, town_staff=403, liaison=403, dept_staff=200, leader=403),
}


@pytest.mark.parametrize("role", ["org_staff", "town_staff", "liaison", "dept_staff", "leader"])
@pytest.mark.parametrize("page", PAGES)
def test_permission_matrix(request, client, page, role):
    client.force_login(request.getfixturevalue(role))

    assert client.get(reverse(page)).status_code == MATRIX[page][role]


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_users_are_sent_to_login(client, page, db):
    response = client.get(reverse(page))

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={reverse(page)}"


@pytest.mark.parametrize("page", ["projects:project-import-template", "projects:pairs-import-template"])
def test_templates_answer_only_get(client, org_staff, page):
    client.force_login(org_staff)

    assert client.post(reverse(page)).status_code == 405


@pytest.mark.parametrize("role", ["liaison", "leader"])
def test_roles_without_import_cannot_upload_projects(request, client, sheet, village, planting, role):
    client.force_login(request.getfixturevalue(role))

    assert upload(client, "projects:project-import", sheet(PROJECT_HEADERS, [project_row()])).status_code == 403
    assert not Project.objects.exists()


@pytest.mark.parametrize("role", ["town_staff", "liaison", "leader"])
def test_roles_without_pairing_cannot_upload_pairs(request, client, sheet, role):
    client.force_login(request.getfixturevalue(role))

    assert upload(client, "projects:pairs-import", sheet(PAIR_HEADERS, [{"帮扶干部": "赵刚"}])).status_code == 403


# ------------------------------------------------------------------ templates


def test_project_template_downloads_and_opens(client, org_staff, village, planting):
    client.force_login(org_staff)
    response = client.get(reverse("projects:project-import-template"))

    wb = load_workbook(BytesIO(response.content))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert [c.value for c in wb.worksheets[0][1]] == PROJECT_HEADERS
    assert wb.worksheets[0]["D2"].value == "韭黄种植基地"
    assert "填写说明" in wb.sheetnames
    notes = " ".join(str(c.value) for row in wb["填写说明"].iter_rows() for c in row if c.value)
    assert "重点培植项目不通过导入设置" in notes


def test_pair_template_downloads_and_opens(client, dept_staff):
    client.force_login(dept_staff)
    response = client.get(reverse("projects:pairs-import-template"))

    wb = load_workbook(BytesIO(response.content))
    assert [c.value for c in wb.worksheets[0][1]] == PAIR_HEADERS
    assert wb.worksheets[0]["C2"].value == "农业"
    assert wb["填写说明"]["A2"].value == "帮扶干部"


def test_the_templates_example_row_is_refused(client, org_staff, village, planting, tmp_path):
    client.force_login(org_staff)
    file = tmp_path / "template.xlsx"
    file.write_bytes(client.get(reverse("projects:project-import-template")).content)

    preview = imports.project_preview(file, user=org_staff)

    assert ("项目说明", "这是模板中的示例行，请删除后再导入") in [(i.column, i.message) for i in preview.errors]


# ------------------------------------------------------------------ project lists


def test_a_new_project_is_created_as_recommended_by_the_importer(
    client, org_staff, village, department, planting, sheet
):
    client.force_login(org_staff)
    row = project_row(
        成熟度="４",  # full-width digit
        预期年增收="12.5",
        帮扶部门="广汉市农业局",
        党员创业示范基地="√",
        困难群众项目="否",
        特色产品=" 韭黄 ",
        项目说明="三星村韭黄",
    )
    file = sheet(["备注列", *reversed(PROJECT_HEADERS)], [row])  # extra column, free order

    response = upload(client, "projects:project-import", file)
    assert response.status_code == 200
    assert response.context["preview"].rows_total == 1
    assert len(response.context["preview"].new) == 1
    assert "敲定" in response.content.decode()
    response = confirm(client, "projects:project-import", "projects")

    assert response.status_code == 302
    assert response.url == reverse("projects:project-list")
    project = Project.objects.get()
    assert project.status == Project.Status.RECOMMENDED
    assert project.recommended_by == org_staff
    assert (project.village, project.year, project.name, project.industry) == (village, 2016, "韭黄种植基地", planting)
    assert (project.maturity, project.expected_benefit, project.department) == (4, Decimal("12.50"), department)
    assert project.is_demo_base and not project.for_residents and not project.is_key
    assert project.product == "韭黄"
    assert project.events.latest("pgh_id").pgh_context.metadata["user"] == org_staff.pk


def test_an_existing_project_is_updated_and_the_preview_lists_the_changes(org_staff, village, breeding, sheet):
    project = ProjectFactory(village=village, name="韭黄种植基地", maturity=3, expected_benefit=Decimal("10.00"))
    file = sheet(PROJECT_HEADERS, [project_row(产业="养殖", 成熟度=5, 预期年增收=10)])

    preview = imports.project_preview(file, user=org_staff)

    assert (len(preview.new), len(preview.changed), preview.unchanged) == (0, 1, 0)
    changes = {(c.label, c.old, c.new) for c in preview.changed[0].changes}
    assert changes == {("产业", "种植", "养殖"), ("成熟度（1–5）", "3", "5")}
    imports.project_apply(preview, user=org_staff)
    project.refresh_from_db()
    assert (project.industry, project.maturity, project.status) == (breeding, 5, Project.Status.RECOMMENDED)
    assert project.recommended_by is None  # an update is not a recommendation


def test_importing_the_same_file_again_changes_nothing(org_staff, village, planting, sheet):
    file = sheet(PROJECT_HEADERS, [project_row(成熟度=4), project_row(项目名称="生猪养殖", 党员创业示范基地="是")])
    imports.project_apply(imports.project_preview(file, user=org_staff), user=org_staff)
    events = sum(p.events.count() for p in Project.objects.all())

    again = imports.project_preview(file, user=org_staff)
    imports.project_apply(again, user=org_staff)

    assert (len(again.new), len(again.changed), again.unchanged) == (0, 0, 2)
    assert sum(p.events.count() for p in Project.objects.all()) == events


def test_key_status_is_not_imported(org_staff, village, planting, sheet):
    project = ProjectFactory(village=village, name="韭黄种植基地", is_key=True, key_slot=1, status="selected")
    file = sheet(
        [*PROJECT_HEADERS, "重点", "状态"], [project_row(重点="否", 状态="推荐"), project_row(项目名称="新", 重点="是")]
    )

    preview = imports.project_preview(file, user=org_staff)
    imports.project_apply(preview, user=org_staff)

    project.refresh_from_db()
    assert (project.is_key, project.status) == (True, Project.Status.SELECTED)
    assert not Project.objects.get(name="新").is_key


@pytest.mark.parametrize(
    ("values", "column", "message"),
    [
        ({"乡镇": "三星镇"}, "乡镇", "未知的乡镇“三星镇”，是否为“三星堆镇”？"),
        ({"村(社区)": "三兴村"}, "村(社区)", "未知的村（社区）“三兴村”，是否为“三星村”？"),
        ({"产业": "种值"}, "产业", "未知的产业“种值”，是否为“种植”？"),
        ({"帮扶部门": "农业司"}, "帮扶部门", "未知的部门“农业司”，是否为“农业”？"),
        ({"年度": "16"}, "年度", "年度“16”应为四位年份，如 2016"),
        ({"年度": 1899}, "年度", f"年度 1899 不合理，应在 2000 到 {TODAY.year + 5} 之间"),
        ({"成熟度": 6}, "成熟度", "成熟度“6”应为 1 到 5 的整数（5 为最成熟）"),
        ({"成熟度": "高"}, "成熟度", "成熟度“高”应为 1 到 5 的整数（5 为最成熟）"),
        ({"预期年增收": -1}, "预期年增收", "预期年增收不能为负数"),
        ({"预期年增收": "很多"}, "预期年增收", "预期年增收“很多”不是数字，请填写金额（万元），如 12.5"),
        ({"党员创业示范基地": "可能"}, "党员创业示范基地", "党员创业示范基地“可能”请填写“是”“否”或“√”，不是可留空"),
        ({"项目名称": None}, "项目名称", "请填写项目名称"),
    ],
)
def test_a_bad_cell_is_reported_with_row_column_and_what_to_fix_and_nothing_is_written(
    org_staff, village, planting, department, sheet, values, column, message
):
    file = sheet(PROJECT_HEADERS, [project_row(项目名称="好项目"), project_row(**values)])

    preview = imports.project_preview(file, user=org_staff)

    assert errors_of(preview) == [(4, column, message)]  # title row 1, header row 2
    assert not preview.is_clean
    with pytest.raises(imports.ImportFileError):
        imports.project_apply(preview, user=org_staff)
    assert not Project.objects.exists()


def test_blank_yes_no_cells_mean_no(org_staff, village, planting, sheet):
    ProjectFactory(village=village, name="韭黄种植基地", is_demo_base=True)
    file = sheet(PROJECT_HEADERS, [project_row(党员创业示范基地=None)])

    preview = imports.project_preview(file, user=org_staff)

    assert [(c.old, c.new) for c in preview.changed[0].changes] == [("是", "否")]


def test_the_same_project_twice_is_an_error_on_both_rows(org_staff, village, planting, sheet):
    file = sheet(PROJECT_HEADERS, [project_row(), project_row(项目名称="别的"), project_row()])

    preview = imports.project_preview(file, user=org_staff)

    assert [(row, column) for row, column, _ in errors_of(preview)] == [(3, "项目名称"), (5, "项目名称")]
    assert "与第5行重复" in preview.errors[0].message


def test_town_staff_import_only_their_towns_villages(town_staff, village, other_village, planting, sheet):
    file = sheet(PROJECT_HEADERS, [project_row(), project_row(乡镇="南兴镇", **{"村(社区)": "金光村"})])

    preview = imports.project_preview(file, user=town_staff)

    assert errors_of(preview) == [(4, "村(社区)", "南兴镇金光村不在您的工作范围内，不能导入")]


def test_department_staff_import_only_their_paired_villages(
    dept_staff, department, village, other_village, planting, sheet
):
    VillagePairing.objects.create(department=department, village=village, year=2016, started_on="2016-03-01")
    file = sheet(PROJECT_HEADERS, [project_row(), project_row(乡镇="南兴镇", **{"村(社区)": "金光村"})])

    preview = imports.project_preview(file, user=dept_staff)

    assert errors_of(preview) == [(4, "村(社区)", "南兴镇金光村不在您的工作范围内，不能导入")]


def test_a_file_without_the_required_columns_is_one_error(org_staff, sheet):
    preview = imports.project_preview(sheet(["年度", "乡镇", "村(社区)", "项目名称"], [{}]), user=org_staff)

    assert errors_of(preview) == [(None, "", "表头缺少必填列：产业。请按导入模板补上这些列。")]


def test_a_csv_project_list_is_read(org_staff, village, planting, tmp_path):
    file = tmp_path / "list.csv"
    file.write_text(
        "年度,乡镇,村（社区）,项目名称,产业\n2016,三星堆镇,三星村,韭黄种植基地,种植\n合计,,,1,\n", "utf-8-sig"
    )

    preview = imports.project_preview(file, user=org_staff)

    assert (preview.rows_total, len(preview.new), preview.errors) == (1, 1, [])


def test_the_page_shows_errors_and_offers_no_confirmation(client, org_staff, village, planting, sheet):
    client.force_login(org_staff)

    response = upload(client, "projects:project-import", sheet(PROJECT_HEADERS, [project_row(成熟度=9)]))

    page = response.content.decode()
    assert "成熟度“9”应为 1 到 5 的整数" in page
    assert 'data-testid="import-confirm-form"' not in page


def test_confirm_refuses_a_stored_file_that_changed(client, org_staff, village, planting, sheet, media):
    client.force_login(org_staff)
    upload(client, "projects:project-import", sheet(PROJECT_HEADERS, [project_row()]))
    stored = client.session["projects-import-projects"]
    (media / "imports" / stored["name"]).write_bytes(b"changed")

    response = confirm(client, "projects:project-import", "projects")

    assert response.status_code == 302
    assert not Project.objects.exists()


def test_confirm_refuses_a_hash_other_than_the_previewed_one(client, org_staff, village, planting, sheet):
    client.force_login(org_staff)
    upload(client, "projects:project-import", sheet(PROJECT_HEADERS, [project_row()]))

    response = client.post(reverse("projects:project-import"), {"confirm": "1", "sha256": "0" * 64})

    assert response.status_code == 302
    assert not Project.objects.exists()


def test_confirming_twice_imports_once(client, org_staff, village, planting, sheet):
    client.force_login(org_staff)
    upload(client, "projects:project-import", sheet(PROJECT_HEADERS, [project_row()]))
    sha256 = client.session["projects-import-projects"]["sha256"]
    client.post(reverse("projects:project-import"), {"confirm": "1", "sha256": sha256})

    client.post(reverse("projects:project-import"), {"confirm": "1", "sha256": sha256})

    assert Project.objects.count() == 1


def test_the_check_runs_again_at_confirmation(client, org_staff, village, planting, sheet):
    client.force_login(org_staff)
    upload(client, "projects:project-import", sheet(PROJECT_HEADERS, [project_row()]))
    planting.is_active = False
    planting.save()

    response = confirm(client, "projects:project-import", "projects")

    assert response.status_code == 200
    assert "未知的产业“种植”" in response.content.decode()
    assert not Project.objects.exists()


# ------------------------------------------------------------------ pair lists


@pytest.fixture
def cadre(department):
    return CadreFactory(department=department, name="赵刚", phone="13900000001")


@pytest.fixture
def other_cadre(other_department):
    return CadreFactory(department=other_department, name="钱进", phone="13900000002")


def pair_row(member, cadre=None, **values):
    row = {"帮扶干部": "赵刚", "所在部门": "农业", "对象姓名": member.name, "对象身份证号": member.id_number}
    if cadre is not None:
        row.update({"帮扶干部": cadre.name, "所在部门": cadre.department.short_name})
    row.update(values)
    return row


def test_a_new_pair_is_created_through_the_pages(client, org_staff, cadre, member, sheet):
    client.force_login(org_staff)
    file = sheet(PAIR_HEADERS, [pair_row(member, 结对日期="2016年7月21日")])

    response = upload(client, "projects:pairs-import", file)
    assert len(response.context["preview"].new) == 1
    response = confirm(client, "projects:pairs-import", "pairs")

    assert response.url == reverse("projects:household-pairing-list")
    pair = HouseholdPairing.objects.get()
    assert (pair.cadre, pair.member, pair.started_on, pair.ended_on) == (cadre, member, date(2016, 7, 21), None)


def test_the_cadre_is_found_by_phone_or_by_full_department_name(org_staff, cadre, member, sheet):
    second = MemberFactory(village=member.village, name="王秀兰")
    rows = [
        pair_row(member, 所在部门=None, 干部电话="13900000001"),
        pair_row(second, 所在部门="广汉市农业局", 结对日期=None),
    ]

    preview = imports.pair_preview(sheet(PAIR_HEADERS, rows), user=org_staff)
    imports.pair_apply(preview, user=org_staff)

    assert set(HouseholdPairing.objects.values_list("cadre_id", "started_on")) == {(cadre.pk, TODAY)}


def test_a_pair_to_the_same_cadre_is_unchanged_and_reimport_writes_nothing(org_staff, cadre, member, sheet):
    HouseholdPairing.objects.create(cadre=cadre, member=member, started_on=date(2016, 3, 1))
    file = sheet(PAIR_HEADERS, [pair_row(member, 结对日期="2016-07-21")])

    preview = imports.pair_preview(file, user=org_staff)
    imports.pair_apply(preview, user=org_staff)

    assert (len(preview.new), len(preview.changed), preview.unchanged) == (0, 0, 1)
    assert HouseholdPairing.objects.get().started_on == date(2016, 3, 1)


def test_a_pair_to_another_cadre_is_handed_over(org_staff, cadre, other_cadre, member, sheet):
    old = HouseholdPairing.objects.create(cadre=other_cadre, member=member, started_on=date(2016, 3, 1))
    file = sheet(PAIR_HEADERS, [pair_row(member, 结对日期="2016-07-21")])

    preview = imports.pair_preview(file, user=org_staff)
    assert next((c.label, c.old, c.new) for c in preview.changed[0].changes) == (
        "帮扶干部",
        "钱进（水利）",
        "赵刚（农业）",
    )
    imports.pair_apply(preview, user=org_staff)

    old.refresh_from_db()
    assert (old.ended_on, old.end_reason) == (date(2016, 7, 21), "名单导入交接")
    new = HouseholdPairing.objects.get(ended_on__isnull=True)
    assert (new.cadre, new.member, new.started_on) == (cadre, member, date(2016, 7, 21))
    again = imports.pair_preview(file, user=org_staff)
    assert (len(again.new), len(again.changed), again.unchanged) == (0, 0, 1)


def test_a_hand_over_before_the_old_pair_began_is_an_error(org_staff, cadre, other_cadre, member, sheet):
    HouseholdPairing.objects.create(cadre=other_cadre, member=member, started_on=date(2016, 3, 1))

    preview = imports.pair_preview(sheet(PAIR_HEADERS, [pair_row(member, 结对日期="2016-01-01")]), user=org_staff)

    assert [(row, column) for row, column, _ in errors_of(preview)] == [(3, "结对日期")]


def test_the_members_name_must_match_the_registry(org_staff, cadre, member, sheet):
    preview = imports.pair_preview(sheet(PAIR_HEADERS, [pair_row(member, 对象姓名="张德富")]), user=org_staff)

    ((row, column, message),) = errors_of(preview)
    assert (row, column) == (3, "对象姓名")
    assert "“张德福”" in message and "“张德富”" in message


@pytest.mark.parametrize(
    ("values", "column", "text"),
    [
        ({"对象身份证号": VALID_ID}, "对象身份证号", "信息库中没有"),
        ({"对象身份证号": WRONG_CHECK_DIGIT}, "对象身份证号", "校验位不正确"),
        ({"对象身份证号": 5.10681196001e17}, "对象身份证号", "被 Excel 转成了数字"),
        ({"帮扶干部": "赵钢"}, "帮扶干部", "农业没有干部“赵钢”，是否为“赵刚”？"),
        ({"所在部门": "农业司"}, "所在部门", "未知的部门“农业司”，是否为“农业”？"),
        ({"所在部门": None}, "所在部门", "请填写所在部门或干部电话"),
        ({"干部电话": "13900000002"}, "干部电话", "电话 13900000002 登记的干部是“钱进”"),
        ({"结对日期": "2016-13-01"}, "结对日期", "日期“2016-13-01”不存在"),
        ({"结对日期": "七月"}, "结对日期", "无法识别的日期“七月”"),
        ({"结对日期": f"{TODAY + timedelta(days=3):%Y-%m-%d}"}, "结对日期", "结对日期不能晚于今天"),
    ],
)
def test_a_bad_pair_row_is_reported_and_nothing_is_written(
    org_staff, cadre, other_cadre, member, sheet, values, column, text
):
    second = MemberFactory(village=member.village, name="王秀兰")
    file = sheet(PAIR_HEADERS, [pair_row(second), pair_row(member, **values)])

    preview = imports.pair_preview(file, user=org_staff)

    assert [(row, col) for row, col, _ in errors_of(preview)] == [(4, column)]
    assert text in preview.errors[0].message
    with pytest.raises(imports.ImportFileError):
        imports.pair_apply(preview, user=org_staff)
    assert not HouseholdPairing.objects.exists()


def test_the_same_member_twice_is_an_error_on_both_rows(org_staff, cadre, member, sheet):
    preview = imports.pair_preview(sheet(PAIR_HEADERS, [pair_row(member), pair_row(member)]), user=org_staff)

    assert [(row, column) for row, column, _ in errors_of(preview)] == [(3, "对象身份证号"), (4, "对象身份证号")]


def test_department_staff_import_only_their_own_cadres(
    dept_staff, department, cadre, other_cadre, member, village, sheet
):
    VillagePairing.objects.create(department=department, village=village, year=2016, started_on="2016-03-01")
    second = MemberFactory(village=village, name="王秀兰")
    file = sheet(PAIR_HEADERS, [pair_row(member), pair_row(second, other_cadre)])

    preview = imports.pair_preview(file, user=dept_staff)

    assert errors_of(preview) == [(4, "帮扶干部", "钱进不是本部门的干部：只能导入本部门干部的结对")]


def test_department_staff_cannot_take_over_another_departments_household(
    dept_staff, department, cadre, other_cadre, member, village, sheet
):
    VillagePairing.objects.create(department=department, village=village, year=2016, started_on="2016-03-01")
    HouseholdPairing.objects.create(cadre=other_cadre, member=member, started_on=date(2016, 3, 1))

    preview = imports.pair_preview(sheet(PAIR_HEADERS, [pair_row(member)]), user=dept_staff)

    assert [(row, column) for row, column, _ in errors_of(preview)] == [(3, "帮扶干部")]
    assert "跨部门交接请联系组织部" in preview.errors[0].message


def test_department_staff_cannot_pair_people_outside_their_villages(dept_staff, cadre, other_village, sheet):
    outsider = MemberFactory(village=other_village, name="李秀英")

    preview = imports.pair_preview(sheet(PAIR_HEADERS, [pair_row(outsider)]), user=dept_staff)

    assert errors_of(preview) == [(3, "对象身份证号", "李秀英不在您的工作范围内，不能结对")]


def test_a_hand_over_through_the_pages(client, dept_staff, department, cadre, member, village, sheet):
    VillagePairing.objects.create(department=department, village=village, year=2016, started_on="2016-03-01")
    colleague = CadreFactory(department=department, name="孙丽", phone="13900000003")
    HouseholdPairing.objects.create(cadre=colleague, member=member, started_on=date(2016, 3, 1))
    client.force_login(dept_staff)

    response = upload(client, "projects:pairs-import", sheet(PAIR_HEADERS, [pair_row(member, 结对日期="2016-08-01")]))
    assert "孙丽（农业）" in response.content.decode()
    confirm(client, "projects:pairs-import", "pairs")

    assert list(HouseholdPairing.objects.order_by("pk").values_list("cadre__name", "ended_on", "end_reason")) == [
        ("孙丽", date(2016, 8, 1), "名单导入交接"),
        ("赵刚", None, ""),
    ]


@pytest.mark.parametrize("count", [3, 60])
def test_checking_a_project_list_takes_the_same_queries_whatever_its_length(
    org_staff, village, planting, sheet, django_assert_max_num_queries, count
):
    ProjectFactory(village=village, name="项目0")
    file = sheet(PROJECT_HEADERS, [project_row(项目名称=f"项目{n}") for n in range(count)])

    with django_assert_max_num_queries(8):
        preview = imports.project_preview(file, user=org_staff)

    assert (len(preview.new), len(preview.changed) + preview.unchanged) == (count - 1, 1)


@pytest.mark.parametrize("count", [3, 60])
def test_checking_a_pair_list_takes_the_same_queries_whatever_its_length(
    org_staff, cadre, village, sheet, django_assert_max_num_queries, count
):
    people = [MemberFactory(village=village) for _ in range(count)]
    file = sheet(PAIR_HEADERS, [pair_row(person) for person in people])

    with django_assert_max_num_queries(6):
        preview = imports.pair_preview(file, user=org_staff)

    assert len(preview.new) == count


def test_the_upload_page_says_key_projects_are_not_imported(client, town_staff):
    client.force_login(town_staff)

    page = client.get(reverse("projects:project-import")).content.decode()

    assert "重点培植项目不通过导入设置" in page
    assert reverse("projects:project-import-template") in page


def test_the_preview_page_lists_a_projects_changes(client, org_staff, village, planting, sheet):
    ProjectFactory(village=village, name="韭黄种植基地", maturity=3)
    client.force_login(org_staff)

    response = upload(client, "projects:project-import", sheet(PROJECT_HEADERS, [project_row(成熟度=5)]))

    page = response.content.decode()
    assert "三星堆镇三星村 2016 年 韭黄种植基地" in page
    assert "3 → <strong>5</strong>" in page
    assert 'data-testid="import-confirm-form"' in page
