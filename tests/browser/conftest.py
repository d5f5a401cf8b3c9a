"""Browser tests: Playwright for Python driving Debian's Chromium against Django's live server."""

import base64
import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
# Playwright's sync API runs an event loop in this thread; the ORM calls in these tests are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM}: apt-get install chromium fonts-noto-cjk"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=10_000)  # a loaded 2-core CI machine can be slower than the 5 s default

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _page(browser, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    return context, page


@pytest.fixture
def page(browser):
    context, page = _page(browser, {"width": 1366, "height": 900})
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    """A 375 px wide phone, as liaison officers use in the villages."""
    context, page = _page(browser, {"width": 375, "height": 812})
    yield page
    context.close()


def log_in(page, base_url, username, password="guanghan-demo"):
    """Log in through the form, and through the second step when the user has (or must enrol) an authenticator."""
    page.goto(f"{base_url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    if "/two-factor/verify/" in page.url:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        _enter_code(page, device.bin_key, "验证", last_t=device.last_t)
    elif "/two-factor/setup/" in page.url:
        secret = page.get_by_test_id("totp-secret").inner_text().strip()
        _enter_code(page, base64.b32decode(secret), "启用两步验证")


def _enter_code(page, key, button, last_t=-1):
    from django_otp.oath import TOTP

    totp = TOTP(key)
    # A second login within the same 30 s may not reuse the code: take the next one (the device accepts one step).
    totp.drift = max(0, last_t + 1 - totp.t())
    page.get_by_label("验证码").fill(f"{totp.token():06d}")
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()
