import secrets
from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Sum
from django.http import JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guanghan import access
from guanghan.access import ALL_ROLES, Role, role_required
from guanghan.audit import sensitive_read_record
from guanghan.lib.dates import parse_day
from guanghan.lib.excel import workbook, xlsx_response
from guanghan.lib.masking import mask_id_number, mask_phone
from guanghan.lib.paging import CappedPaginator
from guanghan.lib.stats_cache import cached_figures
from guanghan.models import PartyBranch, User
from members import services
from members.forms import LiftingStepForm, MemberFilterForm, MemberForm, StatusChangeForm, SurveyForm, rebased
from members.models import FORMER_LINKS, LISTS, Lifting, Member, Survey
from members.stats import registry_stats

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
EDITORS = (Role.ORG_STAFF, Role.TOWN_STAFF)


def _members(user):
    return access.scope_people(user, Member.objects.all())


def _require_perm(user, perm: str):
    if not user.has_perm(perm):
        raise PermissionDenied("您的角色不能修改困难党员（群众）信息。")


PRIVATE_SEARCHES = "member_searches"  # session key: {q_ref: the full ID or mobile number searched}
PRIVATE_SEARCH_KEEP = 20


def _filter_form(request):
    form = MemberFilterForm(request.GET or None, user=request.user)
    if (ref := request.GET.get("q_ref")) and not request.GET.get("q"):
        text = request.session.get(PRIVATE_SEARCHES, {}).get(ref)
        if text:
            form.referenced_search = text
            form.fields["q"].widget.attrs["placeholder"] = f"已按 {_masked_search(text)} 查询（输入新内容可更换）"
        else:
            messages.warning(request, "该搜索已过期（搜索内容只保留在本次登录中），请重新输入身份证号或电话。")
    return form


def _masked_search(text: str) -> str:
    return mask_phone(text) if len(text) == 11 else mask_id_number(text)


@require_POST
@role_required(*ALL_ROLES)
def member_search(request):
    """The search box when it holds a full ID or mobile number: the number is kept in the session and the list opens
    with `?q_ref=…`, so it never stands in a URL (browser history, proxy and server logs, the Referer of the next
    page). The page's script posts here; without it the form still works by GET."""
    params = QueryDict(mutable=True)
    for name, values in request.POST.lists():
        if name not in ("csrfmiddlewaretoken", "q", "q_ref", "page") and any(values):
            params.setlist(name, [v for v in values if v])
    text = request.POST.get("q", "").strip()
    if text:
        searches = request.session.get(PRIVATE_SEARCHES, {})
        ref = secrets.token_urlsafe(9)
        searches[ref] = text[:30]
        request.session[PRIVATE_SEARCHES] = dict(list(searches.items())[-PRIVATE_SEARCH_KEEP:])
        params["q_ref"] = ref
    return redirect(reverse("members:member-list") + (f"?{params.urlencode()}" if params else ""))


def _as_of(request) -> date:
    return parse_day(request.GET.get("as_of")) or timezone.localdate()


@require_GET
@role_required(*ALL_ROLES)
def member_list(request):
    form = _filter_form(request)
    on = timezone.localdate()
    members = form.filter(_members(request.user), on=on).select_related("village__town", "main_cause")
    page = CappedPaginator(members.order_by(*form.ordering()), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "can_add": request.user.has_perm("members.add_member"),
        "can_import": request.user.has_perm("members.add_importbatch") and access.has_role(request.user, *EDITORS),
    }
    return render(request, "members/member_list.html", context)


@require_GET
@role_required(*ALL_ROLES)
def member_export(request):
    form = _filter_form(request)
    members = form.filter(_members(request.user), on=timezone.localdate()).select_related("village__town", "main_cause")
    headers = [
        "姓名",
        "类别",
        "性别",
        "出生日期",
        "身份证号",
        "联系电话",
        "乡镇",
        "村（社区）",
        "城乡",
        "家庭人口",
        "家庭年人均收入",
        "低保类型",
        "主要致贫原因",
        "状态",
        "登记日期",
    ]
    rows = (
        [
            m.name,
            m.get_category_display(),
            m.get_gender_display(),
            m.birth_date,
            mask_id_number(m.id_number),
            mask_phone(m.phone),
            m.village.town.name,
            m.village.name,
            m.get_area_display(),
            m.household_size,
            m.income_per_capita,
            m.get_allowance_display(),
            m.main_cause.name if m.main_cause else "",
            m.get_status_display(),
            m.registered_on,
        ]
        for m in members.order_by(*form.ordering())[:EXPORT_LIMIT].iterator(chunk_size=2000)
    )
    filename = f"困难党员群众名单-{timezone.localdate():%Y%m%d}.xlsx"
    return xlsx_response(workbook("名单", headers, rows), filename)


