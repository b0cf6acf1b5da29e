from django.db.models import Q, QuerySet

from .models import ApiToken, Notification, User

USER_SEARCH_LIMIT = 20
#: The one not-found for a user id: unknown, and (where only active users count) disabled.
USER_NOT_FOUND = "User not found."


def user_search(*, query: str, exclude_user: User | None = None) -> QuerySet[User]:
    """Active users whose username or display name starts with `query` (max 20)."""
    query = (query or "").strip()
    qs = User.objects.filter(is_active=True)
    if query:
        qs = qs.filter(Q(username__istartswith=query) | Q(display_name__istartswith=query))
    if exclude_user is not None:
        qs = qs.exclude(pk=exclude_user.pk)
    return qs.order_by("username")[:USER_SEARCH_LIMIT]


def user_get_active(*, user_id: int) -> User:
    return User.objects.get(pk=user_id, is_active=True)


def bot_list_for_owner(*, owner: User) -> QuerySet[User]:
    """The bot accounts `owner` made (not webhooks' bots), still active, oldest first."""
    return User.objects.filter(bot_owner=owner, is_bot=True, is_active=True, webhook=None).order_by(
        "id"
    )


def bot_token_list(*, bot: User) -> QuerySet[ApiToken]:
    """A bot's tokens not revoked, newest first (`bot` as `bot_get_managed` returned it)."""
    return ApiToken.objects.filter(user=bot, revoked_at__isnull=True).order_by("-id")


def notification_list_for_user(*, user: User, unread: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first, with their actors (one query per page)."""
    qs = Notification.objects.filter(recipient=user).select_related("actor").order_by("-id")
    if unread:
        qs = qs.filter(is_read=False)
    return qs


def notification_unread_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, is_read=False).count()
