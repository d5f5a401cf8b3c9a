import pytest
from django.contrib import admin
from django.urls import reverse

from guanghan.models import Village
from tests.factories import AssociationFactory, CadreFactory, PartyBranchFactory

GUANGHAN_MODELS = [m for m in admin.site._registry if m._meta.app_label == "guanghan"]


def test_every_directory_model_has_an_admin_screen():
    names = {m.__name__ for m in GUANGHAN_MODELS}
    assert {
        "Town",
        "Village",
        "Department",
        "PartyBranch",
        "Association",
        "Cadre",
        "PovertyCause",
        "Skill",
        "Industry",
        "User",
    } <= names


@pytest.mark.parametrize("model", GUANGHAN_MODELS, ids=lambda m: m.__name__)
def test_admin_lists_search_and_filter(client, superuser, village, department, model):
    PartyBranchFactory(village=village)
    AssociationFactory(village=village)
    CadreFactory(department=department)
    client.force_login(superuser)
    url = reverse(f"admin:guanghan_{model._meta.model_name}_changelist")
    assert client.get(url).status_code == 200
    assert client.get(url, {"q": "三星"}).status_code == 200
    model_admin = admin.site._registry[model]
    assert model_admin.search_fields
    assert model_admin.list_filter


@pytest.mark.parametrize("model", GUANGHAN_MODELS, ids=lambda m: m.__name__)
def test_nothing_can_be_deleted_in_the_admin(rf, superuser, model):
    request = rf.get("/")
    request.user = superuser
    assert not admin.site._registry[model].has_delete_permission(request)


def test_admin_speaks_chinese(client, superuser):
    client.force_login(superuser)
    html = client.get(reverse("admin:index")).content.decode()
    assert "广汉市党内项目帮扶系统" in html
    assert "村（社区）" in html


@pytest.mark.parametrize("role", ["org_staff", "town_staff", "liaison", "dept_staff", "leader"])
def test_only_the_system_administrator_enters_the_admin(request, client, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_changelists_follow_foreign_keys_in_one_query(client, superuser, village, django_assert_max_num_queries):
    for n in range(30):
        PartyBranchFactory(village=village, name=f"支部{n}")
    client.force_login(superuser)
    with django_assert_max_num_queries(12):
        client.get(reverse("admin:guanghan_partybranch_changelist"))
    assert Village.objects.count() == 1
