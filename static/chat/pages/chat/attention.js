// Attention on the chat page: the conversation's notification menu (the bell in its
// header: All / Mentions / Nothing, mute for 1 hour, 8 hours, 1 day or until unmuted),
// muted conversations in the sidebar (dimmed, their unread count grey and left out of the
// title and favicon totals), and the desktop notification of a message the server marked
// `alert` while the tab is hidden.

import { api } from "../../lib/api.js";
import { toast } from "../../lib/dom.js";
import { notifyDesktop, setFaviconBadge } from "../../lib/desktop_notify.js";
import { soonTime } from "../../lib/i18n.js";
import { togglePopupMenu } from "../../lib/popup_menu.js";
import { conversationTitle, memberName } from "./names.js";
import { socket } from "./page.js";
import { onConversationChange, state, upsertConversation } from "./state.js";

const HOUR = 3600 * 1000;
const FOREVER_YEAR = 9999;

/** Muted now (its `muted_until` is in the future). */
export function isMuted(conversation) {
  const until = conversation?.muted_until;
  return Boolean(until) && Date.parse(until) > Date.now();
}

function mutedForever(conversation) {
  return isMuted(conversation) && new Date(conversation.muted_until).getUTCFullYear() >= FOREVER_YEAR;
}

/** "Muted until 14:05", "Muted until you unmute". */
export function mutedText(conversation) {
  if (!isMuted(conversation)) return "";
  if (mutedForever(conversation)) return gettext("Muted until you unmute");
  return interpolate(gettext("Muted until %(when)s"), { when: soonTime(conversation.muted_until) }, true);
}

/** The unread total of the title and the favicon: muted conversations are left out. */
export function unreadTotal() {
  let total = 0;
  for (const conversation of state.conversations.values()) {
    if (conversation.id !== state.openId && !isMuted(conversation)) total += conversation.unread_count || 0;
  }
  return total;
}

export function showUnreadTotal() {
  const total = unreadTotal();
  const base = gettext("Chats · Chat");
  document.title = total ? `(${total}) ${base}` : base;
  setFaviconBadge(total);
}

// --- The header's menu ----------------------------------------------------------------------

async function save(conversationId, body) {
  try {
    const settings = await api.put(`/api/conversations/${conversationId}/notifications`, body);
    applySettings(settings);
  } catch (error) {
    toast(error.message, "error");
  }
}

function applySettings(settings) {
  const conversation = state.conversations.get(settings.conversation_id);
  if (!conversation) return;
  upsertConversation({ id: conversation.id, notification_level: settings.notification_level, muted_until: settings.muted_until });
  if (conversation.id === state.openId) renderBell();
}

function muteFor(ms) {
  return new Date(Date.now() + ms).toISOString();
}

function menuItems(conversation) {
  const id = conversation.id;
  const level = conversation.notification_level || "all";
  const levels = [
    { value: "all", label: gettext("All messages") },
    { value: "mentions", label: gettext("Mentions only") },
    { value: "nothing", label: gettext("Nothing") },
  ];
  const items = levels.map((choice) => ({
    id: `level-${choice.value}`,
    label: choice.label,
    checked: level === choice.value,
    onSelect: () => save(id, { level: choice.value }),
  }));
  items.push({ separator: true });
  if (isMuted(conversation)) {
    items.push({ id: "unmute", label: gettext("Unmute"), onSelect: () => save(id, { muted_until: null }) });
  }
  items.push(
    { id: "mute-1h", label: gettext("Mute for 1 hour"), onSelect: () => save(id, { muted_until: muteFor(HOUR) }) },
    { id: "mute-8h", label: gettext("Mute for 8 hours"), onSelect: () => save(id, { muted_until: muteFor(8 * HOUR) }) },
    { id: "mute-1d", label: gettext("Mute for 1 day"), onSelect: () => save(id, { muted_until: muteFor(24 * HOUR) }) },
    { id: "mute-forever", label: gettext("Mute until I unmute"), onSelect: () => save(id, { muted_until: "forever" }) },
  );
  return items;
}

const bell = document.getElementById("notify-button");

function renderBell() {
  const conversation = state.conversations.get(state.openId);
  if (!bell || !conversation) return;
  const muted = isMuted(conversation);
  const level = conversation.notification_level || "all";
  bell.classList.toggle("is-muted", muted);
  bell.dataset.level = level;
  const levelText = { all: gettext("all messages"), mentions: gettext("mentions only"), nothing: gettext("nothing") }[level];
  const text = muted
    ? mutedText(conversation)
    : interpolate(gettext("Notifications: %(level)s"), { level: levelText }, true);
  bell.title = text;
  bell.setAttribute("aria-label", text);
}

bell?.addEventListener("click", () => {
  const conversation = state.conversations.get(state.openId);
  if (conversation) togglePopupMenu(bell, menuItems(conversation), { label: gettext("Notifications of this conversation"), className: "notify-menu" });
});

onConversationChange((id) => {
  if (id === null || id === state.openId) renderBell();
  showUnreadTotal();
});

socket.on("notification_settings_changed", applySettings);

// A mute ends by itself: look again every half minute.
setInterval(() => {
  for (const conversation of state.conversations.values()) {
    if (conversation.muted_until && !isMuted(conversation)) {
      upsertConversation({ id: conversation.id, muted_until: null });
    }
  }
}, 30000);

// --- Desktop notifications ------------------------------------------------------------------

/** A `new_message` the server marked `alert`: a notification if the tab is hidden. */
export function alertMessage(message, openConversation) {
  const conversation = state.conversations.get(message.conversation_id);
  if (!conversation) return null;
  const sender = memberName(conversation, message.sender_id, message.sender_username);
  const title = conversation.type === "direct" ? sender : interpolate(gettext("%(sender)s in %(conversation)s"), { sender, conversation: conversationTitle(conversation) }, true);
  const body = message.content ? message.content.slice(0, 200) : gettext("Sent an attachment");
  return notifyDesktop(title, {
    body,
    tag: `conversation-${conversation.id}`,
    onClick: () => openConversation(conversation.id, { push: true }),
  });
}

