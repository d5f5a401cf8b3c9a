"""目标责任书 pages: who may open what, recording and editing with the signed document, scope, export, queries."""

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from evaluation.models import Agreement
from projects.models import VillagePairing
from tests.evaluation.agreement_fixtures import *  # noqa: F403
from tests.evaluation.agreement_fixtures import PDF, agreement_for, png_bytes
from tests.factories import ProjectFactory, VillageFactory

ROLES = ["org_staff", "town_staff", "other_town_staff", "liaison", "dept_staff", "leader", "no_role_user"]
ALL_SEE = dict(org_staff=200, town_staff=200, other_town_staff=200, liaison=200, dept_staff=200, leader=200)
WRITE = dict(org_staff=200, town_staff=403, other_town_staff=403, liaison=403, dept_staff=200, leader=403)
# `agreement`: the department with `village` (town_staff's town, the liaison's village, paired with dept_staff's
# department); `neighbour_agreement`: another department with the same village; `other_agreement`: another
# department with a village of the other town. Every URL answers 403 to a user without a role.
MATRIX = {
    "list": ("evaluation:agreement-list", None, ALL_SEE),
    "create": ("evaluation:agreement-create", None, WRITE),
    "detail": ("evaluation:agreement-detail", "agreement", {**ALL_SEE, "other_town_staff": 404}),
    "neighbour-detail": ("evaluation:agreement-detail", "neighbour_agreement", {**ALL_SEE, "other_town_staff": 404}),
    "other-detail": (
        "evaluation:agreement-detail",
        "other_agreement",
        {**ALL_SEE, "town_staff": 404, "liaison": 404, "dept_staff": 404},
    ),
    "edit": ("evaluation:agreement-edit", "agreement", WRITE),
    "neighbour-edit": ("evaluation:agreement-edit", "neighbour_agreement", {**WRITE, "dept_staff": 403}),
    "other-edit": ("evaluation:agreement-edit", "other_agreement", {**WRITE, "dept_staff": 404}),
    "document": ("evaluation:agreement-document", "agreement", {**ALL_SEE, "other_town_staff": 404}),
    "no-document": ("evaluation:agreement-document", "neighbour_agreement", {r: 404 for r in ALL_SEE}),
    "other-document": (
        "evaluation:agreement-document",
        "other_agreement",
        {**ALL_SEE, "town_staff": 404, "liaison": 404, "dept_staff": 404},
    ),
}


def read(response):
    """The status; a file response is read to its end (closing it by hand would close the test's connection)."""
    if response.streaming:
        b"".join(response.streaming_content)
    return response.status_code


def _url(request, name, obj):
    return reverse(name) if obj is None else reverse(name, args=[request.getfixturevalue(obj).pk])


def form_data(village, department=None, /, **changes):
    data = {
        "department": department.pk if department else "",
        "village": village.pk,
        "year": 2016,
        "signed_on": "2016-03-01",
        "projects_started": 2,
        "members_enrolled": 12,
        "money_invested": "50,000.00",
        "visits": 4,
        "members_lifted": 3,
        "note": "",
    }
    data.update(changes)
    return data


@pytest.fixture
def documents(media, agreement, other_agreement):
    """`agreement` and `other_agreement` carry a signed PDF; `neighbour_agreement` has none."""
    for item in (agreement, other_agreement):
        item.document.save("signed.pdf", ContentFile(PDF))
    return media


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", list(MATRIX))
def test_each_role_gets_the_declared_answer(request, client, documents, neighbour_agreement, role, page):
    name, obj, expected = MATRIX[page]
    client.force_login(request.getfixturevalue(role))
    assert read(client.get(_url(request, name, obj))) == expected.get(role, 403)


def test_a_superuser_opens_every_page(client, superuser, documents, agreement):
    client.force_login(superuser)
    for name in ("agreement-detail", "agreement-edit", "agreement-document"):
        assert read(client.get(reverse(f"evaluation:{name}", args=[agreement.pk]))) == 200
    assert client.get(reverse("evaluation:agreement-create")).status_code == 200


