"""Every export writes who took which list with which filter and how many rows; the log itself cannot be changed."""

import pytest
from django.db import InternalError, connection, transaction
from django.urls import reverse

from guanghan.middleware import masked_query
from guanghan.models import ExportRecord, SensitiveRead
from tests.factories import MemberFactory


def test_an_export_is_logged_with_its_filter_and_rows(client, org_staff, village):
    members = MemberFactory.create_batch(3, village=village)
    client.force_login(org_staff)
    response = client.get(
        reverse("members:member-export"), {"village": village.pk, "category": "party"}, REMOTE_ADDR="10.1.2.3"
    )
    assert response.status_code == 200
    record = ExportRecord.objects.get()
    assert record.user == org_staff
    assert record.path == reverse("members:member-export")
    assert f"village={village.pk}" in record.query and "category=party" in record.query
    assert record.rows == len(members)
    assert record.filename.endswith(".xlsx") and "困难党员群众名单" in record.filename
    assert record.address == "10.1.2.3"


def test_a_search_by_id_number_or_phone_is_logged_masked(client, org_staff, village):
    member = MemberFactory(village=village, phone="13812345678")
    client.force_login(org_staff)
    client.get(reverse("members:member-export"), {"q": member.id_number})
    client.get(reverse("members:member-export"), {"q": "13812345678"})
    queries = list(ExportRecord.objects.order_by("at").values_list("query", flat=True))
    assert member.id_number not in queries[0] and member.id_number[:6] in queries[0]
    assert "13812345678" not in queries[1] and "138****5678" in queries[1]


def test_a_workbook_of_several_sheets_counts_its_rows(client, org_staff):
    client.force_login(org_staff)
    response = client.get(reverse("funding:report"), {"year": 2016, "format": "xlsx"})
    assert response.status_code == 200
    assert ExportRecord.objects.get().rows > 0


def test_pages_and_refused_exports_are_not_logged(client, org_staff, no_role_user, village):
    client.force_login(org_staff)
    client.get(reverse("members:member-list"))
    client.force_login(no_role_user)
    assert client.get(reverse("members:member-export")).status_code == 403
    assert not ExportRecord.objects.exists()


@pytest.mark.parametrize("model", [ExportRecord, SensitiveRead])
@pytest.mark.parametrize("statement", ["UPDATE {table} SET address = '10.9.9.9'", "DELETE FROM {table}"])
def test_the_logs_cannot_be_changed_or_deleted(client, org_staff, village, model, statement):
    member = MemberFactory(village=village)
    client.force_login(org_staff)
    client.get(reverse("members:member-export"))
    client.post(reverse("members:member-detail", args=[member.pk]), {"reason": "核对低保材料"})
    assert model.objects.count() == 1
    with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement.format(table=model._meta.db_table))
    assert model.objects.count() == 1


def test_masked_query_reads_like_the_filter():
    assert masked_query("q=%E5%BC%A0%E4%B8%89&town=3") == "q=张三&town=3"
    assert masked_query("q=51068119520308123X") == "q=510681********123X"
