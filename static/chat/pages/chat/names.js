// Names and labels of conversations and people, as the chat screen shows them.

import { me } from "./page.js";

export function otherMember(conversation) {
  return (conversation.members || []).find((m) => m.id !== me.id) || null;
}

export function displayName(person) {
  return person ? person.display_name || person.username : "Unknown";
}

export function conversationTitle(conversation) {
  if (conversation.type === "direct") return displayName(otherMember(conversation));
  return conversation.name || "Unnamed group";
}

export function memberName(conversation, userId, fallback) {
  if (userId === me.id) return "You";
  const member = (conversation?.members || []).find((m) => m.id === userId);
  return member ? displayName(member) : fallback || "Someone";
}

export function myRole(conversation) {
  return (conversation.members || []).find((m) => m.id === me.id)?.role || "member";
}

/** When a conversation last saw activity: the sidebar's order, newest first. */
export function activityOf(conversation) {
  return conversation.last_message?.created_at || conversation.created_at || "";
}
