"""The declared answer of every URL for every role: the table tests/test_permission_matrix.py walks.

Each entry names the objects its URL takes (keys of the matrix world: `"member"` is a member inside the scoped
roles' scope, and, for the out-of-scope cases, one outside it; a `Raw` value or an int is passed as it is) and, per
allowed method, the answer each role gets. A method an entry does not allow answers 405 to every signed-in user.
The answers come from reading each view's decorators and scope calls against DOMAIN.md's roles table, not from
recording what the code answers today.

Short role names: org (org_staff), town (town_staff), liaison, dept (dept_staff), leader, su (superuser),
sys, sec, audit (the three administrators of 三权分立: system, security, audit), none (a signed-in user without a
role), anon (not signed in). The administrators hold no business role, so every registry URL answers them 403.
"""

from dataclasses import dataclass, field

ROLES = (
    "anonymous",
    "no_role",
    "org_staff",
    "town_staff",
    "liaison",
    "dept_staff",
    "leader",
    "sys_admin",
    "security_admin",
    "auditor",
    "superuser",
)
SCOPED = ("town_staff", "liaison", "dept_staff")
SHORT = {
    "anon": "anonymous",
    "none": "no_role",
    "org": "org_staff",
    "town": "town_staff",
    "liaison": "liaison",
    "dept": "dept_staff",
    "leader": "leader",
    "sys": "sys_admin",
    "sec": "security_admin",
    "audit": "auditor",
    "su": "superuser",
}
ALL = "org town liaison dept leader su"  # every business role (and the superuser, who passes every role check)
SIGNED_IN = f"{ALL} none sys sec audit"  # whoever is signed in, with a role or not
LOGIN = 302  # anonymous: sent to the login page
METHODS = ("GET", "POST")
WRONG_METHOD_ROLES = ("anonymous", "no_role", "superuser")


@dataclass(frozen=True)
class Raw:
    """A URL argument passed as it is (not an object of the world)."""

    value: object


def may(roles: str, answer: int = 200, **others: int) -> dict[str, int]:
    """`answer` for the roles named (short names), `others` as given, 403 for every other signed-in user, and the
    login page for an anonymous visitor."""
    answers = {role: 403 for role in ROLES} | {"anonymous": LOGIN}
    answers |= {SHORT[name]: answer for name in roles.split()}
    answers |= {SHORT[name]: code for name, code in others.items()}
    return answers


@dataclass(frozen=True)
class Entry:
    get: dict[str, int] | None = None  # None: GET is not allowed (405)
    post: dict[str, int] | None = None  # None: POST is not allowed (405); POST is sent with an empty body
    args: tuple = ()
    # Answers for the object outside the scope, where they differ from the rule (an answer of 200/302 inside
    # becomes 404 outside; 403 stays 403): {(method, role): answer}.
    outside: dict[tuple[str, str], int] = field(default_factory=dict)
    public: bool = False  # login_not_required: an anonymous visitor reaches the view itself
    # Known bugs, tested as xfail(strict=True): {(method, role, "inside" | "outside"): reason}.
    bugs: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def answers(self, method: str) -> dict[str, int] | None:
        return self.get if method == "GET" else self.post


EVERYONE = may(ALL)
SCOPE_BEFORE_ROLE = {("POST", "liaison"): 404, ("POST", "dept_staff"): 404}  # the scope is checked first
OPEN_YEAR, CLOSED_YEAR = 2016, 2015

