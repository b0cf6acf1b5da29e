// The settings page's "Notifications" section (templates/accounts/settings/_notifications.html):
// the browser's permission for desktop notifications — asked only from its button — and
// the muted conversations, each with "Unmute".

import { api } from "../lib/api.js";
import { h, toast } from "../lib/dom.js";
import { notificationPermission, requestNotificationPermission } from "../lib/desktop_notify.js";
import { fullTime } from "../lib/i18n.js";

const section = document.getElementById("notify-settings");

const PERMISSION_TEXT = {
  granted: () => gettext("allowed"),
  denied: () => gettext("blocked"),
  default: () => gettext("not asked yet"),
  unsupported: () => gettext("not supported by this browser"),
};

function showPermission() {
  const permission = notificationPermission();
  document.getElementById("notify-permission").textContent = PERMISSION_TEXT[permission]();
  section.dataset.permission = permission;
  document.getElementById("notify-enable").hidden = permission !== "default";
  document.getElementById("notify-denied-help").hidden = permission !== "denied";
}

function conversationName(conversation, meId) {
  if (conversation.type !== "direct") return conversation.name;
  const other = (conversation.members || []).find((m) => m.id !== meId);
  return other ? other.display_name || other.username : gettext("Direct chat");
}

function mutedUntilText(iso) {
  const until = new Date(iso);
  if (until.getUTCFullYear() >= 9999) return gettext("until you unmute");
  return interpolate(gettext("until %(when)s"), { when: fullTime(iso) }, true);
}

async function showMuted() {
  const list = document.getElementById("muted-list");
  let conversations = [];
  try {
    conversations = await api.get("/api/conversations");
  } catch (error) {
    toast(error.message, "error");
    return;
  }
  const meId = JSON.parse(document.getElementById("chat-config")?.textContent || "{}").me?.id;
  const muted = conversations.filter((c) => c.muted_until && Date.parse(c.muted_until) > Date.now());
  list.replaceChildren(
    ...muted.map((conversation) => {
      const name = conversationName(conversation, meId);
      return h(
        "li",
        { dataset: { id: String(conversation.id) } },
        h("span", {}, h("a", { href: `/c/${conversation.id}/`, text: name }), " ", h("span", { class: "muted", text: mutedUntilText(conversation.muted_until) })),
        h("button", {
          type: "button",
          class: "small ghost",
          text: gettext("Unmute"),
          "aria-label": interpolate(gettext("Unmute %(name)s"), { name }, true),
          onclick: async () => {
            try {
              await api.put(`/api/conversations/${conversation.id}/notifications`, { muted_until: null });
              showMuted();
            } catch (error) {
              toast(error.message, "error");
            }
          },
        }),
      );
    }),
  );
  document.getElementById("muted-empty").hidden = muted.length > 0;
}

if (section) {
  document.getElementById("notify-enable").addEventListener("click", async () => {
    await requestNotificationPermission();
    showPermission();
  });
  showPermission();
  showMuted();
}
