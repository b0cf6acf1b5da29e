// Editing and deleting messages: Edit and Delete in the message menu, and deletions
// announced by the server. An edit changes the Markdown source (`content`), never the HTML.

import { api } from "../../lib/api.js";
import { h, toast } from "../../lib/dom.js";
import { registerMessageAction } from "./menu.js";
import { placeMessage } from "./messages.js";
import { manages } from "./group_admin.js";
import { els, me } from "./page.js";
import { historyFor, replaceLastMessage, state } from "./state.js";

registerMessageAction({
  id: "edit",
  label: gettext("Edit"),
  order: 60,
  when: (message) => message.sender_id === me.id && message.message_type !== "transfer",
  run: (message) => startEdit(message.id),
});
registerMessageAction({
  id: "delete",
  label: gettext("Delete"),
  order: 70,
  // The sender; in a group, its admins too (in a direct chat nobody else).
  when: (message, conversation) => message.sender_id === me.id || manages(conversation),
  run: (message) => deleteMessage(message.id),
});

function startEdit(messageId) {
  const message = historyFor(state.openId).byId.get(messageId);
  const node = els.messageList.querySelector(`.msg[data-id="${messageId}"]`);
  if (!message || !node) return;
  const textarea = h("textarea", { class: "edit-input", "aria-label": gettext("Edit message"), rows: "2" });
  textarea.value = message.content;
  const cancel = () => placeMessage(message);
  const save = async () => {
    const content = textarea.value.trim();
    if (!content || content === message.content) return cancel();
    try {
      const updated = await api.patch(`/api/messages/${messageId}`, { content });
      historyFor(updated.conversation_id).add(updated);
      placeMessage(updated);
    } catch (error) {
      toast(error.message, "error");
    }
  };
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      save();
    } else if (event.key === "Escape") {
      event.preventDefault();
      cancel();
    }
  });
  node.querySelector(".msg-body").replaceWith(
    h(
      "div",
      { class: "msg-edit" },
      textarea,
      h(
        "div",
        { class: "msg-actions visible" },
        h("button", { type: "button", class: "small", text: gettext("Save"), onclick: save }),
        h("button", { type: "button", class: "small ghost", text: gettext("Cancel"), onclick: cancel }),
      ),
    ),
  );
  node.querySelector(".msg-actions:not(.visible)")?.remove();
  node.querySelector(".reaction-bar")?.remove();
  textarea.focus();
}

async function deleteMessage(messageId) {
  if (!window.confirm(gettext("Delete this message for everyone?"))) return;
  try {
    await api.del(`/api/messages/${messageId}`);
    applyDeleted(state.openId, messageId);
  } catch (error) {
    toast(error.message, "error");
  }
}

/** What a deleted message shows of itself: nothing (docs/api.md, "Messages"). */
export const DELETED = { is_deleted: true, content: "", content_html: "", mentions: [], reply_to: null, reactions: [], attachments: [], pinned_at: null, pinned_by_id: null };

/** Show a message as deleted, in the list and as the sidebar's preview. */
export function applyDeleted(conversationId, messageId) {
  const hist = state.histories.get(conversationId);
  const message = hist?.byId.get(messageId);
  if (message) {
    hist.add({ ...message, ...DELETED });
    placeMessage(hist.byId.get(messageId));
  }
  const last = state.conversations.get(conversationId)?.last_message;
  if (last?.id === messageId) replaceLastMessage(conversationId, { ...last, is_deleted: true, content: "" });
}
