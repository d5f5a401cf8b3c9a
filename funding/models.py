"""The fund pool of three channels (三渠道) and its ledger, and the bank loans of 党员农贷快车.

Channel 1 (special, 党内帮扶专项资金) is one account; channel 2 (department, 部门帮扶资金) is an account per department.
Money comes in as a `Contribution` and goes out as a `Disbursement`; each is posted to its account as a `Posting` that
keeps the running balance. The account's balance column has a CHECK (balance >= 0), and every posting locks the
account row first, so two concurrent disbursements queue and the second sees what the first left.

Posted lines are never changed or deleted (database triggers refuse it); a mistake is corrected by a reversing line
(`reverses`), which may exist once per line. Channel 3 (credit) is the banks' money: `Loan`, its schedule and its
repayments, outside the pool's accounts.
"""

from datetime import date
from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Max, Min, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from guanghan import access
from guanghan.lib.money import DECIMAL_PLACES, MAX_DIGITS
from guanghan.models import Cadre, Department, Town, Village, track_history, written_by_triggers_only
from members.models import Member
from projects.models import Project

ZERO = Decimal("0.00")


def money(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, **kwargs)


def append_only(name: str):
    """A posted line is never updated or deleted: the database refuses it, whatever the application does."""
    return pgtrigger.Protect(name=name, operation=pgtrigger.Update | pgtrigger.Delete)


class Channel(models.TextChoices):
    SPECIAL = "special", "党内帮扶专项资金"
    DEPARTMENT = "department", "部门帮扶资金"
    CREDIT = "credit", "党员农贷快车"


class Source(models.TextChoices):
    """Where money in comes from. The first four make up the special fund (seed 二.3)."""

    CITY_FINANCE = "city_finance", "市财政拨付"
    PARTY_DUES = "party_dues", "市管党费补助"
    TOWN_MATCH = "town_match", "乡镇匹配"
    DONATION = "donation", "党员干部自捐"
    DEPARTMENT = "department", "部门自有资金"
    OTHER = "other", "其他（社会捐助等）"


SOURCES_OF = {
    Channel.SPECIAL: [Source.CITY_FINANCE, Source.PARTY_DUES, Source.TOWN_MATCH, Source.DONATION, Source.OTHER],
    Channel.DEPARTMENT: [Source.DEPARTMENT, Source.OTHER],
}


class AccountQuerySet(models.QuerySet):
    def visible_to(self, user):
        """City-wide roles see every account; department staff its own department's."""
        return access.scope(user, self, village=None, department="department")

    def writable_by(self, user):
        """The accounts the user may post to: org_staff all, department staff its own; read-only roles none."""
        if access.is_read_only(user) or not access.has_role(user, access.Role.ORG_STAFF, access.Role.DEPT_STAFF):
            return self.none()
        if access.has_role(user, access.Role.ORG_STAFF):
            return self
        return self.filter(department_id=user.department_id) if user.department_id else self.none()


@track_history()
class Account(models.Model):
    """A pool of money with a balance that cannot go below zero: the special fund, or one department's money."""

    channel = models.CharField("资金渠道", max_length=12, choices=Channel.choices[:2])
    department = models.OneToOneField(
        Department, models.PROTECT, null=True, blank=True, related_name="fund_account", verbose_name="部门"
    )
    name = models.CharField("账户名称", max_length=60)
    balance = money("余额（元）", default=ZERO, editable=False)
    line_count = models.PositiveIntegerField("已记账笔数", default=0, editable=False)
    opened_on = models.DateField("设立日期", default=timezone.localdate)

    objects = AccountQuerySet.as_manager()

    class Meta:
        ordering = ["channel", "department_id"]
        verbose_name = verbose_name_plural = "资金账户"
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="account_balance_not_negative"),
            models.CheckConstraint(
                condition=Q(channel="special", department__isnull=True)
                | Q(channel="department", department__isnull=False),
                name="account_channel_matches_department",
            ),
            models.UniqueConstraint(
                fields=["channel"], condition=Q(channel="special"), name="account_one_special_fund"
            ),
        ]

    def __str__(self):
        return self.name


class LineQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Department staff: the lines of its own account, and money paid into its villages. Town staff and liaison
        officers: money paid into their villages. City-wide roles: everything."""
        village = "village" if self.model is Disbursement else None
        return access.scope(user, self, village=village, department="account__department")

    def posted_in(self, year: int):
        return self.filter(**{f"{self.model.DATE_FIELD}__year": year})

    def not_reversed(self):
        """Original lines with no reversal, and no reversals: what still stands."""
        return self.filter(standing(self.model))


def standing(model) -> Q:
    """A line that still stands: not a reversal, and not reversed.

    "Not reversed" is NOT IN the few reversed lines' ids, read by the unique `reverses` index once and hashed. The
    outer join that `reversal__isnull` makes read every line of the table for each year's report, and a correlated
    NOT EXISTS probed the index once per line inside an aggregate's FILTER.
    """
    reversed_ids = model.objects.filter(reverses__isnull=False).values("reverses")
    return Q(reverses__isnull=True) & ~Q(pk__in=reversed_ids)


class Line(models.Model):
    """What a contribution and a disbursement share: an amount posted to an account, once, by someone."""

    account = models.ForeignKey(Account, models.PROTECT, related_name="+", verbose_name="资金账户")
    amount = money("金额（元）")
    voucher_no = models.CharField("凭证号", max_length=40)
    note = models.CharField("摘要", max_length=200, blank=True)
    reverses = models.OneToOneField(
        "self", models.PROTECT, null=True, blank=True, related_name="reversal", verbose_name="冲销的记录"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="记账人")
    created_at = models.DateTimeField("记账时间", auto_now_add=True)
    client_key = models.UUIDField("提交标识", unique=True, null=True, blank=True, editable=False)

    objects = LineQuerySet.as_manager()

    # Set by the services when a submission key had already been used: the line was saved before, not now.
    is_repeat = False

    class Meta:
        abstract = True

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None


def _line_constraints(prefix: str, date_field: str):
    return [
        models.CheckConstraint(
            condition=Q(reverses__isnull=True, amount__gt=0) | Q(reverses__isnull=False, amount__lt=0),
            name=f"{prefix}_positive_or_reversal",
            violation_error_message="金额必须大于 0（冲销记录为负数）。",
        ),
        models.CheckConstraint(
            condition=Q(**{f"{date_field}__gte": date(2000, 1, 1)}), name=f"{prefix}_date_plausible"
        ),
    ]


@track_history()
class Contribution(Line):
    """Money in (资金来源): who gave how much to which account, when, on which voucher."""

    DATE_FIELD = "received_on"

    source = models.CharField("来源", max_length=16, choices=Source.choices)
    department = models.ForeignKey(
        Department, models.PROTECT, null=True, blank=True, related_name="contributions", verbose_name="出资部门"
    )
    town = models.ForeignKey(
        Town, models.PROTECT, null=True, blank=True, related_name="contributions", verbose_name="出资乡镇"
    )
    cadre = models.ForeignKey(
        Cadre, models.PROTECT, null=True, blank=True, related_name="contributions", verbose_name="捐款干部"
    )
    contributor = models.CharField("出资人（单位或个人）", max_length=80, blank=True)
    received_on = models.DateField("到账日期")

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = verbose_name_plural = "资金来源（收入）"
        indexes = [models.Index(fields=["account", "received_on"], name="contribution_account_date")]
        constraints = _line_constraints("contribution", "received_on")
        triggers = [append_only("contribution_append_only")]

    def __str__(self):
        return f"收入 {self.voucher_no}"


class Purpose(models.TextChoices):
    START_UP = "start_up", "项目启动资金"
    MATERIALS = "materials", "种苗、农资等生产资料"
    EQUIPMENT = "equipment", "设施设备"
    TRAINING = "training", "技术培训"
    INTEREST = "interest", "贷款贴息"
    SUBSIDY = "subsidy", "创业补助"
    INFRASTRUCTURE = "infrastructure", "基础设施"
    OTHER = "other", "其他"


@track_history()
class Disbursement(Line):
    """Money out (资金去向): from an account to a project and/or a member, in a village, with purpose and approver."""

    DATE_FIELD = "paid_on"

    village = models.ForeignKey(Village, models.PROTECT, related_name="disbursements", verbose_name="村（社区）")
    project = models.ForeignKey(
        Project, models.PROTECT, null=True, blank=True, related_name="disbursements", verbose_name="项目"
    )
    member = models.ForeignKey(
        Member, models.PROTECT, null=True, blank=True, related_name="disbursements", verbose_name="帮扶对象"
    )
    purpose = models.CharField("用途", max_length=16, choices=Purpose.choices)
    approved_by = models.CharField("审批人", max_length=40)
    paid_on = models.DateField("支付日期")

    class Meta:
        ordering = ["-paid_on", "-pk"]
        verbose_name = verbose_name_plural = "资金去向（支出）"
        indexes = [
            models.Index(fields=["account", "paid_on"], name="disbursement_account_date"),
            models.Index(fields=["village", "paid_on"], name="disbursement_village_date"),
        ]
        constraints = [
            *_line_constraints("disbursement", "paid_on"),
            models.CheckConstraint(
                condition=Q(project__isnull=False) | Q(member__isnull=False),
                name="disbursement_to_project_or_member",
                violation_error_message="请选择资金投向的项目或帮扶对象。",
            ),
        ]
        triggers = [append_only("disbursement_append_only")]

    def __str__(self):
        return f"支出 {self.voucher_no}"


# Every statement that posts lines adds them to their accounts' months, in one INSERT … ON CONFLICT per statement
# (COPY and bulk inserts included), in account and month order so that two posting transactions lock the month rows
# in the same order. Postings are append-only, so insertions are the only change to follow.
POSTING_MONTH_SELECT = """SELECT account_id,
       date_trunc('month', posted_on)::date,
       COALESCE(SUM(amount) FILTER (WHERE contribution_id IS NOT NULL), 0),
       COALESCE(-SUM(amount) FILTER (WHERE disbursement_id IS NOT NULL), 0),
       COUNT(*)
  FROM {source}
 GROUP BY 1, 2
 ORDER BY 1, 2
