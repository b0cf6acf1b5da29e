// Unsent text, one draft per conversation. The composer shows the draft of the open
// conversation only, so text typed in one conversation can never be sent to another.
// Drafts live in memory for now; keeping them across reloads means backing this class
// with storage, without changing its callers.

export class Drafts {
  constructor() {
    this.texts = new Map(); // conversation id -> text as typed
  }

  get(conversationId) {
    return this.texts.get(conversationId) ?? "";
  }

  /** Keep `text` for the conversation; blank text forgets the draft. */
  set(conversationId, text) {
    if (text.trim()) this.texts.set(conversationId, text);
    else this.texts.delete(conversationId);
  }

  delete(conversationId) {
    this.texts.delete(conversationId);
  }
}
