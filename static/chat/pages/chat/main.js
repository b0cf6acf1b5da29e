// The chat screen's entry point (templates/messaging/chat.html loads it): conversation
// sidebar, the open conversation with its history, composer, typing, live events,
// reconnect catch-up, attachments, reactions, replies, pins, "seen by", mentions and group
// management, each in the module named for it (docs/architecture.md, "Web UI: the chat
// page's modules").

import { toast } from "../../lib/dom.js";
import "./attachments.js";
import "./attention.js";
import { catchUp } from "./changes.js";
import { openConversation, loadConversations } from "./conversation.js";
import { loadFriends, openGroupDialog } from "./dialogs.js";
import "./events.js";
import "./mentions_autocomplete.js";
import "./search.js";
import "./sender_actions.js";
import { app } from "./page.js";
import { initSidebar } from "./sidebar.js";
import { state } from "./state.js";

initSidebar({ onOpen: (id) => openConversation(id, { push: true }) });

app.chat = { state, openConversation, catchUp };

(async () => {
  try {
    await loadConversations();
  } catch (error) {
    toast(interpolate(gettext("Could not load conversations: %(error)s"), { error: error.message }, true), "error");
  }
  loadFriends();
  const params = new URLSearchParams(location.search);
  if (params.get("new") === "room" || params.get("new") === "group") {
    history.replaceState({}, "", "/");
    openGroupDialog({ isPublic: params.get("new") === "room" });
  }
  // `?message=<id>` (a mention in the bell) opens the conversation at that message.
  const around = Number(params.get("message")) || null;
  if (app.config.conversation_id) openConversation(app.config.conversation_id, { around });
})();
