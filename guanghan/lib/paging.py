"""Pagination that stays fast on a million rows: counting stops at a cap ("10,000+") instead of COUNT(*) on all."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 rows; `count_is_capped` tells the template to print "10,000+"."""

    def __init__(self, object_list, per_page, cap: int = COUNT_CAP, **kwargs):
        self.cap = cap
        super().__init__(object_list, per_page, **kwargs)

    @cached_property
    def count(self):
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def count_is_capped(self) -> bool:
        return self.count > self.cap
