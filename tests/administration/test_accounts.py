"""用户管理 and 登录安全 (三权分立): the system administrator manages business accounts, the security administrator
locks and authenticators, neither reads the registry; every action is logged and the database refuses an
administrator who also holds another role."""

import threading

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from administration.models import AdminAction
from guanghan.access import AdminRole, Role
from guanghan.models import User, UserRoleEvent
from tests.factories import CadreFactory, MemberFactory, UserFactory, ensure_role

PASSWORD = "Guanghan2026xyz"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _create(client, **fields):
    data = {"username": "town19", "display_name": "新镇工作人员", "password1": PASSWORD, "password2": PASSWORD}
    return client.post(reverse("administration:user-create"), {**data, **fields})


def test_sys_admin_creates_a_town_staff_account_that_must_change_its_password(sys_admin, town):
    response = _create(_client(sys_admin), roles=[Role.TOWN_STAFF], town=town.pk)

    user = User.objects.get(username="town19")
    assert response.status_code == 302 and response["Location"] == reverse("administration:user-detail", args=[user.pk])
    assert set(user.groups.values_list("name", flat=True)) == {Role.TOWN_STAFF}
    assert user.town == town and user.must_change_password and user.check_password(PASSWORD)
    action = AdminAction.objects.get()
    assert (action.by, action.target, action.kind) == (sys_admin, user, AdminAction.Kind.USER_CREATED)
    assert "乡镇工作人员" in action.detail and town.name in action.detail
    # The role link is in the trigger-kept history, with who gave it.
    event = UserRoleEvent.objects.filter(user=user, pgh_label="add").get()
    assert event.pgh_context.metadata["user"] == sys_admin.pk


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"roles": [Role.TOWN_STAFF]}, "town", "乡镇工作人员必须选择所属乡镇。"),
        ({"roles": [Role.DEPT_STAFF]}, "department", "部门工作人员必须选择所属部门。"),
        ({"roles": [Role.LIAISON]}, "cadre", "督查联络员必须选择对应的干部"),
        ({"password2": "Other2026xyz1"}, "password2", "两次输入的临时密码不一致"),
        ({"password1": "short1", "password2": "short1"}, "password1", "至少"),
        ({"display_name": ""}, "display_name", "请填写姓名"),
    ],
)
def test_account_form_names_the_field_to_fix_and_writes_nothing(sys_admin, fields, field, message):
    response = _create(_client(sys_admin), **fields)

    assert response.status_code == 200
    form = response.context["password_form"] if field.startswith("password") else response.context["form"]
    assert message in " ".join(form.errors[field])
    assert not User.objects.filter(username="town19").exists() and not AdminAction.objects.exists()


def test_sys_admin_cannot_grant_an_administrator_role(sys_admin):
    response = _create(_client(sys_admin), roles=[AdminRole.AUDITOR])

    assert response.status_code == 200
    assert "roles" in response.context["form"].errors
    assert not User.objects.filter(username="town19").exists()
    assert [value for value, _ in response.context["form"].fields["roles"].choices] == [r.value for r in Role]


def test_superuser_may_grant_an_administrator_role_but_only_alone(superuser):
    response = _create(_client(superuser), roles=[AdminRole.AUDITOR, Role.ORG_STAFF])
    assert "不能兼任其他角色（三权分立）" in " ".join(response.context["form"].errors["roles"])

    response = _create(_client(superuser), roles=[AdminRole.AUDITOR])
    assert response.status_code == 302
    assert list(User.objects.get(username="town19").groups.values_list("name", flat=True)) == [AdminRole.AUDITOR]


