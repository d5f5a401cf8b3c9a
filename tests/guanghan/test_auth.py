import pytest
from django.conf import settings
from django.contrib.auth.hashers import identify_hasher, make_password
from django.test import override_settings
from django.urls import reverse

LOGIN = "/login/"


def login(client, username, password="guanghan-demo", address="198.51.100.10"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_login_page_is_in_chinese(client, db):
    html = client.get(LOGIN).content.decode()
    assert "用户名" in html
    assert "密码" in html
    assert 'lang="zh-Hans"' in html


def test_correct_password_logs_in_and_goes_home(client, leader):
    # A leader needs no second step (organisation staff do: tests/guanghan/test_two_factor.py).
    response = login(client, "leader")
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get(reverse("home")).context["user"] == leader


def test_login_returns_to_the_page_asked_for(client, org_staff):
    response = client.post(
        f"{LOGIN}?next=/directory/villages/",
        {"username": "staff", "password": "guanghan-demo", "next": "/directory/villages/"},
    )
    assert response.url == "/directory/villages/"


def test_wrong_password_gets_a_chinese_message(client, org_staff):
    response = login(client, "staff", password="wrong")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_unknown_user_gets_the_same_message_as_a_wrong_password(client, org_staff):
    unknown = login(client, "nobody", password="wrong").context["form"].non_field_errors()
    wrong = login(client, "staff", password="wrong").context["form"].non_field_errors()
    assert unknown == wrong


def test_empty_fields_are_named(client, db):
    response = client.post(LOGIN, {"username": "", "password": ""})
    html = response.content.decode()
    assert "请输入用户名。" in html
    assert "请输入密码。" in html


def test_five_failures_lock_that_username_from_that_address(client, org_staff):
    for _ in range(5):
        login(client, "staff", password="wrong")
    response = login(client, "staff")
    assert response.status_code == 429
    assert "登录已被暂时锁定" in response.content.decode()


def test_a_lock_does_not_reach_colleagues_behind_the_same_address(client, org_staff, leader):
    for _ in range(5):
        login(client, "staff", password="wrong")
    assert login(client, "leader").status_code == 302


def test_a_lock_does_not_reach_the_same_user_from_another_address(client, org_staff):
    for _ in range(5):
        login(client, "staff", password="wrong")
    assert login(client, "staff", address="203.0.113.9").status_code == 302


def test_a_spoofed_forwarded_for_header_does_not_escape_the_lock(client, org_staff):
    for n in range(5):
        client.post(
            LOGIN,
            {"username": "staff", "password": "wrong"},
            REMOTE_ADDR="198.51.100.10",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    response = client.post(
        LOGIN,
        {"username": "staff", "password": "guanghan-demo"},
        REMOTE_ADDR="198.51.100.10",
        HTTP_X_FORWARDED_FOR="192.0.2.99",
    )
    assert response.status_code == 429


def test_logout_needs_post_and_ends_the_session(client, org_staff):
    client.force_login(org_staff)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.url == reverse("login")
    assert client.get(reverse("home")).status_code == 302


def test_sessions_end_after_thirty_idle_minutes():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_every_request_renews_the_session(client, org_staff):
    client.force_login(org_staff)
    first = client.session.get_expiry_date()
    client.get(reverse("home"))
    assert client.session.get_expiry_date() >= first


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_passwords_are_hashed_with_argon2():
    assert identify_hasher(make_password("guanghan-demo")).algorithm == "argon2"


def test_production_settings_hash_with_argon2_first():
    from guanghan import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.parametrize("path", ["/login/", "/static/css/guanghan.css"])
def test_public_paths_need_no_login(client, db, path):
    assert client.get(path).status_code == 200


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_the_lock_follows_the_address_the_proxy_saw(client, org_staff):
    def attempt(password, forwarded):
        return client.post(
            LOGIN,
            {"username": "staff", "password": password},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    for n in range(5):
        attempt("wrong", f"192.0.2.{n}, 198.51.100.10")  # the client forges the left part; the proxy adds the right
    assert attempt("guanghan-demo", "192.0.2.99, 198.51.100.10").status_code == 429
    assert attempt("guanghan-demo", "198.51.100.11").status_code == 302  # a colleague at another desk


def test_client_address_reads_only_what_trusted_proxies_wrote(rf, settings):
    from guanghan.lib.client_address import client_address

    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.10")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request) == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(request) == "198.51.100.10"
    settings.TRUSTED_PROXY_COUNT = 3
    assert client_address(request) == "10.0.0.1"


def test_login_page_states_the_lockout_rule_from_settings(client, db):
    assert "连续 5 次输错密码，该账号在本机将被锁定 30 分钟" in client.get(LOGIN).content.decode()
