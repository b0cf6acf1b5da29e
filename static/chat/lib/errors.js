// What the web UI tells the user when the server refuses something, in the user's language.
//
// The API answers in English always (docs/api.md: `{"detail", "code"}`, or DRF's field
// errors `{"field": ["…"]}`), so the UI does not show that English to a Vietnamese user:
// every error the UI shows goes through errorText() (ApiError builds its message with it;
// WebSocket refusals of a send are retried over REST and land here too). It looks, in order:
//   1. a sentence the server writes with a value in it (a mute's end, a limit), by its
//      pattern — the value is shown in the user's language where it is a time;
//   2. the server's exact sentence, for codes that cover several (`permission_denied`,
//      `not_found`, `banned`, `limit_exceeded`): the wording keeps what the server said;
//   3. the `code`, for codes with one meaning (`already_friends`, `throttled` …);
//   4. for the generic codes, a generic sentence in a language other than English (in
//      English the server's own sentence says more);
//   5. else the server's text as it came, then a sentence from the HTTP status.
// The English sentences below are the server's (tests/test_error_texts.py checks that
// each one is still written somewhere in the Python code, so a reworded server message
// does not silently stop being translated).

import { fullTime } from "./i18n.js";

const english = (document.documentElement.lang || "en").toLowerCase().startsWith("en");

/** Step 1: sentences with a value in them, as the server writes them. */
function byPattern(text) {
  let match = /^You are muted (in this conversation|everywhere) until (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) UTC\.$/.exec(text);
  if (match) {
    const until = fullTime(`${match[2]}T${match[3]}:00Z`);
    return match[1] === "everywhere"
      ? interpolate(gettext("You are muted everywhere until %(time)s."), { time: until }, true)
      : interpolate(gettext("You are muted in this conversation until %(time)s."), { time: until }, true);
  }
  match = /^One transfer may send at most (.+)\.$/.exec(text);
  if (match) return interpolate(gettext("One transfer may send at most %(limit)s."), { limit: match[1] }, true);
  match = /^This transfer would take you over the daily limit of (.+)\.$/.exec(text);
  if (match) return interpolate(gettext("This transfer would take you over the daily limit of %(limit)s."), { limit: match[1] }, true);
  match = /^A conversation can have at most (\d+) pinned messages: unpin one first\.$/.exec(text);
  if (match) {
    const count = Number(match[1]);
    return interpolate(ngettext("A conversation can have at most %(count)s pinned message: unpin one first.", "A conversation can have at most %(count)s pinned messages: unpin one first.", count), { count }, true);
  }
  return null;
}

/** Step 2: the server's exact sentences (English) and what the user reads instead. */
function sentences() {
  return {
    // friends
    "User not found.": gettext("There is no user with this name."),
    "You cannot send a friend request to this user.": gettext("You cannot send a friend request to this person."),
    "You are not friends with this user.": gettext("You are not friends with this person."),
    "You have not blocked this user.": gettext("You have not blocked this person."),
    "Friend request not found.": gettext("This friend request is no longer pending."),
    // conversations
    "Conversation not found.": gettext("This conversation does not exist."),
    "You cannot start a direct chat with this user.": gettext("You cannot start a direct chat with this person."),
    "You can only start a direct chat with a friend.": gettext("You can only start a direct chat with a friend."),
    "You can only add your friends.": gettext("You can only add your friends."),
    "Only an admin of this conversation can do this.": gettext("Only an admin of this conversation can do this."),
    "Only the owner of this conversation can do this.": gettext("Only the owner of this conversation can do this."),
    "You can only do this to members below your role.": gettext("You can only do this to members below your role."),
    "This user is not a member of the conversation.": gettext("This person is not a member of the conversation."),
    "This user is banned from this conversation.": gettext("This person is banned from this conversation."),
    "You are banned from this conversation.": gettext("You are banned from this conversation."),
    "This user is not banned from this conversation.": gettext("This person is not banned from this conversation."),
    "Invite not found.": gettext("This invite link does not exist."),
    // messages
    "Message not found.": gettext("This message no longer exists."),
    "You cannot message this user.": gettext("You cannot message this person."),
    "Only the sender can edit a message.": gettext("Only the sender can edit a message."),
    "Only the sender or a group admin can delete this message.": gettext("Only the sender or a group admin can delete this message."),
    "Only the admins of a group can pin or unpin messages.": gettext("Only the admins of a group can pin or unpin messages."),
    "A deleted message cannot be edited.": gettext("A deleted message cannot be edited."),
    "A deleted message cannot be pinned.": gettext("A deleted message cannot be pinned."),
    "A deleted message cannot be reacted to.": gettext("A deleted message cannot be reacted to."),
    "You cannot report your own message.": gettext("You cannot report your own message."),
    "You cannot report yourself.": gettext("You cannot report yourself."),
    "You cannot block yourself.": gettext("You cannot block yourself."),
    // payments
    "You cannot send money to this user.": gettext("You cannot send money to this person."),
    "You can only send money to a friend.": gettext("You can only send money to a friend."),
    "This transfer would take a balance past what the ledger can hold.": gettext("This transfer would take a balance past what the wallet can hold."),
  };
}