def test_sys_admin_changes_roles_and_deactivates_and_the_user_is_signed_out(sys_admin, org_staff):
    victim_client = _client(org_staff)
    assert victim_client.get(reverse("members:member-list")).status_code == 200
    client = _client(sys_admin)
    url = reverse("administration:user-edit", args=[org_staff.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, {"display_name": "组织部 王敏", "roles": [Role.LEADER], "is_active": ""})

    assert response.status_code == 302
    org_staff.refresh_from_db()
    assert not org_staff.is_active
    assert list(org_staff.groups.values_list("name", flat=True)) == [Role.LEADER]
    kinds = set(AdminAction.objects.filter(target=org_staff).values_list("kind", flat=True))
    assert kinds == {AdminAction.Kind.DEACTIVATED, AdminAction.Kind.USER_CHANGED}
    changed = AdminAction.objects.get(kind=AdminAction.Kind.USER_CHANGED)
    assert changed.detail == "角色：组织部工作人员 → 领导小组"
    removed = UserRoleEvent.objects.filter(user=org_staff, pgh_label="remove").get()
    assert removed.group.name == Role.ORG_STAFF
    # A deactivated account's open session ends at its next request.
    response = victim_client.get(reverse("members:member-list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("target", ["auditor", "security_admin", "superuser", "sys_admin"])
def test_sys_admin_cannot_change_administrators_superusers_or_itself(request, sys_admin, target):
    account = sys_admin if target == "sys_admin" else request.getfixturevalue(target)
    client = _client(sys_admin)
    for name in ("administration:user-edit", "administration:user-password"):
        assert client.get(reverse(name, args=[account.pk])).status_code == 403
        assert client.post(reverse(name, args=[account.pk]), {"display_name": "x"}).status_code == 403
    assert not AdminAction.objects.exists()


def test_sys_admin_sets_a_temporary_password_the_user_must_change(sys_admin, town_staff):
    response = _client(sys_admin).post(
        reverse("administration:user-password", args=[town_staff.pk]), {"password1": PASSWORD, "password2": PASSWORD}
    )

    assert response.status_code == 302
    town_staff.refresh_from_db()
    assert town_staff.check_password(PASSWORD) and town_staff.must_change_password
    assert AdminAction.objects.get().kind == AdminAction.Kind.PASSWORD_SET


@pytest.mark.parametrize("role", ["sys_admin", "security_admin", "auditor"])
def test_administrators_read_no_registry_data(request, role, village):
    member = MemberFactory(village=village)
    client = _client(request.getfixturevalue(role))
    for url in (
        reverse("members:member-list"),
        reverse("members:member-detail", args=[member.pk]),
        reverse("registry-stats"),
        reverse("dashboard:dashboard"),
        reverse("funding:contribution-list"),
    ):
        assert client.get(url).status_code == 403, url
    home = client.get(reverse("home")).content.decode()
    assert "尚未分配角色" not in home and "信息库" not in home


def test_home_page_names_the_administrator_role_and_its_pages(sys_admin, security_admin, auditor):
    home = _client(sys_admin).get(reverse("home")).content.decode()
    assert "系统管理员" in home and reverse("administration:user-list") in home and "不查看业务数据" in home
    home = _client(security_admin).get(reverse("home")).content.decode()
    assert reverse("administration:security") in home
    home = _client(auditor).get(reverse("home")).content.decode()
    assert reverse("administration:trail") in home and reverse("administration:user-list") not in home


def test_security_admin_resets_an_authenticator_with_a_reason(security_admin, org_staff):
    TOTPDevice.objects.create(user=org_staff, name="手机", confirmed=True)
    client = _client(security_admin)
    url = reverse("administration:user-two-factor-reset", args=[org_staff.pk])

    response = client.post(url, {})
    assert response.status_code == 302 and TOTPDevice.objects.filter(user=org_staff).exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("请填写事由" in m for m in messages)

    assert client.post(url, {"reason": "本人更换手机"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=org_staff).exists()
    action = AdminAction.objects.get()
    assert action.kind == AdminAction.Kind.TWO_FACTOR_RESET and "本人更换手机" in action.detail
    # The next login of organisation staff must enrol again.
    fresh = Client()
    fresh.force_login(org_staff, two_factor_verified=False)
    assert fresh.get(reverse("home"))["Location"].startswith(reverse("two-factor-setup"))


def test_security_admin_requires_a_password_change(security_admin, town_staff):
    url = reverse("administration:user-require-password-change", args=[town_staff.pk])
    assert _client(security_admin).post(url, {"reason": "疑似密码泄露"}).status_code == 302

    town_staff.refresh_from_db()
    assert town_staff.must_change_password
    assert _client(town_staff).get(reverse("home"))["Location"].startswith(reverse("password-change"))


def test_security_admin_cannot_edit_accounts_nor_reset_its_own_authenticator(security_admin, town_staff):
    client = _client(security_admin)
    assert client.get(reverse("administration:user-edit", args=[town_staff.pk])).status_code == 403
    assert client.get(reverse("administration:user-create")).status_code == 403
    url = reverse("administration:user-two-factor-reset", args=[security_admin.pk])
    assert client.post(url, {"reason": "自己"}).status_code == 403
    assert not AdminAction.objects.exists()


def _lock(username: str, address: str = "10.20.1.15") -> AccessAttempt:
    return AccessAttempt.objects.create(
        username=username,
        ip_address=address,
        failures_since_start=settings.AXES_FAILURE_LIMIT,
        user_agent="Mozilla",
        http_accept="*/*",
        path_info="/login/",
        get_data="",
        post_data="",
    )


def test_security_admin_sees_and_lifts_a_lock_and_the_user_can_log_in_again(security_admin, town_staff):
    town_staff.set_password(PASSWORD)
    town_staff.save()
    attempt = _lock(town_staff.username)
    login = Client(REMOTE_ADDR="10.20.1.15")
    assert login.post(reverse("login"), {"username": town_staff.username, "password": PASSWORD}).status_code == 429

    client = _client(security_admin)
    page = client.get(reverse("administration:security"))
    assert page.status_code == 200 and town_staff.username in page.content.decode()
    assert client.get(reverse("home")).context["worklists"][0] | {} == {
        "title": "被锁定的登录",
        "url": reverse("administration:security"),
        "count": 1,
    }

    response = client.post(reverse("administration:unlock", args=[attempt.pk]), {"reason": "本人来电确认"})

    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    action = AdminAction.objects.get()
    assert (action.kind, action.target, action.target_name) == (AdminAction.Kind.UNLOCKED, town_staff, "town01")
    assert "10.20.1.15" in action.detail and "本人来电确认" in action.detail
    response = login.post(reverse("login"), {"username": town_staff.username, "password": PASSWORD})
    assert response.status_code == 302


def test_user_list_filters_by_role_and_status(sys_admin, org_staff, town_staff, leader):
    TOTPDevice.objects.create(user=org_staff, name="手机", confirmed=True)
    other_staff = UserFactory(username="staff2", role=Role.ORG_STAFF)
    client = _client(sys_admin)
    url = reverse("administration:user-list")

    def listed(**query):
        return [u.username for u in client.get(url, query).context["page"]]

    assert listed() == sorted(User.objects.values_list("username", flat=True))
    assert listed(role=Role.ORG_STAFF) == ["staff", "staff2"]
    assert listed(status="no_authenticator") == ["staff2", "sysadmin"]
    assert listed(q="town") == ["town01"]
    assert "staff2" in listed(role="") and other_staff.pk


def test_user_list_query_count_is_fixed(sys_admin, town, django_assert_max_num_queries):
    client = _client(sys_admin)
    url = reverse("administration:user-list")
    client.get(url)
    for n in (3, 40):
        for _ in range(n):
            UserFactory(role=Role.TOWN_STAFF, town=town, cadre=CadreFactory())
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200


def test_admin_site_refuses_an_administrator_with_another_role(superuser):
    from guanghan.admin import UserChangeScopeForm

    form = UserChangeScopeForm(
        data={"username": "x1", "groups": [ensure_role(AdminRole.SYS_ADMIN).pk, ensure_role(Role.LEADER).pk]},
        instance=UserFactory(),
    )
    assert not form.is_valid()
    assert "三权分立" in " ".join(form.errors["groups"])


def test_database_refuses_an_administrator_with_another_role(auditor):
    with pytest.raises(IntegrityError, match="三权分立"), transaction.atomic():
        auditor.groups.add(ensure_role(Role.ORG_STAFF))
    with pytest.raises(IntegrityError, match="三权分立"), transaction.atomic():
        UserFactory(role=Role.LEADER).groups.add(ensure_role(AdminRole.SYS_ADMIN))
    assert list(auditor.groups.values_list("name", flat=True)) == [AdminRole.AUDITOR]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_grants_cannot_make_an_administrator_with_another_role():
    user = UserFactory()
    groups = [ensure_role(AdminRole.AUDITOR), ensure_role(Role.ORG_STAFF)]
    barrier, outcomes = threading.Barrier(2), []

    def grant(group: Group):
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                user.groups.add(group)
            outcomes.append("ok")
        except IntegrityError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=grant, args=(g,)) for g in groups]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == ["ok", "refused"]
    assert user.groups.count() == 1


# 对应干部: one department's cadres at a time ---------------------------------------------------------------------


def test_the_account_form_offers_one_departments_cadres_and_creates_a_liaison_account(
    sys_admin, department, other_department
):
    ours, theirs = CadreFactory(department=department, name="李强"), CadreFactory(department=other_department)
    CadreFactory(department=department, is_active=False)  # retired: never offered
    client = _client(sys_admin)

    form = client.get(reverse("administration:user-create")).context["form"]
    assert list(form.fields["cadre"].queryset) == []  # nothing before a department is chosen
    assert form.fields["cadre"].empty_label == "请先选择干部所在部门"

    response = _create(client, roles=[Role.LIAISON], cadre_department=theirs.department_id, cadre=ours.pk)
    assert response.status_code == 200
    assert "所选干部不在所选部门的在职干部中" in " ".join(response.context["form"].errors["cadre"])
    assert list(response.context["form"].fields["cadre"].queryset) == [theirs]

    response = _create(client, roles=[Role.LIAISON], cadre_department=department.pk, cadre=ours.pk)
    assert response.status_code == 302
    assert User.objects.get(username="town19").cadre == ours


def test_the_edit_form_opens_on_the_department_of_the_accounts_cadre(sys_admin, department, other_department):
    cadre = CadreFactory(department=department)
    CadreFactory(department=other_department)
    homeless = CadreFactory(department=None)
    officer = UserFactory(role=Role.LIAISON, cadre=cadre, department=other_department)
    form = _client(sys_admin).get(reverse("administration:user-edit", args=[officer.pk])).context["form"]
    assert form.initial["cadre_department"] == str(department.pk)
    assert list(form.fields["cadre"].queryset) == [cadre]

    officer.cadre = homeless
    officer.save()
    form = _client(sys_admin).get(reverse("administration:user-edit", args=[officer.pk])).context["form"]
    assert form.initial["cadre_department"] == "none"
    assert list(form.fields["cadre"].queryset) == [homeless]


def test_cadre_options_lists_a_departments_active_cadres_without_phones(
    client, sys_admin, department, other_department, django_assert_max_num_queries
):
    CadreFactory.create_batch(12, department=department)
    CadreFactory(department=department, name="退休干部", is_active=False)
    CadreFactory(department=other_department)
    CadreFactory(department=None, name="无部门干部")
    client.force_login(sys_admin)
    url = reverse("administration:cadre-options")

    with django_assert_max_num_queries(8):  # session, user, roles, the department, the cadres: not per cadre
        data = client.get(url, {"cadre_department": department.pk}).json()
    assert data["empty_label"] == "（不对应干部）"
    assert len(data["cadres"]) == 12 and all(c["label"].endswith("（农业）") for c in data["cadres"])
    assert "139" not in str(data)  # names and departments, never a phone
    homeless = client.get(url, {"cadre_department": "none"}).json()["cadres"]
    assert [c["label"] for c in homeless] == ["无部门干部（无部门）"]
    assert client.get(url).json() == {"cadre_department": None, "empty_label": "请先选择干部所在部门", "cadres": []}
    assert client.get(url, {"cadre_department": "1e3"}).status_code == 400
    assert client.get(url, {"cadre_department": 999999}).status_code == 404
