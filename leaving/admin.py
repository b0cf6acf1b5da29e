from django.contrib import admin

from .models import Export


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    """Read-only: who asked for an archive and when (the file is only for its owner)."""

    list_display = ["id", "user", "status", "attempts", "size", "created_at", "expires_at"]
    list_filter = ["status"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    readonly_fields = [
        "user",
        "status",
        "attempts",
        "file",
        "size",
        "created_at",
        "finished_at",
        "expires_at",
    ]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