@require_http_methods(["GET", "POST"])
@role_required(*ALL_ROLES)
def member_detail(request, pk):
    """The whole record. The full ID number and phone show only after a POST that logs who asked and why."""
    member = access.get_person_for_user(
        request.user,
        Member.objects.select_related("village__town", "branch", "main_cause", "import_batch"),
        pk=pk,
    )
    can_edit = request.user.has_perm("members.change_member") and not access.is_read_only(request.user)
    revealed = False
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("您的角色不能查看完整的身份证号和电话。")
        reason = request.POST.get("reason", "").strip()
        if not reason:
            messages.error(request, "查看完整号码前请填写事由。")
        else:
            sensitive_read_record(request=request, obj=member, fields="身份证号、联系电话", reason=reason)
            revealed = True
    surveys = list(member.surveys.select_related("main_cause", "surveyor"))
    list_names([member, *surveys])
    context = {
        "member": member,
        "revealed": revealed,
        "can_edit": can_edit,
        "surveys": surveys,
        "status_changes": member.status_changes.select_related("by"),
        "liftings": member.liftings.select_related("started_by"),
        # Higher layers' rows about this member, through their reverse relations (projects, pairs).
        "enrollments": member.enrollments.select_related("project__village").order_by("-enrolled_on"),
        "household_pairings": member.household_pairings.select_related("cadre__department").order_by("-started_on"),
        "loans": member.loans.order_by("-applied_on")[:20],
        "funds": member.disbursements.aggregate(total=Sum("amount"), count=Count("id")),
        "attendances": member.attendances.select_related("training")
        .prefetch_related("training__skills")
        .order_by("-training__held_on"),
        "open_lifting": next(
            (lifting for lifting in member.liftings.all() if lifting.step not in ("closed", "cancelled")), None
        ),
        "history": _history(member),
        "age": member.age_on(timezone.localdate()),
    }
    return render(request, "members/member_detail.html", context)


def list_names(rows) -> None:
    """Give each member or survey `list_names`, (label, names) for each of its lists that is not empty, and `names`,
    the names by column (`names.skill_ids`): one query per lookup that any of them uses."""
    fields = [Survey._meta.get_field(column) for column in LISTS.values()]
    names = {}
    for f in fields:
        wanted = {pk for row in rows for pk in getattr(row, f.attname)}
        names[f] = dict(f.lookup_model.objects.filter(pk__in=wanted).values_list("pk", "name")) if wanted else {}
    for row in rows:
        row.names = {f.attname: [names[f].get(pk, f"#{pk}") for pk in getattr(row, f.attname)] for f in fields}
        row.list_names = [(f.verbose_name, row.names[f.attname]) for f in fields if row.names[f.attname]]


def _history(member, limit: int = 50) -> list[dict]:
    """Who changed what and when, newest first, from the trigger-kept history: the member's own events (its three
    lists included) and, for the years the lists were link tables, those tables' events, one row per save (a
    request's events share its context). The latest `limit` saves, in a fixed number of queries (five)."""
    events = list(member.events.order_by("-pgh_id").select_related("pgh_context")[: limit + 1])[::-1]
    link_events = []
    for link in FORMER_LINKS:
        label = str(Member._meta.get_field(link.LIST).verbose_name)
        history = link.events.field.model.objects.filter(member_id=member.pk).select_related("pgh_context")
        link_events += [(label, event) for event in history.order_by("-pgh_id")[:limit]]
    contexts = [e.pgh_context for e in events] + [e.pgh_context for _, e in link_events]
    user_ids = {c.metadata.get("user") for c in contexts if c}
    names = dict(User.objects.filter(pk__in=[u for u in user_ids if u]).values_list("pk", "display_name"))

    saves: dict = {}

    def row(at, label, context) -> dict:
        metadata = context.metadata if context else {}
        user = metadata.get("user")
        by = names.get(user, "系统（导入或后台任务）" if not user else "已删除用户")
        return {"at": at, "label": label, "fields": [], "by": by, "address": metadata.get("ip", ""), "n": len(saves)}

    def key(event):  # a save: its request's context, or (outside any) its transaction's time
        return event.pgh_context_id or event.pgh_created_at

    tracked = [f for f in Member._meta.concrete_fields if f.name not in ("created_at", "updated_at", "id", "version")]
    previous = None
    for event in events:
        if event.pgh_context and event.pgh_context.metadata.get("migration"):
            previous = event  # a migration moved what was kept (the lists into the row), nobody changed anything
            continue
        if key(event) not in saves:
            label = {"insert": "新建", "update": "修改"}.get(event.pgh_label, event.pgh_label)
            saves[key(event)] = row(event.pgh_created_at, label, event.pgh_context)
        current = saves[key(event)]
        if previous is not None:
            current["fields"] += [
                str(f.verbose_name)
                for f in tracked
                if getattr(previous, f.attname) != getattr(event, f.attname)
                and str(f.verbose_name) not in current["fields"]
            ]
        elif len(events) > limit:
            current["baseline"] = True  # the save before the latest `limit`: only compared against
        previous = event
    for label, event in link_events:
        if key(event) not in saves:
            saves[key(event)] = row(event.pgh_created_at, "修改", event.pgh_context)
        current = saves[key(event)]
        if current["label"] == "修改" and label not in current["fields"]:  # a new member's lists are part of 新建
            current["fields"].append(label)
    shown = [r for r in saves.values() if not r.get("baseline") and (r["label"] != "修改" or r["fields"])]
    return sorted(shown, key=lambda r: (r["at"], r["n"]), reverse=True)[:limit]


