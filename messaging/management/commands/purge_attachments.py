"""`manage.py purge_attachments`: delete the files nobody can reach any more.

The worker runs the same every hour (`messaging.tasks.attachments_purge`); this command
is for a run by hand or from cron where no worker runs:
uploads never attached within UPLOAD_UNUSED_TTL, and the attachments of deleted, redacted
or vanished messages — rows and files (docs/api.md, "Uploads and attachments").
"""

from typing import Any

from django.core.management.base import BaseCommand

from messaging import services


class Command(BaseCommand):
    help = "Delete unattached uploads older than UPLOAD_UNUSED_TTL and files of deleted messages."

    def handle(self, *args: Any, **options: Any) -> None:
        removed = services.attachments_purge()
        self.stdout.write(f"Purged {removed} attachment(s).")
