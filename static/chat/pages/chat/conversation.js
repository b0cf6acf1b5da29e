// Which conversation is open, and its header: loading the list and single conversations,
// opening and closing one (URL, history, joining its socket group), the title and status
// line, and the notice when the open conversation is gone.

import { api, ApiError } from "../../lib/api.js";
import { personAvatar } from "../../lib/avatar.js";
import { clear, h } from "../../lib/dom.js";
import { presenceLine, presenceText } from "../../lib/shell.js";
import { openHistory } from "./changes.js";
import { bindComposer } from "./composer.js";
import { fillViewport, markRead, renderMessages, revealMessage, scrollToBottom, showNewerState } from "./messages.js";
import { conversationPicture, conversationTitle, displayName, memberOf, otherMember } from "./names.js";
import { app, els, me, pageVisible, presence, socket } from "./page.js";
import {
  forgetConversation,
  onConversationForgotten,
  setConversationsLoaded,
  setOpenConversation,
  state,
  upsertConversation,
} from "./state.js";
import { onViewersChange, viewersOf } from "./viewers.js";

export async function loadConversations() {
  const list = await api.get("/api/conversations");
  const seen = new Set();
  for (const conversation of list) {
    seen.add(conversation.id);
    upsertConversation(conversation);
  }
  for (const id of [...state.conversations.keys()]) {
    if (!seen.has(id)) forgetConversation(id, gettext("You are no longer a member of this conversation."));
  }
  setConversationsLoaded();
  for (const conversation of list) {
    const other = conversation.type === "direct" ? otherMember(conversation) : null;
    if (other && other.is_online !== undefined) presence.setFrom(other);
  }
}

export async function fetchConversation(id) {
  const known = state.conversations.has(id);
  try {
    const conversation = upsertConversation(await api.get(`/api/conversations/${id}`));
    if (id === state.openId) renderHeader();
    return conversation;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      // The server answers 404 alike for "gone" and "never yours"; only a conversation this
      // page had listed can be one the user was in.
      forgetConversation(
        id,
        known ? gettext("You are no longer a member of this conversation.") : gettext("This conversation does not exist."),
      );
    }
    return null;
  }
}

onConversationForgotten((id, notice) => {
  if (state.openId !== id) return;
  els.notice.textContent = notice;
  els.notice.hidden = false;
  els.composer.hidden = true;
  els.detailsButton.hidden = true;
});

/**
 * Open conversation `id`: its newest messages, or with `around` the history around that
 * message (a search result), which is then brought into view and marked.
 */
export async function openConversation(id, { push = false, around = null } = {}) {
  if (state.openId && state.openId !== id) socket.send({ type: "leave_conversation", conversation_id: state.openId });
  setOpenConversation(id);
  bindComposer(id);
  if (push && location.pathname !== `/c/${id}/`) history.pushState({ id }, "", `/c/${id}/`);
  els.layout.classList.add("has-open");
  els.placeholder.hidden = true;
  els.conversation.hidden = false;
  els.notice.hidden = true;
  els.composer.hidden = false;
  els.detailsButton.hidden = false;
  clear(els.messageList);
  els.typing.textContent = "";
  let conversation = state.conversations.get(id);
  if (!conversation) conversation = await fetchConversation(id);
  if (!conversation || state.openId !== id) {
    if (!conversation) {
      els.paneAvatar.replaceChildren();
      els.title.textContent = gettext("Conversation not found");
      els.sub.textContent = "";
    }
    return;
  }
  renderHeader();
  app.bell.conversationSeen(id);
  socket.send({ type: "join_conversation", conversation_id: id });
  if (!(await openHistory(id, { around }))) return;
  if (state.openId !== id) return;
  renderMessages();
  showNewerState();
  if (around && revealMessage(around)) return;
  scrollToBottom();
  markRead(id);
  if (window.matchMedia("(min-width: 721px)").matches) els.input.focus();
  fillViewport(id);
}

export function closeConversation() {
  if (state.openId) socket.send({ type: "leave_conversation", conversation_id: state.openId });
  setOpenConversation(null);
  bindComposer(null);
  els.layout.classList.remove("has-open");
  els.conversation.hidden = true;
  els.placeholder.hidden = false;
}

export function renderHeader() {
  const conversation = state.conversations.get(state.openId);
  if (!conversation) return;
  els.title.textContent = conversationTitle(conversation);
  els.paneAvatar.replaceChildren(conversationPicture(conversation));
  if (conversation.type === "direct") {
    const other = otherMember(conversation);
    const status = other ? presence.status(other.id) : "offline";
    els.sub.textContent = other ? presenceLine(presence, other.id) : presenceText(status);
    els.sub.dataset.presence = status;
  } else {
    const count = (conversation.members || conversation.member_ids || []).length;
    els.sub.textContent = interpolate(
      conversation.is_public
        ? ngettext("Public room · %(count)s member", "Public room · %(count)s members", count)
        : ngettext("Group · %(count)s member", "Group · %(count)s members", count),
      { count },
      true,
    );
    delete els.sub.dataset.presence;
  }
  renderViewers(conversation);
}

/** Who is here now (groups and rooms): a few faces and the count; it opens Details. */
function renderViewers(conversation) {
  const ids = [...viewersOf(conversation.id)];
  els.viewers.hidden = conversation.type === "direct" || ids.length === 0;
  if (els.viewers.hidden) return;
  const people = ids.map((id) => memberOf(conversation, id)).filter(Boolean);
  const others = people.filter((p) => p.id !== me.id);
  const faces = [...others, ...people.filter((p) => p.id === me.id)].slice(0, 3);
  els.viewers.replaceChildren(
    h("span", { class: "here-faces", "aria-hidden": "true" }, faces.map((p) => personAvatar(p, { size: "xs" }))),
    h("span", { class: "here-count", text: interpolate(gettext("%(count)s here now"), { count: ids.length }, true) }),
  );
  const names = others.map(displayName);
  els.viewers.title = names.length ? interpolate(gettext("Here now: you, %(names)s"), { names: names.join(", ") }, true) : gettext("Only you are here now");
  els.viewers.setAttribute("aria-label", names.length
      ? interpolate(gettext("%(count)s here now: you, %(names)s. Show the members"), { count: ids.length, names: names.join(", ") }, true)
      : interpolate(gettext("%(count)s here now: only you. Show the members"), { count: ids.length }, true));
}

onViewersChange((id) => {
  if (id === state.openId) renderHeader();
});

els.back.addEventListener("click", () => {
  history.pushState({}, "", "/");
  closeConversation();
});

window.addEventListener("popstate", () => {
  const match = location.pathname.match(/^\/c\/(\d+)\/$/);
  if (match) openConversation(Number(match[1]));
  else closeConversation();
});

document.addEventListener("visibilitychange", () => {
  if (pageVisible() && state.openId) markRead(state.openId);
});
