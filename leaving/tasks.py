"""Background work of the leaving app (Django's tasks framework: the immediate backend
runs it inline after commit, a worker backend in its own process)."""

from django.tasks import task

from . import services


@task
def build_export(export_id: int) -> None:
    services.export_build(export_id=export_id)
