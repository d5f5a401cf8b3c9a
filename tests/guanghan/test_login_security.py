"""Login hardening (issue #9): the lockout, the login messages, password complexity, maximum age and forced change."""

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from guanghan.access import Role
from guanghan.passwords import ComplexityValidator
from tests.factories import UserFactory

LOGIN = "/login/"
OFFICE_NAT = "198.51.100.10"


def attempt(client, username, password="guanghan-demo", address=OFFICE_NAT, **headers):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def lock(client, username, address=OFFICE_NAT, **headers):
    for _ in range(5):
        attempt(client, username, "wrong-password", address, **headers)


# Lockout ------------------------------------------------------------------------------------------------------------


def test_twenty_staff_behind_one_office_nat_are_not_locked_out_by_one_who_mistypes(client, db):
    staff = [UserFactory(username=f"office{n:02d}", role=Role.TOWN_STAFF) for n in range(20)]
    lock(client, "office00")
    assert attempt(client, "office00").status_code == 429
    for user in staff[1:]:
        response = attempt(client, user.username)
        assert response.status_code == 302, user.username
        client.post(reverse("logout"))


def test_colleagues_who_each_mistype_once_lock_nobody(client, db):
    staff = [UserFactory(username=f"office{n:02d}", role=Role.TOWN_STAFF) for n in range(20)]
    for user in staff:
        attempt(client, user.username, "typo")
    for user in staff:
        assert attempt(client, user.username).status_code == 302
        client.post(reverse("logout"))


@pytest.mark.parametrize("forged", ["192.0.2.{n}", "192.0.2.{n}, 203.0.113.{n}", "unknown", "::1"])
def test_without_a_proxy_a_forged_forwarded_for_does_not_escape_the_lock(client, org_staff, settings, forged):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(5):
        attempt(client, "staff", "wrong", HTTP_X_FORWARDED_FOR=forged.format(n=n))
    assert attempt(client, "staff", HTTP_X_FORWARDED_FOR=forged.format(n=99)).status_code == 429
    assert attempt(client, "staff", HTTP_X_FORWARDED_FOR="").status_code == 429