def test_pages_answer_only_their_methods(client, org_staff, documents, agreement):
    client.force_login(org_staff)
    for name in ("agreement-list", "agreement-create"):
        assert client.post(reverse(f"evaluation:{name}")).status_code == (405 if name == "agreement-list" else 200)
        assert client.delete(reverse(f"evaluation:{name}")).status_code == 405
    for name in ("agreement-detail", "agreement-document"):
        assert client.post(reverse(f"evaluation:{name}", args=[agreement.pk])).status_code == 405
    assert client.put(reverse("evaluation:agreement-edit", args=[agreement.pk])).status_code == 405


def test_anonymous_users_are_sent_to_login(client, documents, agreement):
    for url in (reverse("evaluation:agreement-list"), reverse("evaluation:agreement-document", args=[agreement.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


# Scope ---------------------------------------------------------------------------------------------------------


def listed(client, user, **query):
    client.force_login(user)
    response = client.get(reverse("evaluation:agreement-list"), query)
    assert response.status_code == 200
    return {(a.department.short_name, a.village.name, a.year) for a in response.context["page"]}


def test_town_staff_see_the_agreements_of_their_villages(
    client, town_staff, agreement, neighbour_agreement, other_agreement
):
    assert listed(client, town_staff) == {("农业", "三星村", 2016), ("水利", "三星村", 2016)}


def test_other_town_staff_see_only_their_own_town(client, other_town_staff, agreement, other_agreement):
    assert listed(client, other_town_staff) == {("水利", "金光村", 2016)}


def test_a_liaison_officer_sees_the_agreements_of_its_villages(
    client, liaison, agreement, neighbour_agreement, other_agreement
):
    assert listed(client, liaison) == {("农业", "三星村", 2016), ("水利", "三星村", 2016)}


def test_department_staff_see_their_department_and_their_paired_villages(
    client, dept_staff, department, other_village, agreement, neighbour_agreement, other_agreement, clerk
):
    agreement_for(department, other_village, by=clerk, year=2015)  # a village no longer paired: still its own
    assert listed(client, dept_staff) == {("农业", "三星村", 2016), ("水利", "三星村", 2016), ("农业", "金光村", 2015)}


def test_the_list_filters_by_year_department_town_and_village(
    client,
    org_staff,
    department,
    other_department,
    village,
    other_village,
    town,
    agreement,
    neighbour_agreement,
    other_agreement,
    clerk,
):
    agreement_for(department, village, by=clerk, year=2015)
    assert listed(client, org_staff, year=2015) == {("农业", "三星村", 2015)}
    assert listed(client, org_staff, department=other_department.pk) == {
        ("水利", "三星村", 2016),
        ("水利", "金光村", 2016),
    }
    assert listed(client, org_staff, town=town.pk, year=2016) == {("农业", "三星村", 2016), ("水利", "三星村", 2016)}
    assert listed(client, org_staff, village=other_village.pk) == {("水利", "金光村", 2016)}


# The list page and its export ----------------------------------------------------------------------------------


def test_the_list_shows_actual_over_target_and_totals(client, org_staff, agreement, other_agreement, village):
    ProjectFactory(village=village, year=2016, status="running", started_on=date(2016, 4, 1))
    client.force_login(org_staff)
    page = client.get(reverse("evaluation:agreement-list")).content.decode()
    assert "1 / 2" in page and "50.0%" in page  # projects started in `village`
    assert "合计（2 份）" in page
    assert "1 / 4" in page and "25.0%" in page  # the 合计 row: 1 of 2 + 2 projects


def test_the_export_holds_targets_actuals_and_percents(client, org_staff, agreement, other_agreement, village):
    ProjectFactory(village=village, year=2016, status="running", started_on=date(2016, 4, 1))
    client.force_login(org_staff)
    response = client.get(reverse("evaluation:agreement-list"), {"format": "xlsx", "town": village.town_id})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:8] == (
        "年度",
        "帮扶部门",
        "乡镇",
        "村（社区）",
        "签订日期",
        "开工项目目标（个）",
        "开工项目完成（个）",
        "开工项目完成率（%）",
    )
    assert rows[1][:3] == (2016, "农业", "三星堆镇")
    assert rows[1][5:8] == (2, 1, 50)
    assert rows[1][11] == 50000  # money target in 元
    assert rows[-1][0] == "合计" and len(rows) == 3


# Recording and editing ------------------------------------------------------------------------------------------


def test_organisation_staff_record_an_agreement_for_any_department(client, org_staff, other_department, village, media):
    client.force_login(org_staff)
    response = client.post(reverse("evaluation:agreement-create"), form_data(village, other_department))
    agreement = Agreement.objects.get()
    assert response.url == reverse("evaluation:agreement-detail", args=[agreement.pk])
    assert (agreement.department, agreement.money_invested, agreement.by) == (
        other_department,
        Decimal("50000.00"),
        org_staff,
    )


def test_department_staff_sign_only_for_their_own_department(
    client, dept_staff, department, other_department, village, paired, media
):
    client.force_login(dept_staff)
    form = client.get(reverse("evaluation:agreement-create")).context["form"]
    assert form.fields["department"].disabled and list(form.fields["village"].queryset) == [village]
    client.post(reverse("evaluation:agreement-create"), form_data(village, other_department))
    assert Agreement.objects.get().department == department


def test_department_staff_cannot_sign_with_a_village_they_are_not_paired_with_that_year(
    client, dept_staff, department, village, other_village, paired
):
    client.force_login(dept_staff)
    response = client.post(reverse("evaluation:agreement-create"), form_data(village, year=2017))
    assert "农业 2017 年没有与三星村结对" in response.context["form"].errors["village"][0]
    response = client.post(reverse("evaluation:agreement-create"), form_data(other_village))
    assert response.context["form"].errors["village"] == ["请从列表中选择村（社区）。"]
    assert not Agreement.objects.exists()


def test_a_second_agreement_for_the_same_department_village_and_year_is_a_form_error(
    client, org_staff, department, village, agreement
):
    client.force_login(org_staff)
    response = client.post(reverse("evaluation:agreement-create"), form_data(village, department))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["该部门与这个村本年度的目标责任书已经登记。"]
    assert Agreement.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"signed_on": (timezone.localdate() + timedelta(days=1)).isoformat()}, "signed_on", "签订日期不能晚于今天。"),
        ({"money_invested": "五万"}, "money_invested", "“五万”不是金额"),
        ({"money_invested": "-1"}, "money_invested", "金额不能为负数。"),
        ({"visits": -1}, "visits", "督查走访次数不能为负数。"),
        ({"members_lifted": ""}, "members_lifted", "请填写帮助脱贫人数"),
        ({"year": 1999}, "year", "年度应在 2000 到 2100 之间。"),
        ({"village": ""}, "village", "请选择村（社区）。"),
    ],
)
def test_wrong_values_get_chinese_messages_naming_the_field(
    client, org_staff, department, village, changes, field, message
):
    client.force_login(org_staff)
    response = client.post(reverse("evaluation:agreement-create"), form_data(village, department, **changes))
    assert message in response.context["form"].errors[field][0]
    assert not Agreement.objects.exists()


