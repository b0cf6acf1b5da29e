"""Delete the files of data exports past their expiry (cron, or the task worker's schedule).

A new export request purges its owner's expired ones anyway; this reaches everyone's."""

from typing import Any

from django.core.management.base import BaseCommand

from leaving import services


class Command(BaseCommand):
    help = "Delete the files of data exports past their expiry (EXPORT_RETENTION_DAYS)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = services.exports_purge_expired()
        self.stdout.write(f"{count} expired export(s) purged.")