TABLE: dict[str, Entry] = {
    # guanghan: the home page, login, the directory ------------------------------------------------------------------
    "home": Entry(get=may(SIGNED_IN)),
    "login": Entry(get=may(SIGNED_IN, 302, anon=200), post=may(SIGNED_IN, 302, anon=200), public=True),
    "logout": Entry(post=may(SIGNED_IN, 302)),
    "password-change": Entry(get=may(SIGNED_IN), post=may(SIGNED_IN)),
    # Without an authenticator the code page sends the user to enrolment; enrolment is open to everyone signed in.
    "two-factor-verify": Entry(get=may(SIGNED_IN, 302), post=may(SIGNED_IN, 302)),
    # A POST before the secret was shown (GET) is sent back to it.
    "two-factor-setup": Entry(get=may(SIGNED_IN), post=may(SIGNED_IN, 302)),
    "guanghan:village-list": Entry(get=EVERYONE),
    "guanghan:village-detail": Entry(get=EVERYONE, args=("village",)),
    "guanghan:department-list": Entry(get=may("org dept leader su")),
    "guanghan:department-detail": Entry(get=may("org dept leader su"), args=("department",)),
    # members: the registry and the roster import --------------------------------------------------------------------
    "members:member-list": Entry(get=EVERYONE),
    "members:member-export": Entry(get=EVERYONE),
    # The search box's full ID or phone number, kept in the session: an empty POST only opens the list.
    "members:member-search": Entry(post=may(ALL, 302)),
    "members:member-create": Entry(get=may("org town su"), post=may("org town su")),
    # The POST asks to show the full ID number and phone: staff who edit the registry only, with a reason.
    "members:member-detail": Entry(get=EVERYONE, post=may("org town su"), args=("member",), outside=SCOPE_BEFORE_ROLE),
    "members:member-edit": Entry(get=may("org town su"), post=may("org town su"), args=("member",)),
    "members:survey-create": Entry(get=may("org town su"), post=may("org town su"), args=("member",)),
    "members:status-change": Entry(get=may("org town su"), post=may("org town su"), args=("member",)),
    "members:lifting-step": Entry(get=may("org town su"), post=may("org town su"), args=("member",)),
    "members:notice-list": Entry(get=EVERYONE),
    "members:stats": Entry(get=EVERYONE),
    "registry-stats": Entry(get=EVERYONE),
    "village-options": Entry(get=EVERYONE),
    "members:roster-upload": Entry(get=may("org town su"), post=may("org town su")),
    "members:roster-template": Entry(get=may("org town su")),
    # A batch is seen by whoever uploaded it, and by organisation staff; the world's batch is already imported, so
    # confirming it again is refused with a message.
    "members:roster-preview": Entry(get=may("org town su"), args=("batch",)),
    "members:roster-confirm": Entry(post=may("org town su", 302), args=("batch",)),
    # projects -------------------------------------------------------------------------------------------------------
    "projects:project-list": Entry(get=EVERYONE),
    "projects:project-create": Entry(get=may("org town dept su"), post=may("org town dept su")),
    "projects:project-detail": Entry(get=EVERYONE, args=("project",)),
    # The world's project is already selected, so selecting it again is refused with a message.
    "projects:project-select": Entry(post=may("org town dept su", 302), args=("project",)),
    "projects:project-move": Entry(get=may("org town dept su"), post=may("org town dept su"), args=("project",)),
    "projects:project-enroll": Entry(post=may("org town dept su", 302), args=("project",)),
    "projects:village-compare": Entry(get=EVERYONE, args=("village", OPEN_YEAR)),
    "projects:village-pairing-list": Entry(get=EVERYONE),
    "projects:village-pairing-create": Entry(get=may("org su"), post=may("org su")),
    "projects:household-pairing-list": Entry(get=EVERYONE),
    "projects:unpaired-members": Entry(get=EVERYONE),
    "projects:household-pair-create": Entry(get=may("org dept su"), post=may("org dept su"), args=("member",)),
    "projects:household-hand-over": Entry(get=may("org dept su"), post=may("org dept su"), args=("pairing",)),
    "projects:household-contact": Entry(get=may("org dept su"), post=may("org dept su"), args=("pairing",)),
    "projects:member-projects": Entry(get=EVERYONE, args=("member",)),
    "projects:members-without-project": Entry(get=EVERYONE),
    "projects:villages-without-key-project": Entry(get=may("org town leader su")),
    "projects:project-import": Entry(get=may("org town dept su"), post=may("org town dept su")),
    "projects:project-import-template": Entry(get=may("org town dept su")),
    "projects:pairs-import": Entry(get=may("org dept su"), post=may("org dept su")),
    "projects:pairs-import-template": Entry(get=may("org dept su")),
    "projects:training-list": Entry(get=EVERYONE),
    "projects:training-create": Entry(get=may("org town su"), post=may("org town su")),
    "projects:training-detail": Entry(get=EVERYONE, args=("training",)),
    # An empty POST ticks nobody on a page that showed nobody: nothing changes, back to the page.
    "projects:training-attendance": Entry(get=may("org town su"), post=may("org town su", 302), args=("training",)),
    "projects:skills-below-two": Entry(get=EVERYONE),
    "projects:consultation-list": Entry(get=EVERYONE),
    # The world's department is an advisory one (市场经济顾问组).
    "projects:consultation-create": Entry(get=may("org dept su"), post=may("org dept su"), args=("project",)),
    "projects:consultation-follow-up": Entry(get=may("org dept su"), post=may("org dept su"), args=("consultation",)),
    # funding --------------------------------------------------------------------------------------------------------
    "funding:overview": Entry(get=EVERYONE),
    "funding:account-ledger": Entry(get=may("org dept leader su"), args=("account",)),
    "funding:contribution-list": Entry(get=EVERYONE),
    "funding:contribution-create": Entry(get=may("org dept su"), post=may("org dept su")),
    # Money paid into an account is the account's department's business: town staff and officers see none of it.
    "funding:contribution-detail": Entry(get=may("org dept leader su", town=404, liaison=404), args=("contribution",)),
    "funding:contribution-reverse": Entry(post=may("org dept su", 302), args=("contribution",)),
    "funding:disbursement-list": Entry(get=EVERYONE),
    "funding:disbursement-create": Entry(get=may("org dept su"), post=may("org dept su")),
    "funding:disbursement-detail": Entry(get=EVERYONE, args=("disbursement",)),
    "funding:disbursement-reverse": Entry(post=may("org dept su", 302), args=("disbursement",)),
    "funding:project-flow": Entry(get=EVERYONE, args=("project",)),
    "funding:village-flow": Entry(get=EVERYONE, args=("village",)),
    "funding:department-flow": Entry(get=may("org dept leader su"), args=("department",)),
    "funding:member-flow": Entry(get=EVERYONE, args=("member",)),
    "funding:projects-without-money": Entry(get=may("org dept leader su")),
    "funding:loan-list": Entry(get=EVERYONE),
    "funding:loan-create": Entry(get=may("org dept su"), post=may("org dept su")),
    "funding:loan-detail": Entry(get=EVERYONE, args=("loan",)),
    # The bank's steps: the permission is checked before the scope, so a role that may not act gets 403 anywhere.
    "funding:loan-decide": Entry(post=may("org dept su"), args=("loan",)),
    "funding:loan-disburse": Entry(post=may("org dept su"), args=("loan",)),
    "funding:loan-repay": Entry(post=may("org dept su"), args=("loan",)),
    "funding:repayment-reverse": Entry(post=may("org dept su"), args=("repayment",)),
    "funding:guarantee-group-list": Entry(get=EVERYONE),
    "funding:guarantee-group-create": Entry(get=may("org dept su"), post=may("org dept su")),
    "funding:guarantee-group-detail": Entry(get=EVERYONE, args=("guarantee_group",)),
    "funding:report": Entry(get=may("org dept leader su")),
    "funding:target-list": Entry(get=may("org dept leader su")),
    "funding:target-create": Entry(get=may("org su"), post=may("org su")),
    "funding:target-edit": Entry(get=may("org su"), post=may("org su"), args=("target",)),
    # supervision ----------------------------------------------------------------------------------------------------
    "supervision:visit-list": Entry(get=EVERYONE),
    "supervision:visit-create": Entry(get=may("org liaison su"), post=may("org liaison su")),
    "supervision:visit-detail": Entry(get=EVERYONE, args=("visit",)),
    "supervision:photo": Entry(get=EVERYONE, args=("photo",)),
    "supervision:rectification-list": Entry(get=EVERYONE),
    "supervision:rectification-detail": Entry(get=EVERYONE, args=("rectification",)),
    # The world's rectification is owned by its village: the town's staff and the village's officer report it done;
    # a department that does not own it may not (checked after the scope, hence 404 outside).
    "supervision:rectification-move": Entry(
        post=may("org town liaison su", 302),
        args=("rectification", Raw("report")),
        outside={("POST", "dept_staff"): 404},
    ),
    "supervision:overview": Entry(get=may("org leader su")),
    "supervision:unvisited-villages": Entry(get=EVERYONE),
    "supervision:officer-list": Entry(get=EVERYONE),
    "supervision:officer-create": Entry(get=may("org su"), post=may("org su")),
    "supervision:officer-detail": Entry(get=EVERYONE, args=("officer",)),
    "supervision:assignment-create": Entry(get=may("org su"), post=may("org su"), args=("officer",)),
    "supervision:assignment-end": Entry(post=may("org su", 302), args=("assignment",)),
    "supervision:questionnaire-list": Entry(get=EVERYONE),
    "supervision:questionnaire-create": Entry(get=may("org liaison su"), post=may("org liaison su")),
    "supervision:questionnaire-detail": Entry(get=EVERYONE, args=("questionnaire",)),
    "supervision:satisfaction": Entry(get=EVERYONE),
    # evaluation -----------------------------------------------------------------------------------------------------
    "evaluation:year-list": Entry(get=may("org dept leader su"), post=may("org su")),
    "evaluation:year-detail": Entry(get=may("org dept leader su"), args=(OPEN_YEAR,)),
    "evaluation:rules-edit": Entry(get=may("org su"), post=may("org su"), args=(OPEN_YEAR,)),
    "evaluation:blocks-edit": Entry(get=may("org su"), post=may("org su"), args=(OPEN_YEAR,)),
    # A department reads its own score sheet; only organisation staff score (the department is checked first). An
    # empty POST is missing each row's version: the sheet comes back with its errors.
    "evaluation:score-sheet": Entry(
        get=may("org dept leader su"),
        post=may("org su"),
        args=(OPEN_YEAR, "department"),
        outside={("POST", "dept_staff"): 404},
    ),
    # Suggesting and closing act on a closed year here, so they are refused with a message and write nothing.
    "evaluation:suggest": Entry(post=may("org su", 302), args=(CLOSED_YEAR,)),
    "evaluation:year-close": Entry(post=may("org su", 302), args=(CLOSED_YEAR,)),
    "evaluation:year-reopen": Entry(post=may("org su", 302), args=(CLOSED_YEAR,)),
    "evaluation:agreement-list": Entry(get=EVERYONE),
    "evaluation:agreement-create": Entry(get=may("org dept su"), post=may("org dept su")),
    "evaluation:agreement-detail": Entry(get=EVERYONE, args=("agreement",)),
    "evaluation:agreement-edit": Entry(get=may("org dept su"), post=may("org dept su"), args=("agreement",)),
    "evaluation:agreement-document": Entry(get=EVERYONE, args=("agreement",)),
    "evaluation:table": Entry(get=may("org leader su"), args=(OPEN_YEAR,)),
    "evaluation:table-print": Entry(get=may("org leader su"), args=(OPEN_YEAR,)),
    "evaluation-results": Entry(get=may("org leader su"), args=(OPEN_YEAR,)),
    # dashboard ------------------------------------------------------------------------------------------------------
    "dashboard:dashboard": Entry(get=EVERYONE),
    "dashboard:summary": Entry(get=EVERYONE),
    "dashboard:overdue-by-department": Entry(get=may("org leader su")),
    "dashboard-figures": Entry(get=EVERYONE),
    "dashboard-areas": Entry(get=EVERYONE),
    "dashboard-years": Entry(get=EVERYONE),
    # administration: 三权分立. "user_account" is a business account (the town staff inside, the other town's staff
    # outside: the administrators have no scope, so both answer alike). An empty POST of a form answers 200 with its
    # errors; a security action without its reason is sent back (302) with a message, writing nothing.
    "administration:user-list": Entry(get=may("sys sec su")),
    "administration:user-create": Entry(get=may("sys su"), post=may("sys su")),
    "administration:cadre-options": Entry(get=may("sys su")),
    "administration:user-detail": Entry(get=may("sys sec su"), args=("user_account",)),
    "administration:user-edit": Entry(get=may("sys su"), post=may("sys su"), args=("user_account",)),
    "administration:user-password": Entry(get=may("sys su"), post=may("sys su"), args=("user_account",)),
    "administration:user-two-factor-reset": Entry(post=may("sec su", 302), args=("user_account",)),
    "administration:user-require-password-change": Entry(post=may("sec su", 302), args=("user_account",)),
    "administration:security": Entry(get=may("sec su")),
    "administration:unlock": Entry(post=may("sec su", 302), args=("lock",)),
    "administration:trail": Entry(get=may("audit su")),
    "administration:reads": Entry(get=may("audit su")),
    "administration:exports": Entry(get=may("audit su")),
    "administration:logins": Entry(get=may("audit su")),
    "administration:actions": Entry(get=may("audit su")),
}


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    role: str
    where: str  # "inside": the objects in the scoped roles' scope; "outside": the ones out of it
    answer: int
    bug: str = ""

    @property
    def id(self) -> str:
        return f"{self.name}|{self.method}|{self.role}|{self.where}"


