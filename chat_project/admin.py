"""The background tasks in the admin: django-tasks-db's read-only list, plus what an
operator asks of a failed task — which attempt it was, whether it was retried or given up
(`chat_project.tasks`), and "run again" for the given-up ones (superusers)."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from chat_project import tasks

RETRY = "chat_project.tasks.RetryScheduled"


class OutcomeFilter(admin.SimpleListFilter):
    title = _("outcome")
    parameter_name = "outcome"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("gave_up", _("failed, gave up")), ("retried", _("failed, retried"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "gave_up":
            return queryset.filter(status="FAILED").exclude(exception_class_path=RETRY)
        if self.value() == "retried":
            return queryset.filter(status="FAILED", exception_class_path=RETRY)
        return queryset


admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(DBTaskResultAdmin):
    list_display = (  # type: ignore[assignment]
        "task_name",
        "status",
        "attempt",
        "outcome",
        "enqueued_at",
        "run_after",
        "started_at",
        "finished_at",
        "queue_name",
    )
    list_filter = ("status", OutcomeFilter, "queue_name")  # type: ignore[assignment]
    search_fields = ("task_path", "id")
    actions = ["run_again"]

    @admin.display(description=_("attempt"))
    def attempt(self, obj: DBTaskResult) -> str:
        kwargs = (obj.args_kwargs or {}).get("kwargs", {})
        number = int(kwargs.get(tasks.ATTEMPT, 1))
        policy = tasks.POLICIES.get(obj.task_path)
        return f"{number}/{policy.attempts}" if policy else str(number)

    @admin.display(description=_("outcome"))
    def outcome(self, obj: DBTaskResult) -> str:
        if obj.status != "FAILED":
            return "-"
        return str(_("retried") if obj.exception_class_path == RETRY else _("gave up"))

    def has_run_again_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    @admin.action(description=_("Run the selected failed tasks again"), permissions=["run_again"])
    def run_again(self, request: HttpRequest, queryset: QuerySet[DBTaskResult]) -> None:
        """A fresh first attempt of each task that gave up (same arguments)."""
        count = 0
        for row in queryset.filter(Q(status="FAILED") & ~Q(exception_class_path=RETRY)):
            kwargs = dict(row.args_kwargs["kwargs"])
            kwargs.pop(tasks.ATTEMPT, None)
            row.task.using(run_after=None).enqueue(*row.args_kwargs["args"], **kwargs)
            count += 1
        self.message_user(
            request,
            ngettext("%d task queued again.", "%d tasks queued again.", count) % count,
            messages.SUCCESS,
        )