@require_http_methods(["GET", "POST"])
@role_required(*EDITORS)
def member_create(request):
    _require_perm(request.user, "members.add_member")
    form = MemberForm(request.POST or None, villages=access.villages_visible_to(request.user))
    if request.method == "POST" and form.is_valid():
        member = services.member_create(data=form.cleaned_data, by=request.user)
        for warning in form.warnings:
            messages.warning(request, warning)
        messages.success(request, f"已登记 {member.name}。")
        return redirect("members:member-detail", pk=member.pk)
    return render(request, "members/member_form.html", {"form": form, "title": "登记困难党员（群众）"})


@require_http_methods(["GET", "POST"])
@role_required(*EDITORS)
def member_edit(request, pk):
    _require_perm(request.user, "members.change_member")
    member = access.get_person_for_user(request.user, Member.objects.all(), write=True, pk=pk)
    title = f"修改 {member.name} 的信息"  # before the form copies what was typed onto the instance
    form = MemberForm(request.POST or None, instance=member, villages=access.villages_visible_to(request.user))
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = {name: value for name, value in form.cleaned_data.items() if name not in ("version", "clear_phone")}
        try:
            changed = services.member_update(member=member, data=data, version=form.cleaned_data["version"])
        except services.EditConflict as error:
            conflict = error
            form = rebased(form, conflict)
        else:
            for warning in form.warnings:
                messages.warning(request, warning)
            messages.success(request, f"已保存：{'、'.join(changed)}。" if changed else "没有修改任何内容。")
            return redirect("members:member-detail", pk=pk)
    context = {"form": form, "title": title, "member": member, "conflict": conflict}
    return render(request, "members/member_form.html", context)


