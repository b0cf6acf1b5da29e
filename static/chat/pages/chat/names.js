// Names, labels and pictures of conversations and people, as the chat screen shows them.

import { conversationAvatar, personAvatar } from "../../lib/avatar.js";
import { me } from "./page.js";

export function otherMember(conversation) {
  return (conversation.members || []).find((m) => m.id !== me.id) || null;
}

export function displayName(person) {
  return person ? person.display_name || person.username : gettext("Unknown");
}

export function conversationTitle(conversation) {
  if (conversation.type === "direct") return displayName(otherMember(conversation));
  return conversation.name || gettext("Unnamed group");
}

/** The member `userId` of a conversation (null once they left it). */
export function memberOf(conversation, userId) {
  return (conversation?.members || []).find((m) => m.id === userId) || null;
}

export function memberName(conversation, userId, fallback) {
  if (userId === me.id) return gettext("You");
  const member = memberOf(conversation, userId);
  return member ? displayName(member) : shownUsername(fallback) || gettext("Someone");
}

/** A deleted account's username is its tombstone `deleted-<id>`: people read "Deleted user". */
export function shownUsername(username) {
  return /^deleted-\d+$/.test(username || "") ? gettext("Deleted user") : username;
}

export function myRole(conversation) {
  return (conversation.members || []).find((m) => m.id === me.id)?.role || "member";
}

/** When a conversation last saw activity: the sidebar's order, newest first. */
export function activityOf(conversation) {
  return conversation.last_message?.created_at || conversation.created_at || "";
}

/**
 * A conversation's picture: a direct chat shows the other person, a group or room its own
 * avatar (or its initial on a rounded square).
 */
export function conversationPicture(conversation, options = {}) {
  if (conversation.type === "direct") return personAvatar(otherMember(conversation), options);
  return conversationAvatar(conversation, conversationTitle(conversation), options);
}
