"""The access log of sensitive reads (unmasked ID numbers and phones)."""

from guanghan.lib.client_address import client_address
from guanghan.models import SensitiveRead


def sensitive_read_record(*, request, obj, fields: str, reason: str = "") -> SensitiveRead:
    return SensitiveRead.objects.create(
        user=request.user,
        subject=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_name=str(obj)[:60],
        fields=fields,
        reason=reason[:200],
        address=client_address(request),
    )
