from pghistory.middleware import HistoryMiddleware


class AuditContextMiddleware(HistoryMiddleware):
    """Adds the client address to the who/where that django-pghistory stores with every change."""

    def get_context(self, request):
        context = super().get_context(request)
        context["ip"] = request.META.get("REMOTE_ADDR")
        return context
