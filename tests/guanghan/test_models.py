import pghistory
import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.urls import reverse

from guanghan.models import Cadre, PartyBranch, Village
from tests.factories import CadreFactory, PartyBranchFactory, VillageFactory

CadreEvent = apps.get_model("guanghan", "CadreEvent")
VillageEvent = apps.get_model("guanghan", "VillageEvent")
UserEvent = apps.get_model("guanghan", "UserEvent")


def test_village_names_are_unique_within_a_town_only(village, other_village):
    VillageFactory(town=other_village.town, name="三星村")  # same name, another town: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        VillageFactory(town=village.town, name="三星村")


def test_village_codes_are_unique(village):
    with pytest.raises(IntegrityError), transaction.atomic():
        VillageFactory(town=village.town, code=village.code)


def test_a_branch_belongs_to_a_village_or_a_department_not_both(village, department):
    with pytest.raises(IntegrityError), transaction.atomic():
        PartyBranch.objects.create(name="两头挂", village=village, department=department)


def test_member_counts_cannot_be_negative(village):
    with pytest.raises(IntegrityError), transaction.atomic():
        PartyBranch.objects.create(name="负数支部", village=village, member_count=-1)


def test_cadre_phones_are_unique_but_may_be_blank(department):
    CadreFactory(department=department, phone="")
    CadreFactory(department=department, phone="")
    CadreFactory(department=department, phone="13900000001")
    with pytest.raises(IntegrityError), transaction.atomic():
        CadreFactory(department=department, phone="13900000001")


def test_str_never_follows_a_foreign_key(village, django_assert_num_queries):
    fresh = Village.objects.get(pk=village.pk)
    with django_assert_num_queries(0):
        assert str(fresh) == "三星村"


def test_every_change_to_a_cadre_is_kept_with_who_and_when(department, org_staff):
    with pghistory.context(user=org_staff.pk, url="/test/"):
        cadre = CadreFactory(department=department, name="赵刚", position="科员")
        cadre.position = "股长"
        cadre.save()
    events = list(cadre.events.order_by("pgh_id").values("pgh_label", "position", "pgh_context__metadata"))
    assert [(e["pgh_label"], e["position"]) for e in events] == [("insert", "科员"), ("update", "股长")]
    assert events[1]["pgh_context__metadata"]["user"] == org_staff.pk


def test_bulk_updates_are_kept_too(department):
    CadreFactory.create_batch(3, department=department, position="科员")
    Cadre.objects.filter(department=department).update(position="主任科员")
    assert CadreEvent.objects.filter(pgh_label="update", position="主任科员").count() == 3


def test_an_unchanged_save_adds_no_history(village):
    before = VillageEvent.objects.count()
    village.save()
    assert VillageEvent.objects.count() == before


def test_user_history_never_stores_the_password(org_staff):
    org_staff.set_password("another-password-2016")
    org_staff.save()
    assert "password" not in {f.name for f in UserEvent._meta.get_fields()}


def test_a_change_through_the_site_records_user_and_address(client, superuser, village):
    client.force_login(superuser)
    url = reverse("admin:guanghan_village_change", args=[village.pk])
    response = client.post(
        url,
        {"town": village.town_id, "name": "三星村", "code": village.code, "kind": "village", "is_active": ""},
        REMOTE_ADDR="198.51.100.23",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = VillageEvent.objects.filter(pgh_obj=village, pgh_label="update").get()
    assert event.is_active is False
    assert event.pgh_context.metadata["user"] == superuser.pk
    assert event.pgh_context.metadata["ip"] == "198.51.100.23"


def test_branch_totals_annotation_counts_active_branches(village):
    PartyBranchFactory(village=village, member_count=40)
    PartyBranchFactory(village=village, member_count=60, is_active=False)
    row = Village.objects.with_branch_totals().get(pk=village.pk)
    assert (row.branch_count, row.party_members) == (1, 40)
