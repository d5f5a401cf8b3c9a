from pghistory.middleware import HistoryMiddleware

from guanghan.lib.client_address import client_address


class AuditContextMiddleware(HistoryMiddleware):
    """Adds the client address to the who/where that django-pghistory stores with every change."""

    def get_context(self, request):
        context = super().get_context(request)
        context["ip"] = client_address(request)
        return context