/** Step 3: codes with one meaning. A function gets the error (for Retry-After). */
function codes() {
  return {
    already_friends: gettext("You are already friends with this person."),
    request_pending: gettext("A friend request to this person is already pending."),
    conversation_full: gettext("This conversation is full."),
    invite_revoked: gettext("This invite link was revoked."),
    invite_expired: gettext("This invite link has expired."),
    invite_used_up: gettext("This invite link has been used up."),
    blocked: gettext("You cannot join through this link."),
    banned: gettext("You are banned from this conversation."),
    muted: gettext("You are muted here for now: you cannot send messages."),
    already_reported: gettext("You already have an open report about this."),
    client_id_reused: gettext("This message could not be sent: reload the page and try again."),
    insufficient_funds: gettext("Your balance is too low for this transfer."),
    limit_exceeded: gettext("This transfer is over a limit of your wallet."),
    idempotency_key_reused: gettext("This transfer could not be sent: start it again."),
    export_expired: gettext("This export has expired; request a new one."),
    export_not_ready: gettext("This export is not ready yet."),
    two_factor_enabled: gettext("Two-factor sign-in is already on."),
    two_factor_disabled: gettext("Two-factor sign-in is off."),
    push_disabled: gettext("Push notifications are not available on this server."),
    file_too_large: gettext("This file is too large."),
    quota_exceeded: gettext("Not enough storage left for your files."),
    payload_too_large: gettext("This is too large to send."),
    service_unavailable: gettext("The server is having trouble right now; try again shortly."),
    overloaded: gettext("The server is busy: try again in a moment."),
    throttled: ({ retryAfter }) =>
      retryAfter
        ? interpolate(ngettext("Too many requests: try again in %(seconds)s second.", "Too many requests: try again in %(seconds)s seconds.", retryAfter), { seconds: retryAfter }, true)
        : gettext("Too many requests, slow down a little."),
  };
}

/** Step 4: codes that cover many refusals; the specific ones are in sentences(). */
function generic() {
  return {
    permission_denied: gettext("You are not allowed to do this."),
    not_found: gettext("This no longer exists, or it is not yours to see."),
  };
}

/** One sentence of the server's, in the user's language when we know it (else as it came). */
function translateSentence(text) {
  return byPattern(text) ?? sentences()[text] ?? null;
}

/**
 * The sentence to show for a refusal: `status` (0 for the network), the parsed body
 * (`{detail, code}`, field errors, or null), and `retryAfter` (seconds, from the header).
 */
export function errorText(status, data, { retryAfter = null } = {}) {
  if (data && typeof data === "object" && !Array.isArray(data)) {
    const { detail, code } = data;
    if (typeof detail === "string" || typeof code === "string") {
      const text = typeof detail === "string" ? detail : "";
      const known = translateSentence(text);
      if (known) return known;
      const byCode = codes()[code];
      if (byCode) return typeof byCode === "function" ? byCode({ retryAfter }) : byCode;
      const fallback = generic()[code];
      if (fallback && !(english && text)) return fallback;
      if (text) return text;
    }
    // DRF's field errors carry no codes: the messages as they came, the few we know
    // translated ("non_field_errors" holds a service's sentence such as "You cannot block
    // yourself.").
    const parts = [];
    for (const [field, messages] of Object.entries(data)) {
      if (field === "detail" || field === "code") continue;
      const list = (Array.isArray(messages) ? messages : [messages]).map((m) => translateSentence(String(m)) ?? String(m));
      parts.push(field === "non_field_errors" ? list.join(" ") : `${field}: ${list.join(" ")}`);
    }
    if (parts.length) return parts.join(" ");
  }
  if (status === 0) return gettext("Network error: check your connection.");
  if (status === 413) return gettext("This file is too large.");
  if (status === 429) return codes().throttled({ retryAfter });
  return interpolate(gettext("Request failed (%(status)s)."), { status }, true);
}
