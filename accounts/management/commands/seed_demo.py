"""`make demo`: a few users so a newcomer has something to look at."""

from django.core.management.base import BaseCommand

from accounts.models import User
from accounts.services import user_profile_update, user_register

DEMO_PASSWORD = "demo-pass-123"
DEMO_USERS = [("alice", "Alice"), ("bob", "Bob"), ("carol", "Carol")]


class Command(BaseCommand):
    help = "Create demo users (alice, bob, carol; password demo-pass-123)."

    def handle(self, *args: object, **options: object) -> None:
        users = {}
        for username, display_name in DEMO_USERS:
            user = User.objects.filter(username__iexact=username).first()
            if user is None:
                user = user_register(
                    username=username, email=f"{username}@example.com", password=DEMO_PASSWORD
                )
                user_profile_update(user=user, display_name=display_name)
            users[username] = user
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo users: {', '.join(users)} (password {DEMO_PASSWORD!r}). "
                "Log in at http://127.0.0.1:8000/"
            )
        )
