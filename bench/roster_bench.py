"""How fast the roster import is: preview, import, re-import unchanged, import with every row changed.

The changed files are imported one after the other: first every row's income changes, then every row's income again
and most rows' lists (致贫原因, 生存技能, 致富愿景), so that the lists change as well.

    DEBUG=1 .venv/bin/python bench/roster_bench.py --rows 10000

Everything it writes (members, surveys, history events, the batches) happens inside one transaction that is
rolled back at the end, so the demo database is left as it was.
"""

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanghan.settings")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from guanghan import demo  # noqa: E402
from guanghan.lib import idnumber  # noqa: E402
from guanghan.models import Industry, PartyBranch, PovertyCause, Skill, Village  # noqa: E402
from members import roster  # noqa: E402
from members.models import ImportBatch, Member, Survey  # noqa: E402

REGION = "510699"  # a Sichuan code no demo member uses, so every generated row is new


class Rollback(Exception):
    pass


def build_roster(path: Path, rows: int, *, income_offset: int = 0, lists_seed: int | None = None) -> None:
    rng = random.Random(2016)
    lists = random.Random(lists_seed) if lists_seed is not None else rng  # another seed: other lists
    villages = list(Village.objects.filter(is_active=True).select_related("town").order_by("code"))
    branches = dict(PartyBranch.objects.filter(is_active=True, village__isnull=False).values_list("village_id", "name"))
    causes = list(PovertyCause.objects.values_list("name", flat=True))
    skills = list(Skill.objects.values_list("name", flat=True))
    industries = list(Industry.objects.values_list("name", flat=True))
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("花名册")
    ws.append(["广汉市困难党员（群众）花名册"])
    ws.append(roster.HEADERS)
    for i in range(rows):
        village = villages[i % len(villages)]
        gender = "male" if i % 2 else "female"
        born = date(1940, 1, 1) + timedelta(days=i % 11_000)  # born by 1970, an adult when joining in 1990
        party = i % 4 != 0
        ws.append(
            [
                i + 1,
                f"测试{i:05d}",
                "男" if gender == "male" else "女",
                idnumber.make(REGION, born, i // 11_000 * 2, gender),
                born,
                "汉族",
                f"138{i:08d}",
                village.town.name,
                village.name,
                "困难党员" if party else "困难群众",
                "农村",
                rng.randint(1, 6),
                f"{rng.randint(1500, 6000) + income_offset}.{rng.randint(0, 99):02d}",
                "农村低保",
                "健康",
                "普通劳动力",
                "、".join(lists.sample(causes, lists.randint(1, 3))),
                "、".join(lists.sample(skills, lists.randint(0, 2))),
                "、".join(lists.sample(industries, lists.randint(1, 2))),
                date(1990, 7, 1) if party else None,
                branches.get(village.pk) if party else None,
                date(2016, 7, 21),
                "",
            ]
        )
    wb.save(path)


def timed(label: str, rows: int, func):
    start = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - start
    print(f"{label:<28}{seconds:8.2f} s   {rows / seconds:10,.0f} 行/秒")
    return result


def summary(preview) -> str:
    return (
        f"新增 {len(preview.new)}，更新 {len(preview.changed)}，无变化 {preview.unchanged}，错误 {len(preview.errors)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    rows = parser.parse_args().rows
    if not Village.objects.exists():
        demo.load_directory()
    villages = Village.objects.all()
    with tempfile.TemporaryDirectory() as tmp:
        path, changed_path = Path(tmp) / "roster.xlsx", Path(tmp) / "roster-changed.xlsx"
        lists_path = Path(tmp) / "roster-lists.xlsx"
        timed("生成 .xlsx", rows, lambda: build_roster(path, rows))
        build_roster(changed_path, rows, income_offset=100)
        build_roster(lists_path, rows, income_offset=200, lists_seed=2017)
        print(f"文件大小 {path.stat().st_size / 1024 / 1024:.1f} MB，{rows:,} 行")
        members_before, surveys_before = Member.objects.count(), Survey.objects.count()
        try:
            with transaction.atomic():
                preview = timed("预览（读取+校验）", rows, lambda: roster.roster_preview(path, villages=villages))
                print("  ", summary(preview))
                for issue in preview.errors[:5]:
                    print("  ", issue)

                def apply(preview=preview, name=path.name):
                    batch = ImportBatch.objects.create(file_name=name, sha256="bench")
                    roster.roster_apply(preview=preview, batch=batch)

                timed("导入（写入）", rows, apply)
                again = timed("再次预览（无变化）", rows, lambda: roster.roster_preview(path, villages=villages))
                print("  ", summary(again))
                changed = timed(
                    "预览（每行有变化）", rows, lambda: roster.roster_preview(changed_path, villages=villages)
                )
                print("  ", summary(changed))
                timed("导入（更新收入）", rows, lambda: apply(changed, changed_path.name))
                relisted = timed(
                    "预览（收入和名单变化）", rows, lambda: roster.roster_preview(lists_path, villages=villages)
                )
                print("  ", summary(relisted))
                timed("导入（更新收入和名单）", rows, lambda: apply(relisted, lists_path.name))
                created, surveyed = Member.objects.count() - members_before, Survey.objects.count() - surveys_before
                print(f"新建对象 {created:,} 人，摸底调查 {surveyed:,} 条")
                assert (created, surveyed) == (rows, 3 * rows), "every row should have been written"
                raise Rollback
        except Rollback:
            pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"内存峰值 {peak:.0f} MB")
    assert Member.objects.count() == members_before, "the benchmark left members behind"
    print("已回滚：数据库未留下任何基准测试数据。")


if __name__ == "__main__":
    main()
