import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from guanghan.settings import database_from_url, env_bool, env_int, env_list


def test_database_url_over_tcp():
    db = database_from_url("postgres://gh:s%40cret@db.internal:6543/guanghan?sslmode=require")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "guanghan",
        "gh",
        "s@cret",
        "db.internal",
        "6543",
    )
    assert db["OPTIONS"] == {"sslmode": "require"}


def test_database_url_over_a_socket_in_the_host():
    db = database_from_url("postgresql://postgres@%2Fvar%2Frun%2FPostgreSQL:5432/guanghan")
    assert (db["HOST"], db["PORT"]) == ("/var/run/PostgreSQL", "5432")


def test_database_url_over_a_socket_in_the_query():
    db = database_from_url("postgresql:///guanghan?host=/tmp/sock")
    assert (db["HOST"], db["NAME"]) == ("/tmp/sock", "guanghan")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite:///db.sqlite3", "PostgreSQL only"),
        ("postgres://localhost:5432/", "names no database"),
        ("postgres://localhost:abc/db", "port that is not a number"),
    ],
)
def test_bad_database_urls_fail_loudly(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        database_from_url(url)


def test_env_helpers_read_and_refuse(monkeypatch):
    monkeypatch.setenv("GH_FLAG", "yes")
    monkeypatch.setenv("GH_NUMBER", "12")
    monkeypatch.setenv("GH_LIST", "a.example, b.example,")
    assert env_bool("GH_FLAG") is True
    assert env_int("GH_NUMBER", 0) == 12
    assert env_list("GH_LIST", []) == ["a.example", "b.example"]
    monkeypatch.setenv("GH_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="GH_FLAG"):
        env_bool("GH_FLAG")
    monkeypatch.setenv("GH_NUMBER", "twelve")
    with pytest.raises(ImproperlyConfigured, match="GH_NUMBER"):
        env_int("GH_NUMBER", 0)


def test_the_site_speaks_chinese_in_shanghai_time():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert "django.contrib.auth.middleware.LoginRequiredMiddleware" in settings.MIDDLEWARE


def _production_env(**extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    db = settings.DATABASES["default"]
    env["DATABASE_URL"] = os.environ.get("DATABASE_URL") or (
        f"postgres://{db['USER']}@{db['HOST'].replace('/', '%2F')}:{db['PORT']}/{db['NAME']}"
    )
    env.update(extra)
    return env


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checklist():
    env = _production_env(
        SECRET_KEY="a-long-random-production-key-0f3b8c1d2e4a6b9c7d5e3f1a0b2c4d6e8f",
        ALLOWED_HOSTS="gh.example.gov.cn",
        DJANGO_SETTINGS_MODULE="guanghan.settings",
    )
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", env=_production_env(DJANGO_SETTINGS_MODULE="guanghan.settings"))
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("OTP_REQUIRED_ROLES", "superuser,chief", "OTP_REQUIRED_ROLES names unknown roles ['chief']"),
        ("PASSWORD_MAX_AGE_DAYS", "0", "PASSWORD_MAX_AGE_DAYS=0 must be at least 1"),
        ("PASSWORD_MAX_AGE_DAYS", "ninety", "PASSWORD_MAX_AGE_DAYS='ninety' is not a whole number"),
    ],
)
def test_bad_login_settings_stop_start_up_naming_the_variable(variable, value, message):
    env = _production_env(DJANGO_SETTINGS_MODULE="guanghan.settings", DEBUG="1", **{variable: value})
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert message in result.stderr


def test_login_security_defaults():
    assert settings.PASSWORD_MAX_AGE_DAYS == 90
    assert settings.OTP_REQUIRED_ROLES == ["superuser", "sys_admin", "security_admin", "auditor", "org_staff"]
    assert settings.AUTH_PASSWORD_VALIDATORS == [
        {"NAME": "guanghan.passwords.ComplexityValidator", "OPTIONS": {"min_length": 10}}
    ]
    middleware = settings.MIDDLEWARE
    assert middleware.index("csp.middleware.CSPMiddleware") < middleware.index(
        "django.contrib.sessions.middleware.SessionMiddleware"
    )
    # The second step comes after the login check and before the forced password change.
    assert (
        middleware.index("django.contrib.auth.middleware.LoginRequiredMiddleware")
        < middleware.index("guanghan.two_factor.TwoFactorMiddleware")
        < middleware.index("guanghan.passwords.PasswordAgeMiddleware")
    )
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["frame-ancestors"] == ["'none'"]
