"""The roster import pages: who may open them, upload → preview → confirm, the template download."""

from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from guanghan.lib import idnumber
from members import roster
from members.models import ImportBatch, Member, Survey
from tests.factories import MemberFactory
from tests.members.test_roster import make_roster, person


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def roster_file(tmp_path, village):
    def build(rows, name="花名册.xlsx", **kwargs):
        return make_roster(tmp_path / name, rows, **kwargs)

    return build


def upload(client, path):
    with open(path, "rb") as handle:
        return client.post(reverse("members:roster-upload"), {"file": handle})


def uploaded_batch(client, user, path) -> ImportBatch:
    client.force_login(user)
    response = upload(client, path)
    batch = ImportBatch.objects.latest("pk")
    assert response.status_code == 302
    assert response.url == reverse("members:roster-preview", args=[batch.pk])
    return batch


# ------------------------------------------------------------------ who may open the pages


@pytest.mark.parametrize(
    ("role", "status"),
    [("org_staff", 200), ("town_staff", 200), ("liaison", 403), ("dept_staff", 403), ("leader", 403)],
)
@pytest.mark.parametrize("page", ["members:roster-upload", "members:roster-template"])
def test_only_organisation_and_town_staff_may_import(request, client, role, status, page):
    client.force_login(request.getfixturevalue(role))

    assert client.get(reverse(page)).status_code == status


@pytest.mark.parametrize("page", ["members:roster-upload", "members:roster-template"])
def test_anonymous_users_are_sent_to_login(client, page, db):
    response = client.get(reverse(page))

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={reverse(page)}"


@pytest.mark.parametrize("role", ["liaison", "dept_staff", "leader"])
def test_other_roles_cannot_upload_preview_or_confirm(request, client, org_staff, roster_file, role):
    batch = uploaded_batch(client, org_staff, roster_file([person(1)]))
    client.force_login(request.getfixturevalue(role))

    assert upload(client, roster_file([person(2)], name="b.xlsx")).status_code == 403
    assert client.get(reverse("members:roster-preview", args=[batch.pk])).status_code == 403
    assert client.post(reverse("members:roster-confirm", args=[batch.pk])).status_code == 403
    assert Member.objects.count() == 0


def test_confirm_answers_only_post(client, org_staff, roster_file):
    batch = uploaded_batch(client, org_staff, roster_file([person(1)]))

    assert client.get(reverse("members:roster-confirm", args=[batch.pk])).status_code == 405


# ------------------------------------------------------------------ the flow


def test_upload_preview_and_confirm_import_the_roster(client, town_staff, roster_file, media):
    batch = uploaded_batch(client, town_staff, roster_file([person(1), person(2)], title_rows=1))

    assert (media / "imports" / f"{batch.pk}.xlsx").exists()
    assert (batch.status, batch.uploaded_by, batch.rows_total, batch.created_count) == ("previewed", town_staff, 2, 2)
    page = client.get(reverse("members:roster-preview", args=[batch.pk]))
    assert page.status_code == 200
    assert "确认导入" in page.content.decode()
    assert [plan.name for plan in page.context["new_rows"]] == ["测试1", "测试2"]
    assert Member.objects.count() == 0

    response = client.post(reverse("members:roster-confirm", args=[batch.pk]), follow=True)

    assert Member.objects.count() == 2
    assert Survey.objects.filter(import_batch=batch, surveyor=town_staff).count() == 2
    batch.refresh_from_db()
    assert (batch.status, batch.created_count) == ("imported", 2)
    text = response.content.decode()
    assert "花名册已导入：新增 2 人，更新 0 人，无变化 0 人。" in text
    assert reverse("members:member-list") in text
    assert "确认导入" not in text


def test_the_upload_page_works_without_javascript_and_loads_the_progress_script(client, org_staff, roster_file):
    client.force_login(org_staff)

    text = client.get(reverse("members:roster-upload")).content.decode()

    assert (
        '<form method="post" enctype="multipart/form-data" data-testid="roster-upload-form" data-roster-upload>' in text
    )
    assert '<script src="/static/js/roster_upload.js"></script>' in text
    assert 'data-testid="roster-upload-progress" hidden>' in text
    batch = uploaded_batch(client, org_staff, roster_file([person(1)]))  # a plain POST, answered by a redirect
    assert (batch.status, batch.created_count) == ("previewed", 1)


