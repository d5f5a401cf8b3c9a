"""The navigation bar and the home page's work lists, filled by each app from its AppConfig.ready().

Like the admin's registry of ModelAdmins: the base template and the home page read this registry, so they never
import the apps above `guanghan`.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from guanghan.access import has_role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: tuple[str, ...]
    icon: str = "circle"
    order: int = 100
    menu: str = ""  # a drop-down it goes into when the user also has entries outside any menu (the superuser)


@dataclass(frozen=True)
class WorkList:
    """A count of things waiting for the user, with the page that lists them."""

    title: str
    url_name: str
    roles: tuple[str, ...]
    count: Callable[[object], int]
    order: int = 100
    query: str | Callable[[], str] = ""


_nav: dict[str, NavItem] = {}
# Work lists are keyed by page and query string: several lists may open one page with different filters
# ("逾期未整改的事项" and "派驻村待整改的事项" are both the rectification list).
_worklists: dict[tuple[str, str], WorkList] = {}


def register_nav(item: NavItem) -> None:
    _nav[item.url_name] = item


def register_worklist(item: WorkList) -> None:
    _worklists[(item.url_name, item.query)] = item


def nav_for(user) -> list[dict]:
    items = sorted((i for i in _nav.values() if has_role(user, *i.roles)), key=lambda i: (i.order, i.label))
    return [
        {"label": i.label, "url": reverse(i.url_name), "icon": i.icon, "url_name": i.url_name, "menu": i.menu}
        for i in items
    ]


def worklists_for(user) -> list[dict]:
    lists = sorted((w for w in _worklists.values() if has_role(user, *w.roles)), key=lambda w: (w.order, w.title))
    return [{"title": w.title, "url": _url(w), "count": w.count(user)} for w in lists]


def _url(w: WorkList) -> str:
    query = w.query() if callable(w.query) else w.query  # a callable for a filter that moves, like "this year"
    return reverse(w.url_name) + (f"?{query}" if query else "")


def context(request) -> dict:
    """Template context processor: the navigation entries this user may open; `nav_menu`, the entries of the 管理
    drop-down. An administrator's few entries stand in the bar; only someone who has business entries as well (the
    superuser) gets them folded into the menu, so that the bar keeps to one line."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_menu": []}
    items = nav_for(user)
    plain = [item for item in items if not item["menu"]]
    if not plain:
        return {"nav_items": items, "nav_menu": []}
    return {"nav_items": plain, "nav_menu": [item for item in items if item["menu"]]}
