"""The load test of `make loadtest`: 50 users on gunicorn over loopback, browsing lists and logging visits.

Town staff (town01–town18) browse the member, project and visit lists and the dashboard; liaison officers
(officer01–officer95) read their visit list and log visits through the real form (CSRF token and the form's
submission key included). The demo accounts come from seed_demo in the bench database (`make bench`).

    .venv/bin/locust -f bench/locustfile.py --headless -u 50 -r 10 -t 60s --host http://127.0.0.1:PORT
"""

import itertools
import random
import re
import uuid
from datetime import date, timedelta

from locust import HttpUser, between, task

PASSWORD = "guanghan-demo"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VILLAGE = re.compile(r'<select name="village"[^>]*>.*?<option value="(\d+)"', re.S)
_towns = itertools.cycle(f"town{i:02d}" for i in range(1, 19))
_officers = itertools.cycle(f"officer{i:02d}" for i in range(1, 96))


def login(user: HttpUser, username: str) -> None:
    page = user.client.get("/login/", name="/login/")
    token = CSRF.search(page.text).group(1)
    with user.client.post(
        "/login/",
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        name="/login/ POST",
        catch_response=True,
    ) as response:
        if "/login/" in response.url:
            response.failure(f"{username} 登录失败")


class TownStaff(HttpUser):
    weight = 3
    wait_time = between(1, 3)

    def on_start(self):
        login(self, next(_towns))

    @task(4)
    def members(self):
        self.client.get(f"/members/?page={random.randint(1, 5)}", name="/members/")

    @task(2)
    def member_search(self):
        self.client.get(f"/members/?q={random.choice('王李张刘陈杨')}", name="/members/?q=")

    @task(2)
    def projects(self):
        self.client.get("/projects/", name="/projects/")

    @task(2)
    def visits(self):
        self.client.get("/supervision/", name="/supervision/")

    @task(1)
    def dashboard(self):
        self.client.get("/dashboard/", name="/dashboard/")


class LiaisonOfficer(HttpUser):
    weight = 2
    wait_time = between(2, 5)

    def on_start(self):
        login(self, next(_officers))

    @task(3)
    def visits(self):
        self.client.get("/supervision/", name="/supervision/")

    @task(1)
    def log_visit(self):
        with self.client.get("/supervision/visits/new/", name="/supervision/visits/new/", catch_response=True) as form:
            token, village = CSRF.search(form.text), VILLAGE.search(form.text)
            if token is None or village is None:
                form.failure("督查记录表单缺少 CSRF 令牌或村（社区）选项")
                return
        day = date(2016, 7, 21) - timedelta(days=random.randint(0, 60))
        with self.client.post(
            "/supervision/visits/new/",
            {
                "csrfmiddlewaretoken": token.group(1),
                "client_key": str(uuid.uuid4()),
                "village": village.group(1),
                "visited_on": day.isoformat(),
                "kind": "routine",
                "funds_clear": "yes",
                "effect_visible": "yes",
                "people_satisfied": "yes",
                "notes": "负载测试",
            },
            headers={"Referer": form.url},
            name="/supervision/visits/new/ POST",
            catch_response=True,
        ) as response:
            if "/visits/new/" in response.url:
                response.failure("督查记录未保存（表单有错误）")