def test_money_is_read_as_people_type_it(client, org_staff, department, village):
    client.force_login(org_staff)
    client.post(reverse("evaluation:agreement-create"), form_data(village, department, money_invested="¥12,500.50元"))
    assert Agreement.objects.get().money_invested == Decimal("12500.50")


def test_the_year_of_an_agreement_cannot_change(client, org_staff, agreement, department, village):
    client.force_login(org_staff)
    response = client.post(
        reverse("evaluation:agreement-edit", args=[agreement.pk]), form_data(village, department, year=2017, visits=9)
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert (agreement.year, agreement.visits) == (2016, 9)


def test_department_staff_edit_their_own_agreement_but_keep_the_department(
    client, dept_staff, agreement, department, other_department, village
):
    client.force_login(dept_staff)
    client.post(
        reverse("evaluation:agreement-edit", args=[agreement.pk]), form_data(village, other_department, visits=7)
    )
    agreement.refresh_from_db()
    assert (agreement.department, agreement.visits) == (department, 7)


def test_an_edit_into_an_existing_agreement_is_a_form_error(
    client, org_staff, agreement, neighbour_agreement, village, department
):
    client.force_login(org_staff)
    response = client.post(
        reverse("evaluation:agreement-edit", args=[neighbour_agreement.pk]), form_data(village, department)
    )
    assert response.context["form"].non_field_errors() == ["该部门与这个村本年度的目标责任书已经登记。"]


# The signed document ---------------------------------------------------------------------------------------------


def stored_files(root):
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("责任书.pdf", b"just some text pretending to be a PDF", "内容不是 PDF 文件"),
        ("责任书.jpg", PDF, "内容不是 JPG 文件"),
        ("责任书.png", b"\xff\xd8\xff\xe0 a jpeg", "内容不是 PNG 文件"),
        ("责任书.docx", b"PK\x03\x04", "不是 PDF、JPG 或 PNG 文件"),
        ("责任书", PDF, "不是 PDF、JPG 或 PNG 文件"),
        ("大文件.pdf", PDF + b"0" * (10 * 1024 * 1024), "不能超过 10 MB"),
    ],
)
def test_a_bad_document_is_refused_before_anything_is_saved(
    client, org_staff, department, village, media, upload, name, content, message
):
    client.force_login(org_staff)
    response = client.post(
        reverse("evaluation:agreement-create"), form_data(village, department, document=upload(name, content))
    )
    assert response.status_code == 200
    assert message in response.context["form"].errors["document"][0]
    assert not Agreement.objects.exists() and not stored_files(media)