def test_the_upload_scripts_redirect_to_the_preview_does_not_check_the_file_again(
    client, org_staff, town_staff, roster_file, monkeypatch
):
    batch = uploaded_batch(client, org_staff, roster_file([person(1)]))
    url = reverse("members:roster-preview", args=[batch.pk])
    checked = []
    monkeypatch.setattr(roster, "roster_preview", lambda *args, **kwargs: checked.append(args))

    response = client.get(url, headers={"X-Roster-Upload": "1"})

    assert (response.status_code, response.content, checked) == (204, b"", [])
    assert "no-store" in response["Cache-Control"]
    client.force_login(town_staff)
    assert client.get(url, headers={"X-Roster-Upload": "1"}).status_code == 404


def test_a_file_with_errors_shows_them_and_offers_no_confirm_button(client, org_staff, roster_file):
    batch = uploaded_batch(client, org_staff, roster_file([person(1), person(2, **{"村(社区)": "三星春"})]))

    page = client.get(reverse("members:roster-preview", args=[batch.pk]))

    text = page.content.decode()
    assert "未知的村（社区）“三星春”，是否为“三星村”？" in text
    assert "确认导入" not in text
    assert "请按下表改正文件后" in text
    batch.refresh_from_db()
    assert (batch.status, batch.error_count) == ("rejected", 1)
    client.post(reverse("members:roster-confirm", args=[batch.pk]))
    assert Member.objects.count() == 0


def test_the_preview_lists_the_changed_fields(client, org_staff, roster_file):
    first = uploaded_batch(client, org_staff, roster_file([person(1)]))
    client.post(reverse("members:roster-confirm", args=[first.pk]))
    batch = uploaded_batch(client, org_staff, roster_file([person(1, 家庭人口=5)], name="第二次.xlsx"))

    page = client.get(reverse("members:roster-preview", args=[batch.pk]))

    assert [(c.label, c.old, c.new) for c in page.context["changed_rows"][0].changes] == [("家庭人口", "3", "5")]
    assert "家庭人口：</span>3 → <strong>5</strong>" in page.content.decode()


def test_confirming_twice_imports_once(client, org_staff, roster_file):
    batch = uploaded_batch(client, org_staff, roster_file([person(1), person(2)]))
    url = reverse("members:roster-confirm", args=[batch.pk])

    client.post(url)
    response = client.post(url, follow=True)

    assert "该批次已经导入，不能重复导入。" in response.content.decode()
    assert (Member.objects.count(), Survey.objects.count()) == (2, 2)


def test_a_file_changed_after_the_preview_is_refused(client, org_staff, roster_file):
    batch = uploaded_batch(client, org_staff, roster_file([person(1)]))
    make_roster(roster.stored_path(batch), [person(1), person(2)])

    response = client.post(reverse("members:roster-confirm", args=[batch.pk]), follow=True)

    assert "文件与预览时不一致" in response.content.decode()
    assert Member.objects.count() == 0


def test_the_confirmation_message_writes_large_counts_with_separators(client, org_staff, roster_file, monkeypatch):
    batch = uploaded_batch(client, org_staff, roster_file([person(1)]))
    counts = roster.Preview(rows_total=3702, new=[None] * 2500, changed=[None] * 1200, unchanged=2)
    monkeypatch.setattr(roster, "roster_confirm", lambda **kwargs: counts)

    response = client.post(reverse("members:roster-confirm", args=[batch.pk]), follow=True)

    assert "花名册已导入：新增 2,500 人，更新 1,200 人，无变化 2 人。" in response.content.decode()


def test_a_member_registered_by_someone_else_meanwhile_fails_the_confirmation(
    client, org_staff, roster_file, village, monkeypatch
):
    batch = uploaded_batch(client, org_staff, roster_file([person(1), person(2, 生存技能="电工")]))
    MemberFactory(village=village, id_number=person(2)["身份证号"])
    # committed after the re-check read the registry
    monkeypatch.setattr(roster, "_load_existing", lambda id_numbers, cursor=None: {})

    response = client.post(reverse("members:roster-confirm", args=[batch.pk]), follow=True)

    assert "导入时信息库已被他人修改，未导入任何数据：请重新上传预览。" in response.content.decode()
    assert (Member.objects.count(), Survey.objects.count()) == (1, 0)
    batch.refresh_from_db()
    assert batch.status == "previewed"


