"""The shared directory: towns, villages, departments, branches, associations, cadres, lookups and users."""

import hashlib
from datetime import timedelta

import pghistory
import pghistory.models
import pgtrigger
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.postgres.fields import ArrayField
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone

phone_validator = RegexValidator(
    r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$",
    "请输入 11 位手机号（如 13812345678）或带区号的固定电话（如 0838-5221234）。",
)


class Event(pghistory.models.Event):
    """The base of every history table (settings.PGHISTORY_BASE_MODEL). Each table's events are indexed by time and
    id (`track`), so the auditor's trail, newest first, reads them by index rather than sorting."""

    class Meta:
        abstract = True


def track(*trackers, indexed: tuple[str, ...] = (), **kwargs):
    """pghistory.track, with the trail's index on (pgh_created_at, pgh_id) in the history table, and one on each of
    the copied columns named in `indexed`.

    The id breaks ties: every event of one transaction has its time (a 100,000-row import makes 100,000 events at
    one instant), and an index on the time alone left the trail sorting all of them for each page. The columns a
    history table copies from foreign keys are not indexed (settings.PGHISTORY_FOREIGN_KEY_FIELD): nothing looks
    events up by them, and each index is written for every event, so `indexed` names the few that are read. Index
    names are at most 30 characters, so a name carries a short digest of the history table's name.
    """

    def decorate(model):
        event_name = kwargs.get("model_name") or f"{model._meta.object_name}Event"
        digest = hashlib.sha1(f"{model._meta.app_label}_{event_name}".lower().encode()).hexdigest()[:6]
        prefix = f"{event_name.lower()[:17]}_{digest}"
        indexes = [models.Index(fields=["pgh_created_at", "pgh_id"], name=f"{prefix}_at")]
        indexes += [models.Index(fields=[name], name=f"{prefix}_{name[:3]}") for name in indexed]
        meta = kwargs.get("meta") or {}
        meta = {**meta, "indexes": [*meta.get("indexes", []), *indexes]}
        return pghistory.track(*trackers, **{**kwargs, "meta": meta})(model)

    return decorate


def track_history(**kwargs):
    """Keep every insert, update and (should one ever happen) delete, by database triggers: bulk writes included."""
    return track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), **kwargs)


