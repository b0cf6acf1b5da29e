// Editing and deleting messages: Edit and Delete in a message's menu (menu.js puts them in
// the row, as buttons with data-action), and deletions announced by the server.

import { api } from "../../lib/api.js";
import { h, toast } from "../../lib/dom.js";
import { placeMessage } from "./messages.js";
import { els } from "./page.js";
import { historyFor, replaceLastMessage, state } from "./state.js";

els.messageList.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  const messageId = Number(button?.closest(".msg[data-id]")?.dataset.id);
  if (!messageId) return;
  if (button.dataset.action === "edit") startEdit(messageId);
  else if (button.dataset.action === "delete") deleteMessage(messageId);
});

function startEdit(messageId) {
  const message = historyFor(state.openId).byId.get(messageId);
  const node = els.messageList.querySelector(`.msg[data-id="${messageId}"]`);
  if (!message || !node) return;
  const textarea = h("textarea", { class: "edit-input", "aria-label": "Edit message", rows: "2" });
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
        h("button", { type: "button", class: "small", text: "Save", onclick: save }),
        h("button", { type: "button", class: "small ghost", text: "Cancel", onclick: cancel }),
      ),
    ),
  );
  textarea.focus();
}

async function deleteMessage(messageId) {
  if (!window.confirm("Delete this message for everyone?")) return;
  try {
    await api.del(`/api/messages/${messageId}`);
    applyDeleted(state.openId, messageId);
  } catch (error) {
    toast(error.message, "error");
  }
}

/** Show a message as deleted, in the list and as the sidebar's preview. */
export function applyDeleted(conversationId, messageId) {
  const hist = state.histories.get(conversationId);
  const message = hist?.byId.get(messageId);
  if (message) {
    hist.add({ ...message, is_deleted: true, content: "" });
    placeMessage(hist.byId.get(messageId));
  }
  const last = state.conversations.get(conversationId)?.last_message;
  if (last?.id === messageId) replaceLastMessage(conversationId, { ...last, is_deleted: true, content: "" });
}
