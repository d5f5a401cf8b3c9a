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


def _user_form_data(user, **changes):
    data = {
        "username": user.username,
        "display_name": user.display_name,
        "email": "",
        "groups": [g.pk for g in user.groups.all()],
        "town": user.town_id or "",
        "department": user.department_id or "",
        "cadre": "",
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2016-07-21",
        "date_joined_1": "08:00:00",
    }
    data.update(changes)
    return data


def test_town_staff_without_a_town_is_refused_with_a_message(client, superuser, town_staff):
    client.force_login(superuser)
    url = reverse("admin:guanghan_user_change", args=[town_staff.pk])
    response = client.post(url, _user_form_data(town_staff, town=""))
    assert response.status_code == 200
    assert "乡镇工作人员必须选择所属乡镇。" in response.content.decode()
    town_staff.refresh_from_db()
    assert town_staff.town_id is not None


def test_dept_staff_without_a_department_is_refused_with_a_message(client, superuser, dept_staff):
    client.force_login(superuser)
    url = reverse("admin:guanghan_user_change", args=[dept_staff.pk])
    response = client.post(url, _user_form_data(dept_staff, department=""))
    assert "部门工作人员必须选择所属部门。" in response.content.decode()


def test_a_new_town_staff_user_is_created_with_its_town(client, superuser, town):
    from django.contrib.auth.models import Group

    from guanghan.models import User

    client.force_login(superuser)
    group = Group.objects.get_or_create(name="town_staff")[0]
    data = {
        "username": "town09",
        "display_name": "新乡镇用户",
        "password1": "Sanxingdui-2016!",
        "password2": "Sanxingdui-2016!",
        "usable_password": "true",
        "groups": [group.pk],
        "town": town.pk,
        "department": "",
    }
    response = client.post(reverse("admin:guanghan_user_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert User.objects.get(username="town09").town == town


def test_login_lockout_screens_are_labelled_in_chinese(client, superuser):
    client.force_login(superuser)
    html = client.get(reverse("admin:index")).content.decode()
    assert "登录失败计数" in html
    assert "登录日志" in html
