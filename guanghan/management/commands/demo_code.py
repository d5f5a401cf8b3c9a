"""The current two-factor code of the demo accounts (admin, staff), for a demo server: no authenticator app needed."""

import time
from base64 import b32decode

from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from guanghan.demo import DEMO_TOTP_SECRET, DEMO_TOTP_USERS


class Command(BaseCommand):
    help = "显示演示账号 admin、staff 当前的两步验证码（仅对使用公开演示密钥的演示账号有效）。"

    def handle(self, *args, **options):
        key = b32decode(DEMO_TOTP_SECRET)
        demo = TOTPDevice.objects.filter(user__username__in=DEMO_TOTP_USERS, key=key.hex(), confirmed=True)
        if not demo.exists():
            raise CommandError("没有使用公开演示密钥的账号：本命令只用于演示数据（manage.py seed_demo）。")
        totp = TOTP(key, step=30, digits=6)
        totp.time = time.time()
        left = 30 - int(totp.time) % 30
        self.stdout.write(f"演示账号 {'、'.join(DEMO_TOTP_USERS)} 的两步验证码：{totp.token():06d}（{left} 秒内有效）")
