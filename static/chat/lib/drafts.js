// Unsent text, one draft per conversation. The composer shows the draft of the open
// conversation only, so text typed in one conversation can never be sent to another.
// Drafts are kept in localStorage under the user's id and the conversation's id, so they
// survive a reload (and stay apart when two people share a browser); sending clears a
// conversation's draft, logging out clears all of the user's. Without storage (private
// mode, quota) they live in memory only.

const PREFIX = "chat.draft.";

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export class Drafts {
  constructor(userId) {
    this.prefix = `${PREFIX}${userId}.`;
    this.texts = new Map(); // conversation id -> text as typed
    const store = storage();
    if (!store || userId === undefined || userId === null) return;
    for (let i = 0; i < store.length; i += 1) {
      const key = store.key(i);
      if (!key?.startsWith(this.prefix)) continue;
      const id = Number(key.slice(this.prefix.length));
      const text = store.getItem(key);
      if (id && text) this.texts.set(id, text);
    }
  }

  get(conversationId) {
    return this.texts.get(conversationId) ?? "";
  }

  has(conversationId) {
    return this.texts.has(conversationId);
  }

  /** Keep `text` for the conversation; blank text forgets the draft. */
  set(conversationId, text) {
    if (!text.trim()) return this.delete(conversationId);
    this.texts.set(conversationId, text);
    try {
      storage()?.setItem(this.prefix + conversationId, text);
    } catch {
      // Storage full or refused: the draft still lives in memory.
    }
  }

  delete(conversationId) {
    this.texts.delete(conversationId);
    try {
      storage()?.removeItem(this.prefix + conversationId);
    } catch {
      // Nothing stored, nothing to remove.
    }
  }
}

/** Forget every draft of `userId` in this browser (on logout). */
export function clearDrafts(userId) {
  const store = storage();
  if (!store) return;
  const prefix = `${PREFIX}${userId}.`;
  const keys = [];
  for (let i = 0; i < store.length; i += 1) {
    const key = store.key(i);
    if (key?.startsWith(prefix)) keys.push(key);
  }
  keys.forEach((key) => store.removeItem(key));
}
