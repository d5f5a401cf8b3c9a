"""Registry statistics at a chosen date, computed in the database (a fixed number of queries)."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.utils import timezone

from members.models import AGE_BANDS, Member, age_band_bounds


def _share(part: int, whole: int) -> float:
    if not whole:
        return 0.0
    return float((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _counts(queryset, field: str, *, label_field: str | None = None) -> dict[str, int]:
    rows = queryset.order_by().values(label_field or field).annotate(n=Count("pk", distinct=True))
    return {row[label_field or field]: row["n"] for row in rows if row[label_field or field] is not None}


def registry_stats(members, *, on: date, party_member_total: int) -> dict:
    """The registry's figures at the end of `on`, for an already scoped and filtered member queryset."""
    members = members.in_registry(on)
    bands = age_band_bounds(on)
    figures = members.aggregate(
        total=Count("pk"),
        party=Count("pk", filter=Q(category=Member.Category.PARTY)),
        resident=Count("pk", filter=Q(category=Member.Category.RESIDENT)),
        rural=Count("pk", filter=Q(area=Member.Area.RURAL)),
        urban=Count("pk", filter=Q(area=Member.Area.URBAN)),
        **{f"band_{i}": Count("pk", filter=bands[band]) for i, band in enumerate(AGE_BANDS)},
    )
    if on >= timezone.localdate():
        by_status = _counts(members, "status")
    else:
        by_status = _counts(members.with_status_on(on), "status_on")
    total = figures["total"]
    return {
        "as_of": on.isoformat(),
        "total": total,
        "by_category": {"party": figures["party"], "resident": figures["resident"]},
        "by_status": {status: by_status.get(status, 0) for status in Member.Status.values if status != "removed"},
        "by_age_band": {band: figures[f"band_{i}"] for i, band in enumerate(AGE_BANDS)},
        "rural": figures["rural"],
        "urban": figures["urban"],
        "rural_share": _share(figures["rural"], total),
        "party_member_total": party_member_total,
        "party_share": _share(figures["party"], party_member_total),
        "by_cause": _counts(members, "main_cause__name"),
        "by_skill": _counts(members, "skills__name"),
        "by_aspiration": _counts(members, "aspirations__name"),
        "by_town": _counts(members, "village__town__name"),
    }