def test_a_signed_pdf_is_stored_and_served_only_within_the_scope(
    client, org_staff, town_staff, other_town_staff, department, village, media, upload
):
    client.force_login(org_staff)
    client.post(
        reverse("evaluation:agreement-create"),
        form_data(village, department, document=upload("张三 510681195002010011 责任书.pdf")),
    )
    agreement = Agreement.objects.get()
    assert agreement.document.name.startswith("agreements/") and "张三" not in agreement.document.name
    assert [p.read_bytes() for p in stored_files(media)] == [PDF]
    url = reverse("evaluation:agreement-document", args=[agreement.pk])

    client.force_login(town_staff)
    detail = client.get(reverse("evaluation:agreement-detail", args=[agreement.pk])).content.decode()
    assert url in detail and "/media/" not in detail
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    assert "private" in response["Cache-Control"]

    client.force_login(other_town_staff)
    assert client.get(url).status_code == 404


def test_a_photo_of_the_document_is_accepted_and_a_new_upload_replaces_it(
    client, org_staff, department, village, agreement, media, upload
):
    client.force_login(org_staff)
    edit = reverse("evaluation:agreement-edit", args=[agreement.pk])
    client.post(edit, form_data(village, department, document=upload("scan.png", png_bytes(), "image/png")))
    agreement.refresh_from_db()
    assert agreement.document.name.endswith(".png")
    client.post(edit, form_data(village, department, visits=5))  # no file chosen: the document stays
    agreement.refresh_from_db()
    assert agreement.document.name.endswith(".png") and agreement.visits == 5
    response = client.get(reverse("evaluation:agreement-document", args=[agreement.pk]))
    assert response["Content-Type"] == "image/png" and read(response) == 200


def test_a_missing_file_is_a_404_not_an_error(client, org_staff, agreement, media):
    agreement.document.name = "agreements/2016/gone.pdf"
    agreement.save(update_fields=["document"])
    client.force_login(org_staff)
    assert client.get(reverse("evaluation:agreement-document", args=[agreement.pk])).status_code == 404


# Queries ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_and_export_make_a_fixed_number_of_queries(
    client, org_staff, department, clerk, count, django_assert_max_num_queries
):
    for _ in range(count):
        place = VillageFactory()
        VillagePairing.objects.create(department=department, village=place, year=2016, started_on="2016-03-01")
        agreement_for(department, place, by=clerk)
    client.force_login(org_staff)
    with django_assert_max_num_queries(19):
        assert client.get(reverse("evaluation:agreement-list")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("evaluation:agreement-list"), {"format": "xlsx"}).status_code == 200


def test_the_detail_page_makes_a_fixed_number_of_queries(client, org_staff, agreement, django_assert_max_num_queries):
    client.force_login(org_staff)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("evaluation:agreement-detail", args=[agreement.pk])).status_code == 200
