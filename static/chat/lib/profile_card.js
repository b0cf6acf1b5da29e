// The profile card: who someone is, opened from their name or picture anywhere (message
// list, member list, friends). A modal dialog, so the keyboard stays inside it (Tab
// cycles, Esc closes) and the focus goes back to what opened it. It reads
// `GET /api/users/{id}` — names, picture, bio, and what the two of you are to each other —
// and offers what fits: message a friend, add (or accept) a friend, block or unblock, report.
// Presence is shown for friends only (the server tells no one else).

import { api } from "./api.js";
import { personAvatar, personName } from "./avatar.js";
import { blockPerson, unblockPerson } from "./block.js";
import { botTag } from "./bot_tag.js";
import { clear, h, setupDialog, toast } from "./dom.js";
import { openReport } from "./report.js";
import { lastSeenText, presenceLine, presenceText, readConfig } from "./shell.js";

let parts = null;
let current = null; // {profile, options}

function build() {
  const body = h("div", { class: "profile-body" });
  const status = h("p", { class: "profile-status", role: "status" });
  const dialog = setupDialog(
    h(
      "dialog",
      { class: "dialog profile-card", id: "profile-card", "aria-labelledby": "profile-name" },
      body,
      status,
      h("div", { class: "dialog-actions" }, h("button", { type: "button", class: "ghost", "data-close": true, text: gettext("Close") })),
    ),
  );
  document.body.append(dialog);
  dialog.addEventListener("close", () => {
    const opener = current?.options.opener;
    if (opener?.isConnected) opener.focus();
  });
  // The page's presence follows friends live; the card shows the change at once.
  return { dialog, body, status };
}

function presenceOf(profile, presence) {
  if (!profile.is_friend) return null;
  if (presence) return presence.status(profile.id);
  return profile.status || (profile.is_online ? "online" : "offline");
}

/** "Away", or "Last seen 5 min ago" for an offline friend. */
function presenceWords(profile, status, presence) {
  if (presence) return presenceLine(presence, profile.id);
  return (status === "offline" && lastSeenText(profile.last_seen)) || presenceText(status);
}

function actionButton(text, onclick, cls = "small") {
  return h("button", { type: "button", class: cls, text, onclick });
}

function render() {
  const { profile, options } = current;
  // The server's answer is the freshest word on a friend's presence (a new friend's
  // included, whom the page has heard nothing about yet).
  if (profile.is_friend && typeof profile.is_online === "boolean") options.presence?.setFrom(profile);
  const me = readConfig().me;
  const name = personName(profile);
  const status = presenceOf(profile, options.presence);
  const mine = profile.id === me?.id;
  const actions = [];
  if (mine) {
    actions.push(h("a", { class: "button small", href: "/accounts/settings/", text: gettext("Edit your profile") }));
  } else {
    if (profile.is_friend) actions.push(actionButton(gettext("Message"), () => message(profile)));
    else if (profile.friend_request?.direction === "incoming") actions.push(actionButton(gettext("Accept friend request"), () => accept(profile)));
    else if (profile.friend_request?.direction === "outgoing") actions.push(h("span", { class: "muted", text: gettext("Friend request sent") }));
    else if (!profile.blocked && !profile.is_bot) actions.push(actionButton(gettext("Add friend"), () => addFriend(profile)));
    actions.push(
      profile.blocked
        ? actionButton(gettext("Unblock"), () => unblock(profile), "small ghost")
        : actionButton(gettext("Block"), () => block(profile), "small ghost danger-text"),
    );
    actions.push(
      actionButton(gettext("Report"), (event) => openReport({ kind: "user", id: profile.id, about: `${name} (@${profile.username})`, opener: event.currentTarget }), "small ghost"),
    );
  }
  clear(parts.body).append(
    h(
      "div",
      { class: "profile-head" },
      personAvatar(profile, { size: "xl", extra: status ? h("span", { class: `dot ${status}` }) : null }),
      h(
        "div",
        { class: "profile-names" },
        h("h2", { id: "profile-name" }, name, profile.is_bot ? " " : null, botTag(profile.is_bot)),
        h("p", { class: "muted profile-username", text: `@${profile.username}` }),
        status ? h("p", { class: `presence ${status}`, text: presenceWords(profile, status, options.presence) }) : null,
        mine ? h("p", { class: "muted", text: gettext("This is you.") }) : null,
        profile.blocked ? h("p", { class: "tag tag-warn", text: gettext("Blocked") }) : null,
      ),
    ),
    profile.bio ? h("p", { class: "profile-bio prewrap", text: profile.bio }) : h("p", { class: "muted profile-bio", text: gettext("No bio yet.") }),
    h("div", { class: "profile-actions" }, actions),
  );
}

async function reload(note = "") {
  try {
    current.profile = await api.get(`/api/users/${current.profile.id}`);
  } catch (error) {
    toast(error.message, "error");
  }
  render();
  parts.status.textContent = note;
  parts.body.querySelector(".profile-actions button, .profile-actions a")?.focus();
}

async function message(profile) {
  try {
    const conversation = await api.post("/api/conversations", { type: "direct", member_user_ids: [profile.id] });
    parts.dialog.close();
    if (current.options.onMessage) current.options.onMessage(conversation);
    else window.location.assign(`/c/${conversation.id}/`);
  } catch (error) {
    parts.status.textContent = error.message;
  }
}

async function addFriend(profile) {
  try {
    const result = await api.post("/api/friends/request", { username: profile.username });
    document.dispatchEvent(new CustomEvent("friends:changed"));
    await reload(result?.request?.status === "accepted" ? interpolate(gettext("You and %(name)s are now friends."), { name: personName(profile) }, true) : gettext("Friend request sent."));
  } catch (error) {
    parts.status.textContent = error.message;
  }
}

async function accept(profile) {
  try {
    await api.post(`/api/friends/requests/${profile.friend_request.id}/accept`);
    document.dispatchEvent(new CustomEvent("friends:changed"));
    await reload(interpolate(gettext("You and %(name)s are now friends."), { name: personName(profile) }, true));
  } catch (error) {
    parts.status.textContent = error.message;
  }
}

async function block(profile) {
  if (await blockPerson(profile)) await reload(interpolate(gettext("%(name)s is blocked."), { name: personName(profile) }, true));
}

async function unblock(profile) {
  if (await unblockPerson(profile)) await reload(interpolate(gettext("%(name)s is unblocked."), { name: personName(profile) }, true));
}

/**
 * Show person `userId`'s card. Options: `opener` (gets the focus back), `presence` (the
 * page's live Presence), `onMessage(conversation)` (open a direct chat in place instead of
 * going to its page).
 */
export async function openProfileCard(userId, options = {}) {
  parts ||= build();
  const opener = options.opener || document.activeElement;
  let profile;
  try {
    profile = await api.get(`/api/users/${userId}`);
  } catch (error) {
    toast(error.status === 404 ? gettext("This person's account no longer exists.") : error.message, "error");
    return;
  }
  current = { profile, options: { ...options, opener } };
  render();
  parts.status.textContent = "";
  if (!parts.dialog.open) parts.dialog.showModal();
  parts.body.querySelector(".profile-actions button, .profile-actions a")?.focus();
  if (options.presence && !options.presence.cardListener) {
    options.presence.cardListener = true;
    options.presence.addEventListener("change", () => parts.dialog.open && current.profile.is_friend && render());
  }
}