ADMINISTRATORS = ("sys_admin", "security_admin", "auditor")


def _same_as_no_role(name: str, entry: Entry, method: str, role: str) -> bool:
    """An administrator's refused POST to a business URL: the role check comes first, exactly as for the user without
    a role (whose column is kept), so the matrix asks the administrators by GET only there (saves ~400 requests)."""
    answers = entry.answers(method)
    return (
        role in ADMINISTRATORS
        and method == "POST"
        and not name.startswith("administration:")
        and answers is not None
        and answers[role] == answers["no_role"] == 403
    )


def takes_objects(entry: Entry) -> bool:
    return any(isinstance(arg, str) for arg in entry.args)


def expected(entry: Entry, method: str, role: str, where: str) -> int:
    answers = entry.answers(method)
    if answers is None:  # the method is not allowed: the login page first for a visitor, unless the view is public
        return LOGIN if role == "anonymous" and not entry.public else 405
    inside = answers[role]
    if where == "inside":
        return inside
    return entry.outside.get((method, role), 404 if inside in (200, 302) else inside)


def cases() -> list[Case]:
    """Every URL × allowed method × role, and for URLs taking objects, the scoped roles on the objects outside their
    scope. A method the URL does not allow is tried by the visitor, the user without a role and the superuser (who
    passes every role check, so would reach a view that took the method): the method is checked before the role."""
    out = []
    for name, entry in TABLE.items():
        for method in METHODS:
            for role in ROLES if entry.answers(method) is not None else WRONG_METHOD_ROLES:
                if _same_as_no_role(name, entry, method, role):
                    continue
                wheres = ["inside"]
                if role in SCOPED and takes_objects(entry) and entry.answers(method) is not None:
                    wheres.append("outside")
                for where in wheres:
                    answer = expected(entry, method, role, where)
                    bug = entry.bugs.get((method, role, where), "")
                    out.append(Case(name, method, role, where, answer, bug))
    return out