"""
POSTING_MONTH_INTO = "\nINSERT INTO funding_postingmonth (account_id, month, money_in, money_out, lines)\n"
POSTING_MONTH_ADD = POSTING_MONTH_INTO + POSTING_MONTH_SELECT
POSTING_MONTH_UPSERT = """
ON CONFLICT (account_id, month) DO UPDATE
   SET money_in = funding_postingmonth.money_in + EXCLUDED.money_in,
       money_out = funding_postingmonth.money_out + EXCLUDED.money_out,
       lines = funding_postingmonth.lines + EXCLUDED.lines
"""


@track_history()
class Posting(models.Model):
    """One line of an account's journal, in order, with the balance after it (the running balance)."""

    account = models.ForeignKey(Account, models.PROTECT, related_name="postings", verbose_name="资金账户")
    seq = models.PositiveIntegerField("序号")
    amount = money("发生额（元）", help_text="收入为正，支出为负。")
    balance_after = money("余额（元）")
    contribution = models.OneToOneField(
        Contribution, models.PROTECT, null=True, blank=True, related_name="posting", verbose_name="收入"
    )
    disbursement = models.OneToOneField(
        Disbursement, models.PROTECT, null=True, blank=True, related_name="posting", verbose_name="支出"
    )
    posted_on = models.DateField("业务日期")
    posted_at = models.DateTimeField("记账时间", auto_now_add=True)

    class Meta:
        ordering = ["account_id", "-seq"]
        verbose_name = verbose_name_plural = "记账明细"
        constraints = [
            models.UniqueConstraint(fields=["account", "seq"], name="posting_seq_unique_per_account"),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="posting_balance_not_negative"),
            models.CheckConstraint(
                condition=Q(contribution__isnull=False, disbursement__isnull=True)
                | Q(contribution__isnull=True, disbursement__isnull=False),
                name="posting_one_document",
            ),
        ]
        triggers = [
            append_only("posting_append_only"),
            pgtrigger.Trigger(
                name="posting_month_add",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                referencing=pgtrigger.Referencing(new="new_postings"),
                func=POSTING_MONTH_ADD.format(source="new_postings") + POSTING_MONTH_UPSERT + "; RETURN NULL;",
            ),
        ]

    def __str__(self):
        return f"记账 #{self.seq}"