def test_behind_one_proxy_a_forged_left_part_does_not_escape_the_lock(client, org_staff, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.1"
    for n in range(5):
        attempt(client, "staff", "wrong", address=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {OFFICE_NAT}")
    for forged in ["192.0.2.99", "10.9.9.9, 127.0.0.1", "a, b, c"]:
        response = attempt(client, "staff", address=proxy, HTTP_X_FORWARDED_FOR=f"{forged}, {OFFICE_NAT}")
        assert response.status_code == 429, forged
    assert attempt(client, "staff", address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.77").status_code == 302


@pytest.mark.parametrize("variant", ["staff ", " staff", "\tstaff", "ｓｔａｆｆ"])
def test_spelling_the_username_differently_does_not_escape_the_lock(client, org_staff, variant):
    """The form strips and NFKC-normalises the username; the lock must count the same name the form logs in."""
    lock(client, "staff")
    assert attempt(client, variant).status_code == 429


def test_variants_of_the_username_add_up_to_one_lock(client, org_staff):
    for variant in ["staff", "staff ", " staff", "ｓｔａｆｆ", "staff  "]:
        attempt(client, variant, "wrong")
    assert attempt(client, "staff").status_code == 429


# Messages -----------------------------------------------------------------------------------------------------------


def _error(response) -> str:
    return " ".join(response.context["form"].non_field_errors())


def test_unknown_and_known_usernames_get_the_same_message_and_status(client, org_staff):
    unknown = attempt(client, "nobody-here", "wrong")
    known = attempt(client, "staff", "wrong")
    assert unknown.status_code == known.status_code == 200
    assert _error(unknown) == _error(known) == "用户名或密码不正确，请重新输入（密码区分大小写）。"


def test_unknown_usernames_are_locked_like_known_ones(client, org_staff):
    """Otherwise the lockout itself would tell an attacker which usernames exist."""
    lock(client, "nobody-here")
    lock(client, "staff")
    unknown = attempt(client, "nobody-here")
    known = attempt(client, "staff")
    assert unknown.status_code == known.status_code == 429
    assert unknown.content == known.content


# Password complexity ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("ab12", "至少需要 10 个字符"),
        ("abcdefghijkl", "同时包含字母和数字"),
        ("1234567890123", "同时包含字母和数字"),
        ("staff2016abc", "不能包含用户名"),
        ("password123", "常见密码"),
    ],
)
def test_weak_passwords_are_refused_with_a_chinese_reason(db, password, message):
    user = UserFactory.build(username="staff")
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    assert any(message in text for text in refused.value.messages), refused.value.messages


def test_a_long_password_with_letters_and_digits_is_accepted(db):
    validate_password("Sanxingdui2016road", UserFactory.build(username="staff"))


def test_the_validator_explains_its_rule_in_chinese():
    assert "至少 10 个字符" in ComplexityValidator().get_help_text()


# Maximum age and forced change --------------------------------------------------------------------------------------


def test_every_password_change_restarts_its_age(db):
    user = UserFactory(password_changed_at=timezone.now() - timedelta(days=400), must_change_password=True)
    user.set_password("Sanxingdui2016road")
    user.save()
    user.refresh_from_db()
    assert timezone.now() - user.password_changed_at < timedelta(minutes=1)
    assert user.must_change_password is False


def test_a_password_older_than_the_maximum_age_must_be_changed_first(client, leader, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    leader.password_changed_at = timezone.now() - timedelta(days=91)
    leader.save(update_fields=["password_changed_at"])
    client.force_login(leader)
    response = client.get("/members/")
    assert response.status_code == 302
    assert response.url == f"{reverse('password-change')}?next=%2Fmembers%2F"
    page = client.get(response.url)
    assert "您的密码已使用超过 90 天" in page.content.decode()


def test_a_password_within_the_maximum_age_is_left_alone(client, leader, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    leader.password_changed_at = timezone.now() - timedelta(days=89)
    leader.save(update_fields=["password_changed_at"])
    client.force_login(leader)
    assert client.get(reverse("home")).status_code == 200


def test_a_password_set_by_an_administrator_must_be_changed_then_the_user_goes_on(client, leader):
    leader.must_change_password = True
    leader.save(update_fields=["must_change_password"])
    client.force_login(leader)
    response = client.get(reverse("home"))
    assert response.url.startswith(reverse("password-change"))
    assert "由系统管理员设置" in client.get(response.url).content.decode()
    response = client.post(
        reverse("password-change"),
        {
            "old_password": "guanghan-demo",
            "new_password1": "Sanxingdui2016road",
            "new_password2": "Sanxingdui2016road",
            "next": "/members/",
        },
    )
    assert response.status_code == 302
    assert response.url == "/members/"
    leader.refresh_from_db()
    assert leader.must_change_password is False
    assert leader.check_password("Sanxingdui2016road")
    assert client.get(reverse("home")).status_code == 200  # still signed in, nothing forced any more


def test_the_change_page_names_what_to_fix(client, leader):
    client.force_login(leader)
    response = client.post(
        reverse("password-change"),
        {"old_password": "wrong", "new_password1": "short", "new_password2": "shorter"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "原密码不正确" in html
    assert "两次输入的新密码不一致" in html or "至少需要 10 个字符" in html


def test_the_new_password_must_differ_from_the_old(client, leader):
    leader.set_password("Sanxingdui2016road")
    leader.save()
    client.force_login(leader)
    response = client.post(
        reverse("password-change"),
        {
            "old_password": "Sanxingdui2016road",
            "new_password1": "Sanxingdui2016road",
            "new_password2": "Sanxingdui2016road",
        },
    )
    assert "新密码不能与原密码相同" in response.content.decode()


def test_a_user_created_in_the_admin_must_change_the_password_at_first_login(client, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:guanghan_user_add"),
        {
            "username": "newcomer2",
            "display_name": "新同事",
            "password1": "Xinlaide2016abc",
            "password2": "Xinlaide2016abc",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    from guanghan.models import User

    assert User.objects.get(username="newcomer2").must_change_password is True


def test_a_password_reset_by_the_administrator_must_be_changed_by_its_owner(client, superuser, leader):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[leader.pk]),
        {"password1": "Chongzhi2016abc", "password2": "Chongzhi2016abc", "usable_password": "true"},
    )
    assert response.status_code == 302
    leader.refresh_from_db()
    assert leader.must_change_password is True
    assert leader.check_password("Chongzhi2016abc")


def test_the_password_change_page_needs_a_login(client, db):
    response = client.get(reverse("password-change"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
