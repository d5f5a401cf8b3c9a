"""The address a request came from, for the login lockout and the audit trail.

Behind N trusted proxies (TRUSTED_PROXY_COUNT), the client is the N-th address from the right of X-Forwarded-For:
the entries to its left were written by the client itself and can be forged, so they are never read.
"""

from django.conf import settings


def client_address(request) -> str | None:
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR")