@require_http_methods(["GET", "POST"])
@role_required(*EDITORS)
def survey_create(request, pk):
    _require_perm(request.user, "members.add_survey")
    member = access.get_person_for_user(request.user, Member.objects.select_related("village"), write=True, pk=pk)
    initial = {name: getattr(member, name) for name in services.SURVEY_FIELDS}
    initial.update({name: list(getattr(member, column)) for name, column in LISTS.items()})
    initial.update(surveyed_on=timezone.localdate(), surveyor_name=request.user.get_full_name())
    form = SurveyForm(request.POST or None, member=member, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.survey_record(member=member, data=form.cleaned_data, by=request.user)
        messages.success(request, f"已记录 {member.name} {form.cleaned_data['surveyed_on']:%Y-%m-%d} 的摸底调查。")
        return redirect("members:member-detail", pk=pk)
    return render(request, "members/survey_form.html", {"form": form, "member": member})


@require_http_methods(["GET", "POST"])
@role_required(*EDITORS)
def status_change(request, pk):
    _require_perm(request.user, "members.add_statuschange")
    member = access.get_person_for_user(request.user, Member.objects.select_related("village"), write=True, pk=pk)
    form = StatusChangeForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.status_change(
                member=member,
                to_status=data["to_status"],
                on=data["changed_on"],
                reason=data["reason"],
                removal_reason=data["removal_reason"],
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{member.name} 的状态已变更为“{Member.Status(data['to_status']).label}”。")
            return redirect("members:member-detail", pk=pk)
    return render(request, "members/status_form.html", {"form": form, "member": member})


@require_http_methods(["GET", "POST"])
@role_required(*EDITORS)
def lifting_step(request, pk):
    _require_perm(request.user, "members.change_lifting")
    member = access.get_person_for_user(request.user, Member.objects.select_related("village"), write=True, pk=pk)
    lifting = member.liftings.open().first()
    next_step = {None: "assess", "assessed": "verify", "verified": "notice", "notice": "close"}[
        lifting and lifting.step
    ]
    step = request.POST.get("step") or request.GET.get("step") or next_step
    if (
        step not in LiftingStepForm.STEPS
        or (step != "cancel" and step != next_step)
        or (step == "cancel" and not lifting)
    ):
        step = next_step
    form = LiftingStepForm(request.POST or None, step=step, lifting=lifting)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.lifting_step(
                member=member,
                step=step,
                day=data["day"],
                note=data.get("note", ""),
                notice_end=data.get("notice_end"),
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已办理“{LiftingStepForm.STEPS[step][0]}”。")
            return redirect("members:member-detail", pk=pk)
    context = {
        "form": form,
        "member": member,
        "lifting": lifting,
        "step": step,
        "step_title": LiftingStepForm.STEPS[step][0],
        "steps": ["民主评议", "核实", "公示", "销号"],
    }
    return render(request, "members/lifting_form.html", context)


@require_GET
@role_required(*ALL_ROLES)
def notice_list(request):
    """公示名单: members whose notice runs on the chosen day. No ID, phone, health or income: it is posted publicly."""
    on = _as_of(request)
    liftings = (
        access.scope_people(request.user, Lifting.objects.in_notice(on), village="member__village")
        .select_related("member__village__town")
        .order_by("member__village__town__code", "member__village__code", "member__name")
    )
    if request.GET.get("format") == "xlsx":
        rows = (
            [
                lf.member.village.town.name,
                lf.member.village.name,
                lf.member.name,
                lf.member.get_gender_display(),
                lf.member.get_category_display(),
                lf.notice_start,
                lf.notice_end,
            ]
            for lf in liftings
        )
        headers = ["乡镇", "村（社区）", "姓名", "性别", "类别", "公示开始", "公示结束"]
        return xlsx_response(workbook("公示名单", headers, rows), f"脱贫公示名单-{on:%Y%m%d}.xlsx")
    page = CappedPaginator(liftings, 200).get_page(request.GET.get("page"))
    return render(request, "members/notice_list.html", {"page": page, "on": on})


def _stats_for(request):
    form = _filter_form(request)
    on = _as_of(request)

    def compute():
        members = form.filter(_members(request.user), on=on)
        branches = access.scope(request.user, PartyBranch.objects.filter(is_active=True), department="department")
        if form.is_valid() and form.cleaned_data.get("town"):
            branches = branches.filter(village__town=form.cleaned_data["town"])
        if form.is_valid() and form.cleaned_data.get("village"):
            branches = branches.filter(village=form.cleaned_data["village"])
        party_total = branches.aggregate(total=Sum("member_count", default=0))["total"]
        data = form.cleaned_data if form.is_valid() else {}
        return registry_stats(
            members,
            on=on,
            party_member_total=party_total,
            skill=data.get("skill"),
            aspiration=data.get("aspiration"),
            tally=_tally_applies(request.user, form, on),
        )

    return form, on, cached_figures("registry", request.user, sorted(request.GET.lists()), compute)


UNFILTERED = ("as_of", "sort")  # the form's fields that leave the statistics those of the whole registry


def _tally_applies(user, form, on: date) -> bool:
    """Whether MemberListTally gives the statistics' lists: a city-wide user's statistics of today, unfiltered, while
    nobody is registered with a later date than today (the tally counts every member not 退出; the statistics those
    registered by today). A town's or a village's figures take the members' pass, over their few members."""
    if not access.is_city_wide(user) or on != timezone.localdate() or (form.is_bound and not form.is_valid()):
        return False
    data = form.cleaned_data if form.is_bound else {}
    if form.referenced_search or any(value for name, value in data.items() if name not in UNFILTERED):
        return False
    return not Member.objects.filter(registered_on__gt=on).exists()


@require_GET
@role_required(*ALL_ROLES)
def stats(request):
    form, on, figures = _stats_for(request)
    return render(request, "members/stats.html", {"form": form, "on": on, "figures": figures})


@require_GET
@role_required(*ALL_ROLES)
def stats_json(request):
    """/api/registry/stats/?as_of=YYYY-MM-DD plus the member list's filters, scoped like the page."""
    if request.GET.get("as_of") and not parse_day(request.GET["as_of"]):
        return JsonResponse({"error": "as_of 应为 YYYY-MM-DD 格式的日期"}, status=400)
    _, _, figures = _stats_for(request)
    return JsonResponse(figures, json_dumps_params={"ensure_ascii": False})
