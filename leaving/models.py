from django.conf import settings
from django.db import models


class Export(models.Model):
    """One archive of everything a user put into the chat (`leaving.archive`), built in the
    background and downloadable by its owner until `expires_at`.

    The file lives in Django's storage (`file` is its storage name, "" until built or once
    purged); it is served only through the owner-checked download view.
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        READY = "ready"
        FAILED = "failed"
        EXPIRED = "expired"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exports"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    file = models.CharField(max_length=255, blank=True, default="")
    size = models.BigIntegerField(default=0, help_text="Bytes of the archive.")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Build attempts so far (the task retries a failure with backoff)."
    )

    class Meta:
        ordering = ["-id"]
        indexes = [
            # A user's exports, newest first (the list and "is one being built?").
            models.Index(fields=["user", "-id"], name="leaving_export_user_idx"),
        ]
        constraints = [
            # One archive being built per user at a time: a second click reuses it.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="pending"),
                name="leaving_export_one_pending_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"export {self.pk} of {self.user_id} ({self.status})"
