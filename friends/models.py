from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Greatest, Least


class Friendship(models.Model):
    """A friend request and, once accepted, the friendship itself (one row per ordered pair)."""

    class Status(models.TextChoices):
        PENDING = "pending"
        ACCEPTED = "accepted"
        REJECTED = "rejected"

    LIVE_STATUSES = (Status.PENDING, Status.ACCEPTED)

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="friend_requests_sent"
    )
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="friend_requests_received"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(requester=F("receiver")), name="friends_friendship_no_self"
            ),
            models.UniqueConstraint(
                fields=["requester", "receiver"], name="friends_friendship_ordered_pair_unique"
            ),
            # No two live (pending/accepted) relations for one unordered pair.
            models.UniqueConstraint(
                Least("requester", "receiver"),
                Greatest("requester", "receiver"),
                condition=Q(status__in=["pending", "accepted"]),
                name="friends_friendship_live_pair_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["receiver", "status"], name="friends_receiver_status_idx"),
            models.Index(fields=["requester", "status"], name="friends_requester_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.requester_id} -> {self.receiver_id} ({self.status})"


class Block(models.Model):
    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_made"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_received"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(blocker=F("blocked")), name="friends_block_no_self"
            ),
            models.UniqueConstraint(fields=["blocker", "blocked"], name="friends_block_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"