def test_town_staff_cannot_see_another_users_batch(client, org_staff, town_staff, other_town_staff, roster_file):
    batch = uploaded_batch(client, other_town_staff, roster_file([person(1)]))

    client.force_login(town_staff)
    assert client.get(reverse("members:roster-preview", args=[batch.pk])).status_code == 404
    assert client.post(reverse("members:roster-confirm", args=[batch.pk])).status_code == 404
    client.force_login(org_staff)
    assert client.get(reverse("members:roster-preview", args=[batch.pk])).status_code == 200


def test_town_staff_cannot_import_another_towns_village(client, town_staff, other_village, roster_file):
    batch = uploaded_batch(client, town_staff, roster_file([person(1, 乡镇="南兴镇", **{"村(社区)": "金光村"})]))

    page = client.get(reverse("members:roster-preview", args=[batch.pk]))

    assert "南兴镇金光村不在您的工作范围内，不能导入" in page.content.decode()


def test_only_spreadsheets_may_be_uploaded(client, org_staff, tmp_path):
    path = tmp_path / "名单.txt"
    path.write_text("姓名", encoding="utf-8")
    client.force_login(org_staff)

    response = upload(client, path)

    assert response.status_code == 200
    assert "只能导入 .xlsx、.xls 或 .csv 文件。" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_the_preview_needs_the_same_queries_for_3_and_300_rows(
    client, org_staff, roster_file, django_assert_max_num_queries
):
    def preview_queries(count):
        rows = [person(n) for n in range(count)]
        first = uploaded_batch(client, org_staff, roster_file(rows[: count // 2], name=f"a{count}.xlsx"))
        client.post(reverse("members:roster-confirm", args=[first.pk]))
        changed = [person(n, 家庭人口=4, 生存技能="电工") for n in range(count)]
        return uploaded_batch(client, org_staff, roster_file(changed, name=f"b{count}.xlsx"))

    small, large = preview_queries(3), preview_queries(300)
    with CaptureQueriesContext(connection) as small_queries:
        assert client.get(reverse("members:roster-preview", args=[small.pk])).status_code == 200

    with django_assert_max_num_queries(len(small_queries)):
        response = client.get(reverse("members:roster-preview", args=[large.pk]))
    assert len(response.context["preview"].changed) == 150
    assert len(response.context["new_rows"]) == 150


# ------------------------------------------------------------------ the template


def test_the_template_downloads_and_opens_with_the_right_headers(client, town_staff, village):
    client.force_login(town_staff)

    response = client.get(reverse("members:roster-template"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(BytesIO(response.content))
    assert wb.sheetnames == ["花名册", "填写说明", "村（社区）及党支部"]
    sheet = wb["花名册"]
    assert [cell.value for cell in sheet[1]] == roster.HEADERS
    example = dict(zip(roster.HEADERS, [cell.value for cell in sheet[2]], strict=True))
    id_cell = sheet.cell(row=2, column=roster.HEADERS.index("身份证号") + 1)
    assert id_cell.number_format == "@"
    assert idnumber.parse(example["身份证号"]).birth_date.isoformat() == example["出生日期"]
    assert (example["乡镇"], example["村(社区)"]) == ("三星堆镇", "三星村")
    notes = "\n".join(str(cell.value) for row in wb["填写说明"].iter_rows() for cell in row if cell.value)
    assert "困难党员、困难群众" in notes and "缺技术" in notes and "蔬菜种植" in notes
    assert [row for row in wb["村（社区）及党支部"].iter_rows(min_row=2, values_only=True)] == [
        ("三星堆镇", "三星村", None)
    ]


def test_the_filled_template_imports_once_the_example_row_is_replaced(client, org_staff, village, tmp_path):
    client.force_login(org_staff)
    wb = load_workbook(BytesIO(client.get(reverse("members:roster-template")).content))
    path = tmp_path / "模板.xlsx"
    wb.save(path)

    batch = uploaded_batch(client, org_staff, path)
    page = client.get(reverse("members:roster-preview", args=[batch.pk]))
    assert [str(issue) for issue in page.context["preview"].errors] == [
        "第2行 [备注] 这是模板中的示例行，请删除后再导入"
    ]

    wb["花名册"].cell(row=2, column=roster.HEADERS.index("备注") + 1).value = None
    wb.save(path)
    batch = uploaded_batch(client, org_staff, path)
    client.post(reverse("members:roster-confirm", args=[batch.pk]))
    assert Member.objects.get().name == "张三"
