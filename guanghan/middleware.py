import re
from urllib.parse import unquote_plus

from pghistory.middleware import HistoryMiddleware

from guanghan.lib.client_address import client_address
from guanghan.lib.excel import XLSX
from guanghan.lib.masking import mask_id_number, mask_phone


class AuditContextMiddleware(HistoryMiddleware):
    """Adds the client address to the who/where that django-pghistory stores with every change."""

    def get_context(self, request):
        context = super().get_context(request)
        context["ip"] = client_address(request)
        return context


ID_NUMBER = re.compile(r"\d{17}[\dXx]|\d{15}")
MOBILE = re.compile(r"(?<!\d)1\d{10}(?!\d)")


def masked_query(query: str) -> str:
    """The query string as a person reads it, with ID numbers and mobile numbers masked (searches may carry them)."""
    text = unquote_plus(query)
    text = ID_NUMBER.sub(lambda m: mask_id_number(m.group()), text)
    return MOBILE.sub(lambda m: mask_phone(m.group()), text)[:500]


class ExportLogMiddleware:
    """Every .xlsx a user downloads is recorded: who, which list, which filter, how many rows (等保 audit)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if response.status_code == 200 and response.get("Content-Type", "") == XLSX and user and user.is_authenticated:
            from guanghan.models import ExportRecord

            disposition = response.get("Content-Disposition", "")
            filename = unquote_plus(disposition.partition("filename*=UTF-8''")[2]) if disposition else ""
            ExportRecord.objects.create(
                user=user,
                path=request.path[:200],
                query=masked_query(request.META.get("QUERY_STRING", "")),
                filename=filename[:200],
                rows=getattr(response, "export_rows", None),
                address=client_address(request),
            )
        return response
