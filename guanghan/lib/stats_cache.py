"""A short cache for the figures of the statistics page, its JSON and the leaders' dashboard.

At province scale (a million members, docs/benchmarks.md) those figures take one to a few seconds to compute even in
as few passes as possible, while leaders open the same dashboard again and again. They are therefore kept for
`settings.STATS_CACHE_SECONDS` (env `STATS_CACHE_SECONDS`, default 120; 0 turns the cache off, as the tests do) in
Django's default cache, under a key made of

- what is computed (`kind`) and the request's parameters, with today's date (a default date moves at midnight);
- the user's scope: the user, their roles, town and department. A change of role, town or department is seen at once;
  a liaison officer's new village assignment, or any new data, within the lifetime at most.

Only figures are cached, never a rendered page, and each user only ever reads figures computed for their own key.
"""

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from guanghan.access import roles_of

T = TypeVar("T")


def cache_key(kind: str, user, params) -> str:
    scope = (user.pk, sorted(roles_of(user)), user.town_id, user.department_id, user.is_superuser)
    raw = repr((kind, scope, params, timezone.localdate().isoformat()))
    return f"stats:{kind}:{hashlib.sha256(raw.encode()).hexdigest()}"


def cached_figures(kind: str, user, params, compute: Callable[[], T]) -> T:
    """compute(), or what it answered for the same kind, user scope and parameters within the cache lifetime."""
    seconds = settings.STATS_CACHE_SECONDS
    if not seconds:
        return compute()
    key = cache_key(kind, user, params)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value
