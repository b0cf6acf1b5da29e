"""The limits and rates an operator tunes, each read from the environment (the README lists
every variable): sizes, sockets, back-pressure, uploads, throttles, payments, logins.
`base` takes them all; they sit apart from how Django is wired."""

import environ

_env = environ.Env()

# --- Limits (every one tunable from the environment) ---------------------------
MESSAGE_MAX_LENGTH = _env.int("MESSAGE_MAX_LENGTH", default=4000)
REQUEST_MAX_BYTES = _env.int("REQUEST_MAX_BYTES", default=256 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BYTES
WS_MAX_FRAME_BYTES = _env.int("WS_MAX_FRAME_BYTES", default=64 * 1024)
WS_MAX_FRAMES_PER_SECOND = _env.int("WS_MAX_FRAMES_PER_SECOND", default=20)
# Open sockets per user across all processes (tabs, devices); one more is closed with 4029.
WS_MAX_SOCKETS_PER_USER = _env.int("WS_MAX_SOCKETS_PER_USER", default=20)
PRESENCE_TTL_SECONDS = _env.int("PRESENCE_TTL_SECONDS", default=45)
# Back-pressure (docs/api.md, "Back-pressure"): a socket is cut (close 4013) with this many
# frames waiting for it, or when none was written for this long while others waited.
WS_SEND_QUEUE_FRAMES = _env.int("WS_SEND_QUEUE_FRAMES", default=1000)
WS_SEND_STALL_SECONDS = _env.float("WS_SEND_STALL_SECONDS", default=10.0)
# A process whose events reach it later than this after their publish is overloaded:
# sends are refused with 429 "overloaded" until it has been on time for the hold.
DELIVERY_LAG_LIMIT_MS = _env.int("DELIVERY_LAG_LIMIT_MS", default=300)
DELIVERY_OVERLOAD_HOLD_MS = _env.int("DELIVERY_OVERLOAD_HOLD_MS", default=1000)
CONVERSATION_MAX_PARTICIPANTS_LIMIT = _env.int(
    "CONVERSATION_MAX_PARTICIPANTS_LIMIT", default=100_000
)
CONVERSATION_MAX_ADD_PER_REQUEST = _env.int("CONVERSATION_MAX_ADD_PER_REQUEST", default=100)
# Different emoji on one message (an emoji already on it can always be added to).
REACTION_MAX_EMOJI_PER_MESSAGE = _env.int("REACTION_MAX_EMOJI_PER_MESSAGE", default=20)
PINS_MAX_PER_CONVERSATION = _env.int("PINS_MAX_PER_CONVERSATION", default=50)

# --- Uploads: attachments and avatars (docs/api.md, "Uploads and attachments") ---
# One file's largest size (attachments and avatars); a bigger body is refused with 413
# before it is parsed, and nothing is stored.
UPLOAD_MAX_BYTES = _env.int("UPLOAD_MAX_BYTES", default=25 * 1024 * 1024)
# What one user's uploads may take together (attachments not yet purged).
UPLOAD_QUOTA_BYTES = _env.int("UPLOAD_QUOTA_BYTES", default=1024 * 1024 * 1024)
# The most pixels an image may decode to (all frames of an animation together): larger
# ones, decompression bombs among them, are refused before they are decoded.
UPLOAD_MAX_PIXELS = _env.int("UPLOAD_MAX_PIXELS", default=50_000_000)
# An upload not attached to a message within this many seconds is purged
# (`manage.py purge_attachments`, run from cron) and can no longer be attached.
UPLOAD_UNUSED_TTL = _env.int("UPLOAD_UNUSED_TTL", default=24 * 3600)
# How long a signed attachment URL works at least (it may work up to 10 minutes longer:
# URLs are stable within a 10-minute window so that browsers can cache them).
ATTACHMENT_URL_MAX_AGE = _env.int("ATTACHMENT_URL_MAX_AGE", default=3600)
# When a front proxy serves protected files: the internal location prefix it maps to the
# storage (nginx `internal;`), e.g. "/protected-files/". Empty: Django streams the bytes.
FILES_ACCEL_REDIRECT_PREFIX = _env("FILES_ACCEL_REDIRECT_PREFIX", default="")

THROTTLE_RATES = {
    "anon": _env("THROTTLE_ANON", default="120/min"),
    "user": _env("THROTTLE_USER", default="1200/min"),
    "register": _env("THROTTLE_REGISTER", default="20/hour"),
    "login_ip": _env("THROTTLE_LOGIN_IP", default="30/min"),
    # Password reset requests per client address (REST and web), and the mails one
    # address may get (more requests for it are dropped without a word: accounts/password_reset.py).
    "password_reset": _env("THROTTLE_PASSWORD_RESET", default="10/hour"),
    "password_reset_email": _env("THROTTLE_PASSWORD_RESET_EMAIL", default="3/hour"),
    # Failed logins before the backoff of accounts.login_guard starts: per account and
    # address, and per account from addresses that never logged into it.
    "login_account_ip": _env("THROTTLE_LOGIN_ACCOUNT_IP", default="5/hour"),
    "login_username": _env("THROTTLE_LOGIN_USERNAME", default="20/hour"),
    "message_send": _env("THROTTLE_MESSAGE_SEND", default="30/10s"),
    "friend_request": _env("THROTTLE_FRIEND_REQUEST", default="50/hour"),
    "report": _env("THROTTLE_REPORT", default="30/hour"),
    "upload": _env("THROTTLE_UPLOAD", default="120/hour"),
    # Money transfers per user (POST /api/payments/transfers); a replay is never refused.
    "transfer": _env("THROTTLE_TRANSFER", default="20/min"),
    # Posts per incoming webhook (POST /api/hooks/{secret}), over the bot's message rate.
    "webhook": _env("THROTTLE_WEBHOOK", default="60/min"),
}

# --- Payments (docs/api.md, "Payments") ------------------------------------------
# The currencies the ledger keeps, ISO 4217 code -> exponent (minor units per major unit
# are 10**exponent: 1050 EUR cents are 10.50 EUR, 1050 JPY are 1050 yen). Amounts are
# integers in minor units everywhere; a code not listed here is refused (400).
PAYMENTS_CURRENCIES = {
    "EUR": 2,
    "USD": 2,
    "GBP": 2,
    "CHF": 2,
    "SEK": 2,
    "JPY": 0,
    "KWD": 3,
}
# The currency of a transfer that names none, and of the wallet page.
PAYMENTS_CURRENCY = _env("PAYMENTS_CURRENCY", default="EUR")
# Limits in *major* units of the transfer's currency (1000 is 1,000.00 EUR or 1,000 JPY):
# one transfer, what one sender may send in any 24 hours, and one issue by staff.
PAYMENTS_TRANSFER_LIMIT = _env.int("PAYMENTS_TRANSFER_LIMIT", default=1000)
PAYMENTS_DAILY_LIMIT = _env.int("PAYMENTS_DAILY_LIMIT", default=5000)
PAYMENTS_ISSUE_LIMIT = _env.int("PAYMENTS_ISSUE_LIMIT", default=1_000_000)

LOGIN_BACKOFF_MAX_SECONDS = _env.int("LOGIN_BACKOFF_MAX_SECONDS", default=900)
LOGIN_KNOWN_IP_DAYS = _env.int("LOGIN_KNOWN_IP_DAYS", default=30)
# POST /api/messages from API clients (JSON, Bearer token) skips DRF's machinery with the
# same answers (messaging/api/send.py); false sends every request through the DRF view.
LEAN_SEND_PATH = _env.bool("LEAN_SEND_PATH", default=True)