class PostingMonth(models.Model):
    """An account's postings summed by month (money in, money out, lines), so that a year's figures and a year-end
    balance read a few rows per account instead of every line.

    Kept by a statement-level trigger on `Posting` (written only by it: a direct write is refused). Money out is
    positive here; a reversing line counts, with its sign, in the month it was posted, as in the line sums.
    """

    account = models.ForeignKey(Account, models.PROTECT, related_name="months", verbose_name="资金账户")
    month = models.DateField("月份", help_text="当月 1 日。")
    money_in = money("到账收入（元）")
    money_out = money("支出（元）")
    lines = models.PositiveIntegerField("记账笔数")

    class Meta:
        ordering = ["account_id", "month"]
        verbose_name = verbose_name_plural = "记账月汇总"
        constraints = [
            models.UniqueConstraint(fields=["account", "month"], name="posting_month_unique"),
            models.CheckConstraint(condition=Q(month__day=1), name="posting_month_first_day"),
        ]
        triggers = [
            written_by_triggers_only("posting_month_by_trigger_only", "记账月汇总由记账明细的触发器维护，不能直接修改")
        ]

    def __str__(self):
        return f"{self.account} {self.month:%Y-%m}"


@track_history()
class FundTarget(models.Model):
    """A year's target (计划筹集) for a channel, optionally for one source or one department."""

    year = models.PositiveSmallIntegerField("年度")
    channel = models.CharField("资金渠道", max_length=12, choices=Channel.choices)
    source = models.CharField("来源", max_length=16, choices=Source.choices, blank=True)
    department = models.ForeignKey(
        Department, models.PROTECT, null=True, blank=True, related_name="fund_targets", verbose_name="部门"
    )
    amount = money("目标金额（元）")
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        ordering = ["-year", "channel", "source", "department_id"]
        verbose_name = verbose_name_plural = "筹资目标"
        constraints = [
            models.UniqueConstraint(
                fields=["year", "channel", "source", "department"],
                nulls_distinct=False,
                name="fund_target_unique",
                violation_error_message="该年度、渠道、来源和部门的目标已经设置。",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="fund_target_positive"),
        ]

    def __str__(self):
        return f"{self.year} 年 {self.get_channel_display()} 目标"


# 党员农贷快车 — bank loans to members (channel 3).

SMALL_LOAN_LIMIT = Decimal("50000.00")  # 小额信用贷款: up to 5万元
LARGE_LOAN_LIMIT = Decimal("500000.00")  # 大额联保贷款: up to 50万元
GROUP_SIZE = (3, 5)  # 联保小组: three to five households


class GuaranteeGroupQuerySet(models.QuerySet):
    def visible_to(self, user):
        return access.scope(user, self, village="village")


@track_history()
class GuaranteeGroup(models.Model):
    """联保小组: households of one village who guarantee each other's loans."""

    name = models.CharField("小组名称", max_length=60)
    village = models.ForeignKey(Village, models.PROTECT, related_name="guarantee_groups", verbose_name="村（社区）")
    formed_on = models.DateField("成立日期")
    dissolved_on = models.DateField("解散日期", null=True, blank=True)
    members = models.ManyToManyField(
        Member, through="GuaranteeMembership", related_name="guarantee_groups", verbose_name="成员"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="登记人"
    )

    objects = GuaranteeGroupQuerySet.as_manager()

    class Meta:
        ordering = ["village_id", "name"]
        verbose_name = verbose_name_plural = "联保小组"
        constraints = [
            models.UniqueConstraint(fields=["village", "name"], name="guarantee_group_name_unique_in_village")
        ]

    def __str__(self):
        return self.name


@track_history()
class GuaranteeMembership(models.Model):
    group = models.ForeignKey(GuaranteeGroup, models.PROTECT, related_name="memberships", verbose_name="联保小组")
    member = models.ForeignKey(Member, models.PROTECT, related_name="guarantee_memberships", verbose_name="成员")
    joined_on = models.DateField("加入日期")

    class Meta:
        ordering = ["group_id", "pk"]
        verbose_name = verbose_name_plural = "联保小组成员"
        constraints = [models.UniqueConstraint(fields=["group", "member"], name="guarantee_membership_unique")]

    def __str__(self):
        return f"联保成员 #{self.pk}"


class LoanQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Loans are about people: the members the user may see (department staff: its paired households)."""
        return access.scope_people(user, self, village="member__village", person="member")

    def outstanding(self):
        return self.filter(status=Loan.Status.DISBURSED)

    def with_arrears(self, *, today: date):
        """Annotate what was due before `today` and is unpaid, and since when (`overdue_since`, None if current).

        The schedule carries cumulative principal and interest, so the first unpaid instalment is the first whose
        cumulative amount exceeds what was paid: one indexed subquery per loan, no Python loop.
        """
        due = LoanInstalment.objects.filter(loan=OuterRef("pk"), due_on__lt=today)
        unpaid = due.filter(
            Q(cum_principal__gt=OuterRef("paid_principal")) | Q(cum_interest__gt=OuterRef("paid_interest"))
        )
        due_principal = due.order_by().values("loan").annotate(total=Max("cum_principal")).values("total")
        due_interest = due.order_by().values("loan").annotate(total=Max("cum_interest")).values("total")
        return self.annotate(
            overdue_since=Subquery(unpaid.order_by().values("loan").annotate(first=Min("due_on")).values("first")),
            due_principal=Coalesce(Subquery(due_principal), Value(ZERO)),
            due_interest=Coalesce(Subquery(due_interest), Value(ZERO)),
        )

    def overdue(self, *, today: date):
        return self.outstanding().with_arrears(today=today).filter(overdue_since__isnull=False)


@track_history()
class Loan(models.Model):
    """A member's bank loan through 党员农贷快车: applied → approved/refused → disbursed → settled.

    `paid_principal` and `paid_interest` are kept by the repayment service under a row lock; the database holds
    0 ≤ paid principal ≤ disbursed amount, so the outstanding principal can never be negative.
    """

    class Product(models.TextChoices):
        SMALL = "small", "小额信用贷款"
        LARGE = "large", "大额联保贷款"

    class Status(models.TextChoices):
        APPLIED = "applied", "已申请"
        APPROVED = "approved", "已批准"
        REFUSED = "refused", "未批准"
        DISBURSED = "disbursed", "已放款（还款中）"
        SETTLED = "settled", "已结清"

    class Method(models.TextChoices):
        EQUAL_PRINCIPAL = "equal_principal", "按月等额本金"
        QUARTERLY_INTEREST = "quarterly_interest", "按季付息、到期还本"
        BULLET = "bullet", "到期一次还本付息"

    member = models.ForeignKey(Member, models.PROTECT, related_name="loans", verbose_name="借款人")
    project = models.ForeignKey(
        Project, models.PROTECT, null=True, blank=True, related_name="loans", verbose_name="用于项目"
    )
    bank = models.CharField("贷款银行", max_length=40)
    product = models.CharField("贷款品种", max_length=8, choices=Product.choices)
    guarantee_group = models.ForeignKey(
        GuaranteeGroup, models.PROTECT, null=True, blank=True, related_name="loans", verbose_name="联保小组"
    )
    purpose = models.CharField("借款用途", max_length=100)
    amount_requested = money("申请金额（元）")
    term_months = models.PositiveSmallIntegerField("期限（月）")
    annual_rate = models.DecimalField("年利率（%）", max_digits=5, decimal_places=2)
    method = models.CharField("还款方式", max_length=20, choices=Method.choices, default=Method.EQUAL_PRINCIPAL)
    relaxed_terms = models.CharField(
        "放宽条件（绿色通道）", max_length=200, blank=True, help_text="例如：期限放宽至 36 个月；免抵押；利率下浮。"
    )
    applied_on = models.DateField("申请日期")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.APPLIED)
    amount_approved = money("批准金额（元）", null=True, blank=True)
    decided_on = models.DateField("审批日期", null=True, blank=True)
    refusal_reason = models.CharField("未批准原因", max_length=200, blank=True)
    disbursed_on = models.DateField("放款日期", null=True, blank=True)
    contract_no = models.CharField("借款合同号", max_length=40, blank=True)
    paid_principal = money("已还本金（元）", default=ZERO, editable=False)
    paid_interest = money("已付利息（元）", default=ZERO, editable=False)
    settled_on = models.DateField("结清日期", null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="登记人")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = LoanQuerySet.as_manager()

    class Meta:
        ordering = ["-applied_on", "-pk"]
        verbose_name = verbose_name_plural = "党员农贷快车贷款"
        indexes = [models.Index(fields=["status", "disbursed_on"], name="loan_status_disbursed")]
        constraints = [
            models.CheckConstraint(condition=Q(amount_requested__gt=0), name="loan_requested_positive"),
            models.CheckConstraint(
                condition=Q(amount_approved__isnull=True) | Q(amount_approved__gt=0), name="loan_approved_positive"
            ),
            models.CheckConstraint(condition=Q(term_months__gte=1, term_months__lte=120), name="loan_term_range"),
            models.CheckConstraint(condition=Q(annual_rate__gte=0, annual_rate__lte=24), name="loan_rate_range"),
            models.CheckConstraint(
                condition=Q(paid_principal__gte=0, paid_interest__gte=0), name="loan_paid_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(paid_principal=0) | Q(paid_principal__lte=F("amount_approved")),
                name="loan_paid_within_principal",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["disbursed", "settled"])
                | Q(amount_approved__isnull=False, disbursed_on__isnull=False),
                name="loan_disbursed_has_amount_and_date",
            ),
            models.CheckConstraint(
                condition=Q(decided_on__isnull=True) | Q(decided_on__gte=F("applied_on")),
                name="loan_decided_after_applied",
            ),
        ]

    def __str__(self):
        return f"贷款 #{self.pk}"

    @property
    def principal(self) -> Decimal:
        return self.amount_approved or ZERO

    @property
    def outstanding_principal(self) -> Decimal:
        if self.status not in (self.Status.DISBURSED, self.Status.SETTLED):
            return ZERO
        return self.principal - self.paid_principal


@track_history()
class LoanInstalment(models.Model):
    """One line of the repayment schedule, made when the loan is disbursed. Cumulative sums find arrears fast."""

    loan = models.ForeignKey(Loan, models.PROTECT, related_name="instalments", verbose_name="贷款")
    number = models.PositiveSmallIntegerField("期次")
    due_on = models.DateField("应还日期")
    principal = money("应还本金（元）")
    interest = money("应付利息（元）")
    cum_principal = money("累计应还本金（元）")
    cum_interest = money("累计应付利息（元）")

    class Meta:
        ordering = ["loan_id", "number"]
        verbose_name = verbose_name_plural = "还款计划"
        indexes = [models.Index(fields=["loan", "due_on"], name="instalment_loan_due")]
        constraints = [
            models.UniqueConstraint(fields=["loan", "number"], name="instalment_number_unique"),
            models.CheckConstraint(condition=Q(principal__gte=0, interest__gte=0), name="instalment_not_negative"),
        ]
        triggers = [append_only("instalment_append_only")]

    def __str__(self):
        return f"第 {self.number} 期"

    @property
    def amount(self) -> Decimal:
        return self.principal + self.interest


@track_history()
class Repayment(models.Model):
    """Money paid back to the bank, split into principal and interest. A mistake is a reversing repayment."""

    loan = models.ForeignKey(Loan, models.PROTECT, related_name="repayments", verbose_name="贷款")
    paid_on = models.DateField("还款日期")
    principal = money("本金（元）", default=ZERO)
    interest = money("利息（元）", default=ZERO)
    voucher_no = models.CharField("回单号", max_length=40, blank=True)
    reverses = models.OneToOneField(
        "self", models.PROTECT, null=True, blank=True, related_name="reversal", verbose_name="冲销的记录"
    )
    note = models.CharField("说明", max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="登记人")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    client_key = models.UUIDField("提交标识", unique=True, null=True, blank=True, editable=False)

    is_repeat = False  # see Line.is_repeat

    class Meta:
        ordering = ["loan_id", "paid_on", "pk"]
        verbose_name = verbose_name_plural = "还款记录"
        constraints = [
            models.CheckConstraint(
                condition=Q(reverses__isnull=True, principal__gte=0, interest__gte=0)
                & (Q(principal__gt=0) | Q(interest__gt=0))
                | Q(reverses__isnull=False, principal__lte=0, interest__lte=0),
                name="repayment_positive_or_reversal",
            ),
        ]
        triggers = [append_only("repayment_append_only")]

    def __str__(self):
        return f"还款 #{self.pk}"

    @property
    def amount(self) -> Decimal:
        return self.principal + self.interest
