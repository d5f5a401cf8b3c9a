from django.contrib import admin

from administration.models import AdminAction
from guanghan.admin import LogAdmin


@admin.register(AdminAction)
class AdminActionAdmin(LogAdmin):
    list_display = ["at", "by", "kind", "target_name", "detail", "address"]
    list_filter = ["kind", "at"]
    list_select_related = ["by", "target"]
    search_fields = ["target_name", "detail", "by__username", "by__display_name", "address"]