class LookupIds(ArrayField):
    """The ids of some rows of a lookup (致贫原因, 生存技能, 产业) kept in the row itself, sorted: a snapshot's lists.

    One column instead of a link table with a row, two foreign-key checks and three index entries per item: a roster
    import writes a survey per member (docs/benchmarks.md). No foreign key guards the items, so the table that holds
    them checks them by a statement-level trigger (`lookup_ids_trigger`), and lookups are never deleted.
    """

    def __init__(self, lookup: str, *args, **kwargs):
        self.lookup = lookup  # "app_label.Model"
        kwargs.pop("base_field", None)
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(models.BigIntegerField(), *args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        kwargs.pop("base_field", None)
        kwargs.pop("size", None)
        return name, "guanghan.models.LookupIds", [self.lookup, *args], kwargs

    @property
    def lookup_model(self):
        return apps.get_model(self.lookup)

    def get_db_prep_value(self, value, connection, prepared=False):
        """Model instances or ids, in any order and repeated (a list, set or queryset): stored as the sorted distinct
        ids."""
        if value is not None and not isinstance(value, str):
            value = sorted({getattr(item, "pk", item) for item in value})
        return super().get_db_prep_value(value, connection, prepared)


class IsIn(models.Func):
    """`value = ANY(ids)`, a condition: whether a LookupIds column (or expression) holds an id (a value or an
    expression, e.g. an OuterRef to a project's industry)."""

    output_field = models.BooleanField()

    def as_sql(self, compiler, connection, **extra):
        (value, value_params), (ids, ids_params) = (compiler.compile(e) for e in self.get_source_expressions())
        return f"({value} = ANY({ids}))", [*value_params, *ids_params]


class CountIn(models.Func):
    """How many of the ids in a LookupIds column are among `ids` (a list): a member's skills serving an industry."""

    output_field = models.IntegerField()

    def __init__(self, column, ids):
        super().__init__(models.F(column), models.Value(sorted(ids), output_field=ArrayField(models.BigIntegerField())))

    def as_sql(self, compiler, connection, **extra):
        (column, column_params), (ids, ids_params) = (compiler.compile(e) for e in self.get_source_expressions())
        sql = f"(SELECT count(*) FROM unnest({column}) AS item WHERE item = ANY({ids}::bigint[]))::integer"
        return sql, [*column_params, *ids_params]


def written_by_triggers_only(name: str, message: str, *, level=pgtrigger.Row):
    """A summary table's guard: its rows are kept by another table's triggers (a nested trigger, depth 2), and any
    other write is refused with `message`."""
    returns = "RETURN COALESCE(NEW, OLD);" if level is pgtrigger.Row else "RETURN NULL;"
    return pgtrigger.Trigger(
        name=name,
        when=pgtrigger.Before,
        level=level,
        operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
        func=f"IF pg_trigger_depth() < 2 THEN RAISE EXCEPTION '{message}'; END IF; {returns}",
    )


def _statement_check(name: str, operation, checks: list[tuple[str, str, str]]):
    """An AFTER trigger run once per statement over its new rows (`new_rows`): each check is (what each new row
    refers to, the FROM clause giving it, the table that must hold it); a reference found nowhere fails the statement
    as a foreign key would (SQLSTATE 23503: IntegrityError)."""
    blocks = "".join(
        f"""
        SELECT n.id, {item} INTO bad_row, bad_item FROM {source}
         WHERE {item} IS NULL OR NOT EXISTS (SELECT 1 FROM {table} l WHERE l.id = {item}) LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'row % of %: % is not in {table}', bad_row, TG_TABLE_NAME, bad_item
                USING ERRCODE = 'foreign_key_violation';
        END IF;"""
        for item, source, table in checks
    )
    return pgtrigger.Trigger(
        name=name,
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=operation,
        referencing=pgtrigger.Referencing(new="new_rows"),
        declare=[("bad_row", "bigint"), ("bad_item", "bigint")],
        func=blocks + "\n        RETURN NULL;",
    )


def lookup_ids_trigger(name: str, operation, fields: dict[str, str]):
    """A statement-level trigger refusing lookup ids that are not in their lookup table (`fields`: column → table)."""
    checks = [
        ("item", f"new_rows n CROSS JOIN LATERAL unnest(n.{column}) AS item", table) for column, table in fields.items()
    ]
    return _statement_check(name, operation, checks)


code_validator = RegexValidator(r"^\d{9}(\d{3})?$", "区划代码应为 9 位（乡镇）或 12 位（村、社区）数字。")


# A lookup row is retired (is_active), never deleted, and a member leaves the registry by its status: surveys keep
# lookup ids in arrays (LookupIds), as members do, which no foreign key guards.
NEVER_DELETED = pgtrigger.Protect(name="never_deleted", operation=pgtrigger.Delete)


class Lookup(models.Model):
    """A short reference list loaded from fixtures/ (codes are stable; names are what users see)."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=50, unique=True)
    order = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        abstract = True
        ordering = ["order", "code"]

    def __str__(self):
        return self.name


class PovertyCause(Lookup):
    class Meta(Lookup.Meta):
        verbose_name = verbose_name_plural = "致贫原因"
        triggers = [NEVER_DELETED]


class Industry(Lookup):
    class Meta(Lookup.Meta):
        verbose_name = verbose_name_plural = "产业"
        triggers = [NEVER_DELETED]


class Skill(Lookup):
    industry = models.ForeignKey(
        Industry,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="skills",
        verbose_name="适用产业",
        help_text="掌握该技能的人适合哪类产业的项目（用于推荐项目人选）。",
    )

    class Meta(Lookup.Meta):
        verbose_name = verbose_name_plural = "生存技能"
        triggers = [NEVER_DELETED]


@track_history()
class Town(models.Model):
    class Kind(models.TextChoices):
        TOWN = "town", "镇"
        TOWNSHIP = "township", "乡"
        SUBDISTRICT = "subdistrict", "街道"

    name = models.CharField("名称", max_length=50, unique=True)
    code = models.CharField("区划代码", max_length=12, unique=True, validators=[code_validator])
    kind = models.CharField("类型", max_length=12, choices=Kind.choices, default=Kind.TOWN)

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "乡镇（街道）"

    def __str__(self):
        return self.name


class VillageQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def in_town(self, town):
        return self.filter(town=town)

    def with_branch_totals(self):
        """Adds branch_count and party_members (the sum of its branches' member counts)."""
        return self.annotate(
            branch_count=models.Count("branches", filter=Q(branches__is_active=True)),
            party_members=Sum("branches__member_count", filter=Q(branches__is_active=True), default=0),
        )


@track_history()
class Village(models.Model):
    class Kind(models.TextChoices):
        VILLAGE = "village", "行政村"
        COMMUNITY = "community", "社区"

    town = models.ForeignKey(Town, models.PROTECT, related_name="villages", verbose_name="乡镇")
    name = models.CharField("名称", max_length=50)
    code = models.CharField("区划代码", max_length=12, unique=True, validators=[code_validator])
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.VILLAGE)
    is_active = models.BooleanField("在用", default=True, help_text="撤并的村不删除，改为停用。")

    objects = VillageQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "村（社区）"
        constraints = [models.UniqueConstraint(fields=["town", "name"], name="village_name_unique_in_town")]

    def __str__(self):
        return self.name


@track_history()
class Department(models.Model):
    name = models.CharField("全称", max_length=80, unique=True)
    short_name = models.CharField("简称", max_length=20, unique=True)
    is_advisory = models.BooleanField(
        "市场经济顾问组成员", default=False, help_text="商务、经信、农业、畜牧、粮食、水利等部门。"
    )
    is_active = models.BooleanField("在用", default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = verbose_name_plural = "市直机关部门"

    def __str__(self):
        return self.short_name


@track_history()
class PartyBranch(models.Model):
    name = models.CharField("名称", max_length=80)
    village = models.ForeignKey(
        Village, models.PROTECT, null=True, blank=True, related_name="branches", verbose_name="所在村（社区）"
    )
    department = models.ForeignKey(
        Department, models.PROTECT, null=True, blank=True, related_name="branches", verbose_name="所在部门"
    )
    member_count = models.PositiveIntegerField("党员数", default=0)
    is_active = models.BooleanField("在用", default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = verbose_name_plural = "党支部"
        constraints = [
            models.CheckConstraint(
                condition=Q(village__isnull=True) | Q(department__isnull=True),
                name="branch_in_village_or_department",
                violation_error_message="党支部只能属于一个村（社区）或一个部门，不能同时属于两者。",
            ),
            models.UniqueConstraint(fields=["village", "name"], name="branch_name_unique_in_village"),
            models.UniqueConstraint(fields=["department", "name"], name="branch_name_unique_in_department"),
        ]

    def __str__(self):
        return self.name


@track_history()
class Association(models.Model):
    name = models.CharField("名称", max_length=80)
    village = models.ForeignKey(Village, models.PROTECT, related_name="associations", verbose_name="所在村（社区）")
    industry = models.ForeignKey(Industry, models.PROTECT, related_name="associations", verbose_name="产业")
    branch = models.ForeignKey(
        PartyBranch,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="associations",
        verbose_name="依托党支部",
        help_text="“支部+协会”中的支部。",
    )
    member_count = models.PositiveIntegerField("会员数", default=0)
    is_active = models.BooleanField("在用", default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = verbose_name_plural = "协会"
        constraints = [models.UniqueConstraint(fields=["village", "name"], name="association_name_unique_in_village")]

    def __str__(self):
        return self.name


@track_history()
class Cadre(models.Model):
    name = models.CharField("姓名", max_length=30)
    department = models.ForeignKey(
        Department, models.PROTECT, null=True, blank=True, related_name="cadres", verbose_name="所在部门"
    )
    position = models.CharField("职务", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True, validators=[phone_validator])
    is_party_member = models.BooleanField("中共党员", default=True)
    is_active = models.BooleanField("在职", default=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = verbose_name_plural = "机关干部"
        constraints = [
            models.UniqueConstraint(
                fields=["phone"],
                condition=~Q(phone=""),
                name="cadre_phone_unique",
                violation_error_message="该电话已登记给另一名干部。",
            )
        ]

    def __str__(self):
        return self.name


class GuanghanUserManager(UserManager):
    def get_queryset(self):
        return super().get_queryset().select_related("town", "department")


@track_history(exclude=["password", "last_login"])
class User(AbstractUser):
    """A person who logs in. The role is the Django group; the scope is the town, department or liaison villages."""

    display_name = models.CharField("姓名", max_length=30, blank=True)
    town = models.ForeignKey(
        Town,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name="所属乡镇",
        help_text="乡镇工作人员必填：只能看到本乡镇的数据。",
    )
    department = models.ForeignKey(
        Department,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name="所属部门",
        help_text="部门工作人员必填：只能看到本部门帮扶的村和本部门的资金。",
    )
    cadre = models.OneToOneField(
        Cadre,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="user",
        verbose_name="对应干部",
        help_text="督查联络员和部门干部的干部档案。",
    )
    password_changed_at = models.DateTimeField("密码修改时间", default=timezone.now)
    must_change_password = models.BooleanField(
        "下次登录须修改密码",
        default=False,
        help_text="管理员设置或重置的密码：用户登录后须先改成只有自己知道的密码。",
    )

    objects = GuanghanUserManager()

    class Meta(AbstractUser.Meta):
        verbose_name = verbose_name_plural = "用户"

    def get_full_name(self):
        return self.display_name or self.username

    def set_password(self, raw_password):
        """Every new password restarts its age; whoever sets it for someone else sets must_change_password after."""
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()
        self.must_change_password = False

    def password_expired(self, *, max_age_days: int) -> bool:
        return self.password_changed_at < timezone.now() - timedelta(days=max_age_days)

    def __str__(self):
        return self.display_name or self.username


# Who gave or took which role (group), and when: roles are the access rules, so their changes are evidence too.
# Tracked through a proxy of the auto-created link table, so the triggers come with this app's migrations.
@track(
    pghistory.InsertEvent("add"),
    pghistory.DeleteEvent("remove"),
    obj_field=None,
    model_name="UserRoleEvent",
    indexed=("user",),  # the trail finds a user's role changes by it
)
class UserRole(User.groups.through):
    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = "用户角色"


# Logs are evidence: the database refuses to change or delete a row once written.
APPEND_ONLY = pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)


class SensitiveRead(models.Model):
    """A view of an unmasked personal number (ID, phone): who saw whose, when, from where and why."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="sensitive_reads", verbose_name="查看人"
    )
    subject = models.CharField("对象类型", max_length=60)
    object_id = models.CharField("对象编号", max_length=40)
    object_name = models.CharField("对象", max_length=60, blank=True)
    fields = models.CharField("查看内容", max_length=100)
    reason = models.CharField("事由", max_length=200, blank=True)
    address = models.GenericIPAddressField("来源地址", null=True, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = verbose_name_plural = "敏感信息查看记录"
        indexes = [models.Index(fields=["subject", "object_id"], name="sensitiveread_object")]
        triggers = [APPEND_ONLY]

    def __str__(self):
        return f"{self.object_name} {self.fields}"


class ExportRecord(models.Model):
    """An export (.xlsx) of a list: who took which list with which filter, how many rows, when, from where."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="exports", verbose_name="导出人")
    path = models.CharField("页面", max_length=200)
    query = models.CharField("筛选条件", max_length=500, blank=True, help_text="身份证号和手机号已遮盖。")
    filename = models.CharField("文件名", max_length=200, blank=True)
    rows = models.PositiveIntegerField("行数", null=True, blank=True)
    address = models.GenericIPAddressField("来源地址", null=True, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = verbose_name_plural = "数据导出记录"
        triggers = [APPEND_ONLY]

    def __str__(self):
        return f"{self.filename or self.path}（{self.rows or 0} 行）"
