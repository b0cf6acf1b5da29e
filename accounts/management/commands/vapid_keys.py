"""`manage.py vapid_keys`: a new VAPID key pair for web push, as environment lines."""

from typing import Any

from django.core.management.base import BaseCommand

from chat_project.vapid import generate_key_pair


class Command(BaseCommand):
    help = (
        "Print a new VAPID key pair for web push as VAPID_PUBLIC_KEY/VAPID_PRIVATE_KEY lines "
        "for .env. Keep the pair for the life of the deployment: a new pair ends every "
        "browser's subscription (people enable push again)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        public, private = generate_key_pair()
        self.stdout.write(f"VAPID_PUBLIC_KEY={public}\nVAPID_PRIVATE_KEY={private}\n")
