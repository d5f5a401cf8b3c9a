"""`manage.py demo_code` prints the demo accounts' current two-factor code, which the verify step accepts."""

import io
import re
from base64 import b32decode

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from guanghan.demo import DEMO_TOTP_SECRET


def test_the_printed_code_is_the_demo_devices_code(org_staff):
    device = TOTPDevice.objects.create(user=org_staff, name="演示", key=b32decode(DEMO_TOTP_SECRET).hex())
    org_staff.username = "staff"
    org_staff.save(update_fields=["username"])
    out = io.StringIO()
    call_command("demo_code", stdout=out)
    code = re.search(r"(\d{6})", out.getvalue()).group(1)
    assert device.verify_token(code)


def test_without_demo_accounts_it_says_so(db):
    with pytest.raises(CommandError, match="演示"):
        call_command("demo_code", stdout=io.StringIO())
