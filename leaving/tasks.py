"""Background work of the leaving app, on chat_project.tasks (retries with backoff; the
immediate backend runs it inline after commit, the database one in the worker)."""

from chat_project.tasks import background, can_defer

from . import services

#: Attempts at building one archive: a failure (storage down, the database gone for a
#: moment) is tried again after 60 s, then 120 s; the last failure marks the export failed.
EXPORT_ATTEMPTS = 3


@background(attempts=EXPORT_ATTEMPTS, backoff=60)
def build_export(export_id: int) -> None:
    """Build one export (`services.export_build`). A failed attempt raises, so the task
    admin shows it (retried, or given up); a backend that cannot retry (the immediate one)
    gets one attempt, which therefore marks the export failed."""
    services.export_build(
        export_id=export_id, attempts=EXPORT_ATTEMPTS if can_defer(build_export) else 1
    )
