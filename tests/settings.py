"""Test settings: the real settings, with a fast password hasher and plain HTTP for the test client."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-4c1f0b7e2d9a8c6b5e3f1a0d9c8b7a6e5f4d3c2b1a0")

from guanghan.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]  # noqa: F405
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Live-server threads must not keep connections open past a request, or the test database cannot be dropped.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Two test runs on one server (a developer and a helper) each need their own test database.
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME", "test_guanghan")}  # noqa: F405
# Figures are computed afresh on every request (tests/dashboard/test_stats_cache.py turns the cache on to test it).
STATS_CACHE_SECONDS = 0
