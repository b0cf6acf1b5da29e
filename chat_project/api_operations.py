"""What the OpenAPI schema tells clients about each operation: a summary and a description.

Views' docstrings are notes for the people who maintain them (why the code is as it is);
drf-spectacular would publish them as descriptions, so the schema class reads these
instead (`chat_project.openapi.AutoSchema`). An operation's own `extend_schema(summary=,
description=)` wins over this table. `chat_project/tests/test_openapi.py` checks that every
operation has both and that none reads like a developer's note.

Keyed by operationId; plain strings only (this module imports no app).
"""

#: operationId -> (summary, description). Descriptions are for clients: what the call
#: does, who may, and what else happens (events); the errors are listed per status.
OPERATIONS: dict[str, tuple[str, str]] = {
    # --- accounts: password reset, two-factor, leaving, push, status --------------------
    "auth_password_reset_create": (
        "Ask for a password reset link",
        "Mails a reset link to the account with this address, if there is one. The answer "
        "is the same whether or not an account has the address (no enumeration); requests "
        "are limited per client and per address.",
    ),
    "auth_password_reset_confirm_create": (
        "Set a new password from a reset link",
        "Takes the `uid` and `token` of a mailed link and the new password. The link works "
        "once; every session, refresh token and socket of the account ends.",
    ),
    "auth_two_factor_retrieve": (
        "Two-factor sign-in status",
        "Whether two-factor sign-in is on, a set-up is pending, and how many recovery codes "
        "are left.",
    ),
    "auth_two_factor_totp_create": (
        "Start two-factor set-up",
        "Returns a new authenticator secret, its otpauth URL and a QR code. Confirm it with "
        "a code from the authenticator.",
    ),
    "auth_two_factor_totp_confirm_create": (
        "Confirm two-factor set-up",
        "Turns two-factor sign-in on with a code from the authenticator and returns ten "
        "recovery codes, shown once. From then on logging in needs a code (`otp`).",
    ),
    "auth_two_factor_recovery_codes_create": (
        "New recovery codes",
        "With the password: ten new recovery codes; the old ones stop working.",
    ),
    "auth_two_factor_disable_create": (
        "Turn two-factor sign-in off",
        "With the password: removes the authenticator and the recovery codes.",
    ),
    "account_export_create": (
        "Export your data",
        "Starts building a JSON archive of everything of yours (profile, friends, messages, "
        "files, reactions, notifications, payments). An `export_ready` event and a "
        "notification say when it can be downloaded.",
    ),
    "account_exports_list": ("Your data exports", "Your exports, newest first, with status."),
    "account_exports_retrieve": ("One data export", "One of your exports and its status."),
    "account_exports_download_retrieve": (
        "Download a data export",
        "The archive of a finished export, to its owner only, until it expires.",
    ),
    "account_delete_create": (
        "Delete your account",
        "With the password: logs you out everywhere, erases your personal data, ends your "
        "friendships and memberships; your messages stay, shown from a deleted user.",
    ),
    "push_key_retrieve": (
        "Web push public key",
        "The server's VAPID public key for `PushManager.subscribe`, and whether push is on.",
    ),
    "push_subscriptions_list": ("Your push devices", "The browsers that receive your pushes."),
    "push_subscriptions_create": (
        "Subscribe a browser to web push",
        "Registers what `PushManager.subscribe()` returned. Pushes go to it while you have "
        "no open socket.",
    ),
    "push_subscriptions_destroy": (
        "Remove a push device",
        "That browser receives no more pushes.",
    ),
    "users_me_status_retrieve": (
        "Your status",
        "Your chosen status (online, away, do not disturb, invisible) as friends see it.",
    ),
    "users_me_status_update": (
        "Set your status",
        "Friends see the new status at once (never across a block); do not disturb "
        "silences every alert, invisible appears offline.",
    ),
    "conversations_notifications_retrieve": (
        "Your notification level here",
        "Your level (all, mentions, nothing) and mute for this conversation.",
    ),
    "conversations_notifications_update": (
        "Set your notification level here",
        'Set the level and/or mute (`muted_until`: a time, "forever" or null). Your other '
        "devices get `notification_settings_changed`; unread counts are unchanged.",
    ),
    # --- accounts -----------------------------------------------------------------------
    "auth_register_create": (
        "Register an account",
        "Creates an account and answers with it. An `email` is not set at once: its owner "
        "is mailed a link to confirm it (`POST /api/auth/email/confirm`), so the answer "
        "never tells whether an address is taken. Log in afterwards.",
    ),
    "auth_email_confirm_create": (
        "Confirm an email address",
        "Puts the address of a mailed confirmation link on its account. A link is single "
        "purpose and goes stale when the account's address changes.",
    ),
    "auth_login_create": (
        "Log in",
        "Exchanges a username (or email) and password for a JWT pair. Send the access "
        "token as `Authorization: Bearer <access_token>`; renew it with "
        "`POST /api/auth/refresh`. Repeated failures slow down further tries (429).",
    ),
    "auth_refresh_create": (
        "Refresh the access token",
        "Exchanges a refresh token for a new pair. The refresh token rotates: the one sent "
        "stops working.",
    ),
    "auth_logout_create": (
        "Log out",
        "Revokes the refresh token, and the access token of the `Authorization` header: "
        "both are refused from now on (REST and WebSocket).",
    ),
    "auth_me_retrieve": ("Your account", "Your own account, with your email."),
    "auth_me_partial_update": (
        "Update your profile",
        "Changes your display name, bio or email. A new email takes effect once confirmed "
        'through the mailed link; `""` removes it at once. People who can see you get '
        "`user_updated`.",
    ),
    "auth_password_create": (
        "Change your password",
        "Needs the current password. Every refresh token of yours is revoked and your "
        "other WebSockets close.",
    ),
    "auth_ws_ticket_create": (
        "Get a WebSocket ticket",
        "A single-use ticket valid for about 30 seconds, for `/ws/?ticket=<ticket>`: how "
        "clients that cannot set a header on the handshake (browsers) authenticate.",
    ),
    "users_list": (
        "Find people",
        "Active users whose username or display name starts with `search` (at most 20), not you.",
    ),
    "users_me_avatar_update": (
        "Set your avatar",
        "Upload an image (multipart, field `file`); the centre square is kept in two "
        "sizes. Everyone who can see you gets `user_updated`.",
    ),
    "users_me_avatar_destroy": (
        "Remove your avatar",
        "Clients show your initial instead. Everyone who can see you gets `user_updated`.",
    ),
    "notifications_list": (
        "List your notifications",
        "Newest first; `unread=true` for the unread ones only. Paged with `limit` and `offset`.",
    ),
    "notifications_read_create": (
        "Mark a notification read",
        "Idempotent: answers the notification with `is_read: true`.",
    ),
    "notifications_read_all_create": (
        "Mark every notification read",
        "Every unread notification of yours is read.",
    ),
    "notifications_unread_count_retrieve": (
        "Count unread notifications",
        "The number the bell shows.",
    ),
    # --- friends ------------------------------------------------------------------------
    "friends_list": (
        "List your friends",
        "With their email and whether they are online now.",
    ),
    "friends_destroy": (
        "Unfriend",
        "Ends the friendship; both get `friend_removed`. Either may ask again later.",
    ),
    "friends_request_create": (
        "Send a friend request",
        "Asks `username` to be friends: `201` with the new request. If they already asked "
        "you, this accepts their request instead (`200`). The receiver gets a "
        "`friend_request` event and notification.",
    ),
    "friends_requests_list": (
        "List pending friend requests",
        "`direction=incoming` (the default) or `outgoing`.",
    ),
    "friends_requests_destroy": (
        "Cancel a friend request",
        "The requester withdraws a pending request.",
    ),
    "friends_requests_accept_create": (
        "Accept a friend request",
        "The receiver accepts; the requester gets `friend_request_accepted`.",
    ),
    "friends_requests_accept_update": (
        "Accept a friend request (PUT)",
        "The same as `POST .../accept`.",
    ),
    "friends_requests_reject_create": (
        "Decline a friend request",
        "The receiver declines; it may be sent again later.",
    ),
    "friends_requests_reject_update": (
        "Decline a friend request (PUT)",
        "The same as `POST .../reject`.",
    ),
    "users_retrieve": (
        "A person's profile",
        "One person as you see them: names, picture, bio, whether you are friends (with "
        "presence, for friends only), whether you block them and any pending request "
        "between you. Never an email.",
    ),
    "users_block_create": (
        "Block a user",
        "`201` when new, `200` when already blocked. Ends any friendship and pending "
        "requests; neither sees the other's presence, direct messages and invitations "
        "are refused.",
    ),
    "users_block_destroy": ("Unblock a user", "The block ends; a friendship does not return."),
    "blocks_list": ("List the users you block", "Newest first."),
    # --- conversations ------------------------------------------------------------------
    "conversations_list": (
        "List your conversations",
        "Direct chats, groups and rooms you are in, most recent activity first, each with "
        "its last message and your unread counts.",
    ),
    "conversations_create": (
        "Start a conversation",
        "A direct chat with one friend (`201` new, `200` the existing one), or a group "
        "with friends (`201`; you are its owner). Members get `conversation_created`.",
    ),
    "conversations_retrieve": ("A conversation", "One conversation you are a member of."),
    "conversations_partial_update": (
        "Update a group",
        "Name, description, visibility and member limit; admins only. Members get "
        "`conversation_updated` and a system line.",
    ),
    "conversations_destroy": (
        "Delete a group",
        "The owner deletes the group and its messages; members get `conversation_deleted`.",
    ),
    "conversations_members_create": (
        "Add members",
        "An admin adds friends (or bots they own); those already in are skipped. Each new "
        "member gets `conversation_created` and a notification.",
    ),
    "conversations_members_partial_update": (
        "Change a member's role",
        "The owner makes a member an admin, or an admin a member; members get "
        "`member_role_changed`.",
    ),
    "conversations_members_destroy": (
        "Remove a member",
        "Admins remove members (the owner also admins); the removed user's sockets stop "
        "receiving the conversation at once.",
    ),
    "conversations_transfer_ownership_create": (
        "Hand over ownership",
        "The owner makes another member the owner and stays on as an admin.",
    ),
    "conversations_leave_create": (
        "Leave a group",
        "The owner leaving hands ownership to the oldest admin, else the oldest member; "
        "the last member leaving deletes the group.",
    ),
    "conversations_join_create": (
        "Join a public room",
        "Anyone not banned may join while the room is not full. Already a member: the same answer.",
    ),
    "conversations_public_list": (
        "List public rooms",
        "Rooms anyone may find and join, most active first; `search` filters by name. "
        "Paged with `limit` and `offset`.",
    ),
    "conversations_preview_retrieve": (
        "Preview a public room",
        "A room's summary and its newest messages, for anyone logged in, before joining.",
    ),
    "conversations_avatar_update": (
        "Set a group's picture",
        "Admins upload an image (multipart, field `file`); members get `conversation_updated`.",
    ),
    "conversations_avatar_destroy": (
        "Remove a group's picture",
        "Admins only; members get `conversation_updated`.",
    ),
    "conversations_bans_list": ("List a group's bans", "Newest first; admins only."),
    "conversations_bans_create": (
        "Ban a user from a group",
        "Removes them if they are a member; they cannot join, be added or use a link until "
        "the ban is lifted.",
    ),
    "conversations_bans_destroy": (
        "Lift a ban",
        "The user may come back; they are not added back.",
    ),
    "conversations_invites_list": (
        "List a group's invite links",
        "The links not revoked, newest first; admins only.",
    ),
    "conversations_invites_create": (
        "Create an invite link",
        "Optionally expiring and limited in uses; whoever opens it may join the group.",
    ),
    "conversations_invites_destroy": (
        "Revoke an invite link",
        "Nobody joins through it any more.",
    ),
    "invites_retrieve": (
        "Preview an invite link",
        "The group's name, picture and size, for anyone logged in; a link that is over "
        "says why (`410`).",
    ),
    "invites_join_create": (
        "Join through an invite link",
        "Joins the link's group; a member already in gets the same answer and uses nothing up.",
    ),
    "conversations_read_create": (
        "Mark read",
        "Moves your read marker up to `message_id`; your unread count drops and the other "
        "members get `read`.",
    ),
    "conversations_read_positions_list": (
        "How far each member has read",
        'For "seen by": each member\'s last read message, oldest member first; people you '
        "block or who block you are left out.",
    ),
    "conversations_pins_list": (
        "List pinned messages",
        "Most recently pinned first.",
    ),
    "conversations_changes_retrieve": (
        "Catch up on changes",
        "Every message changed after the cursor `since` — new, edited, deleted, reacted "
        "to, pinned — once each, as it is now. Ask again with the returned `cursor` while "
        "`has_more`.",
    ),
    # --- messages -----------------------------------------------------------------------
    "messages_create": (
        "Send a message",
        "Stores the message and sends `new_message` to every member. Give each message a "
        "fresh `client_id` (a UUID) and reuse it only to retry that same message: a retry "
        "with the same `client_id` answers the first message (`200`) instead of sending "
        "it twice.",
    ),
    "messages_retrieve": (
        "A message",
        "One message of a conversation you are in (fresh attachment URLs included).",
    ),
    "messages_partial_update": (
        "Edit a message",
        "The sender changes the text; members get `message_updated`.",
    ),
    "messages_destroy": (
        "Delete a message",
        "The sender, or an admin of the group; it keeps its place with empty text. Members "
        "get `message_deleted`.",
    ),
    "messages_conversation_list": (
        "A conversation's history",
        "Oldest first. Without a cursor the newest `limit` messages; `before`, `after`, "
        "`skip` or `around` (one at a time) page from there.",
    ),
    "messages_search_list": (
        "Search messages",
        "Full-text search over your own conversations (or one, with `conversation_id`), "
        "best match first; deleted messages never match.",
    ),
    "messages_reactions_list": (
        "Who reacted",
        "Each reaction with its user, oldest first; `emoji` filters. Paged with `limit` "
        "and `offset`.",
    ),
    "messages_reactions_update": (
        "React",
        "Adds your reaction (`201`; `200` if you had it); members get `reaction_added`.",
    ),
    "messages_reactions_destroy": (
        "Take back a reaction",
        "`204` also when you had none; members get `reaction_removed`.",
    ),
    "messages_pin_update": (
        "Pin a message",
        "Idempotent; members get `message_pinned`. In groups, admins only.",
    ),
    "messages_pin_destroy": (
        "Unpin a message",
        "Idempotent; members get `message_unpinned`.",
    ),
    "messages_report_create": (
        "Report a message",
        "Sends a message of one of your conversations to the moderators, with a reason; "
        "its text at this moment is kept for them.",
    ),
    "users_report_create": (
        "Report a user",
        "Sends a user to the moderators, with a reason.",
    ),
    "uploads_create": (
        "Upload a file",
        "Multipart, field `file`. Attach the answer's `id` to a message "
        "(`attachment_ids`) within `UPLOAD_UNUSED_TTL` (a day by default), or it is purged.",
    ),
    "uploads_destroy": (
        "Delete an upload",
        "Your own upload that no message has taken yet.",
    ),
    # --- payments -----------------------------------------------------------------------
    "payments_transfers_create": (
        "Send money to a friend",
        "Amounts are integers in minor units of the currency. The transfer is posted into "
        "your direct chat; both get `wallet_updated`. The same `idempotency_key` with the "
        "same body answers the first transfer (`200`).",
    ),
    "payments_transfers_retrieve": (
        "A transfer",
        "One transfer you sent or received.",
    ),
    "payments_wallet_retrieve": (
        "Your wallet",
        "Your balance in each currency, with the limits on sending it.",
    ),
    "payments_transactions_list": (
        "Your transactions",
        "Newest first: money in (positive) and out (negative). Keyset pages: `before=` the "
        "last `id` you have.",
    ),
}
