"""The project's settings for the benchmark and the load test: production-like (DEBUG off), except that static
files are not collected (pages are timed without their CSS and scripts, which whitenoise would serve from memory)."""

from guanghan.settings import *  # noqa: F403

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
