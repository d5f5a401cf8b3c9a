"""Two-factor login (TOTP): required for system administrators and organisation staff, optional for the others."""

from base64 import b32decode

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from guanghan import two_factor

SETUP = "/two-factor/setup/"
VERIFY = "/two-factor/verify/"


def code(device, step=0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.drift = step
    return f"{totp.token():06d}"


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=True)


def password_login(client, username):
    return client.post("/login/", {"username": username, "password": "guanghan-demo"}, REMOTE_ADDR="198.51.100.10")


@pytest.mark.parametrize("role", ["org_staff", "superuser"])
def test_required_roles_are_sent_to_enrolment_before_anything_else(request, client, role):
    user = request.getfixturevalue(role)
    client.force_login(user, two_factor_verified=False)
    for path in ["/", "/members/", "/api/registry/stats/", "/admin/", reverse("password-change")]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith(SETUP), path


@pytest.mark.parametrize("role", ["town_staff", "liaison", "dept_staff", "leader", "no_role_user"])
def test_other_roles_may_go_on_without_two_factor(request, client, role):
    client.force_login(request.getfixturevalue(role), two_factor_verified=False)
    assert client.get("/").status_code == 200
    assert client.get("/").status_code == 200  # the second request reads the session, not the devices


def test_the_required_roles_come_from_settings(client, leader, settings):
    settings.OTP_REQUIRED_ROLES = ["leader"]
    client.force_login(leader, two_factor_verified=False)
    assert client.get("/").url.startswith(SETUP)


def test_enrolment_shows_an_inline_qr_code_and_the_secret_and_no_outside_service(client, org_staff):
    client.force_login(org_staff, two_factor_verified=False)
    html = client.get(SETUP).content.decode()
    device = TOTPDevice.objects.get(user=org_staff)
    assert device.confirmed is False
    assert "<svg" in html
    secret = html.split('data-testid="totp-secret">')[1].split("<")[0]
    assert b32decode(secret) == device.bin_key
    assert "http://" not in html.split('data-testid="totp-qr"')[1].split("</div>")[0].replace("http://www.w3.org", "")
    assert "您的角色须启用两步验证" in html
    # Reloading keeps the same secret, so a half-finished enrolment can be completed.
    assert secret in client.get(SETUP).content.decode()


def test_enrolment_with_a_correct_code_confirms_the_device_and_lets_the_user_in(client, org_staff):
    client.force_login(org_staff, two_factor_verified=False)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=org_staff)
    response = client.post(SETUP, {"token": code(device), "next": "/members/"})
    assert response.status_code == 302
    assert response.url == "/members/"
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    ("token", "message"),
    [("", "请输入身份验证器上显示的 6 位验证码"), ("12ab56", "只含数字"), ("000000", "验证码不正确或已过期")],
)
def test_a_wrong_enrolment_code_is_refused_in_chinese(client, org_staff, token, message):
    client.force_login(org_staff, two_factor_verified=False)
    client.get(SETUP)
    response = client.post(SETUP, {"token": token})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert TOTPDevice.objects.get(user=org_staff).confirmed is False


def test_a_user_with_a_device_is_asked_for_a_code_after_the_password(client, leader):
    device = enrolled(leader)
    response = password_login(client, "leader")
    assert response.status_code == 302
    response = client.get(response.url)
    assert response.url.startswith(VERIFY)
    assert client.get(response.url).status_code == 200
    response = client.post(VERIFY, {"token": code(device), "next": "/"})
    assert response.url == "/"
    assert client.get("/").status_code == 200


def test_a_verification_code_cannot_be_used_twice(client, leader):
    device = enrolled(leader)
    client.force_login(leader, two_factor_verified=False)
    token = code(device)
    assert client.post(VERIFY, {"token": token}).status_code == 302
    client.post(reverse("logout"))
    client.force_login(leader, two_factor_verified=False)
    response = client.post(VERIFY, {"token": token})
    assert "验证码不正确或已过期" in response.content.decode()


def test_repeated_wrong_codes_are_throttled(client, leader):
    device = enrolled(leader)
    client.force_login(leader, two_factor_verified=False)
    for _ in range(3):
        client.post(VERIFY, {"token": "000000"})
    response = client.post(VERIFY, {"token": code(device)})
    assert "验证码错误次数过多" in response.content.decode()


def test_an_unverified_user_with_a_device_cannot_enrol_a_new_one(client, org_staff):
    enrolled(org_staff)
    client.force_login(org_staff, two_factor_verified=False)
    response = client.get(SETUP)
    assert response.url.startswith(VERIFY)
    assert client.post(SETUP, {"token": "123456"}).url.startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=org_staff).count() == 1


def test_a_new_password_login_asks_for_the_code_again(client, leader):
    device = enrolled(leader)
    password_login(client, "leader")
    client.post(VERIFY, {"token": code(device)})
    assert client.get("/").status_code == 200
    client.post(reverse("logout"))
    password_login(client, "leader")
    assert client.get("/").url.startswith(VERIFY)


def test_an_optional_user_may_enrol(client, town_staff):
    client.force_login(town_staff, two_factor_verified=False)
    html = client.get(SETUP).content.decode()
    assert "两步验证可选" in html
    device = TOTPDevice.objects.get(user=town_staff)
    assert client.post(SETUP, {"token": code(device)}).status_code == 302
    assert "您已启用两步验证" in client.get(SETUP).content.decode()


def test_verification_pages_need_a_login(client, db):
    for path in [SETUP, VERIFY]:
        response = client.get(path)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_a_next_address_outside_the_site_is_ignored(client, leader):
    device = enrolled(leader)
    client.force_login(leader, two_factor_verified=False)
    response = client.post(VERIFY, {"token": code(device), "next": "https://evil.example/"})
    assert response.url == reverse("home")


# The admin site -----------------------------------------------------------------------------------------------------


def test_the_admin_site_needs_a_verified_session(client, superuser, settings):
    # Even where the requirement is switched off for administrators, the admin site itself insists.
    settings.OTP_REQUIRED_ROLES = []
    client.force_login(superuser, two_factor_verified=False)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")
    response = client.get(response.url)
    assert response.url.startswith(SETUP)


def test_the_admin_site_opens_after_the_code(client, superuser):
    client.force_login(superuser, two_factor_verified=False)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=superuser)
    client.post(SETUP, {"token": code(device)})
    assert client.get("/admin/").status_code == 200


def test_the_admin_login_form_is_not_a_way_around(client, superuser):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_admin_site_is_the_verified_one():
    from django.contrib import admin

    assert isinstance(admin.site, two_factor.VerifiedAdminSite)
