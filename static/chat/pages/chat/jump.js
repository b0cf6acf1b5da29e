// Going to one message of the open conversation (a reply's quote, the pinned panel):
// older pages are loaded until it is held (ids grow with seq inside a conversation, so
// every page before the oldest held brings it closer), then it is scrolled to the middle
// of the list and highlighted for a moment, and focused for keyboard and screen readers.

import { toast } from "../../lib/dom.js";
import { rowOf } from "./message_parts.js";
import { loadOlder } from "./messages.js";
import { els } from "./page.js";
import { state } from "./state.js";

/** At most this many older pages (of 50) are loaded to find one message. */
const MAX_PAGES = 60;
const HIGHLIGHT_MS = 2500;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function jumpToMessage(messageId) {
  const id = state.openId;
  const hist = state.histories.get(id);
  if (!hist) return false;
  if (!hist.byId.has(messageId)) els.historyStatus.textContent = "Finding the message…";
  for (let pages = 0; !hist.byId.has(messageId) && pages < MAX_PAGES; ) {
    if (state.openId !== id || !hist.hasOlder || (hist.oldestId ?? 0) < messageId) break;
    if (hist.loadingOlder) {
      await sleep(50); // a page the scroll asked for is on its way
      continue;
    }
    pages += 1;
    const oldest = hist.oldestId;
    await loadOlder();
    if (hist.oldestId === oldest) break; // nothing came (an error, said in the status line)
  }
  const row = rowOf(messageId);
  if (!row || state.openId !== id) {
    if (state.openId === id) toast("That message is not in this conversation any more.", "error");
    return false;
  }
  highlight(row);
  return true;
}

function highlight(row) {
  row.scrollIntoView({ block: "center" });
  for (const other of els.messageList.querySelectorAll(".msg.highlight")) other.classList.remove("highlight");
  row.classList.add("highlight");
  row.tabIndex = -1;
  row.focus({ preventScroll: true });
  setTimeout(() => row.classList.remove("highlight"), HIGHLIGHT_MS);
}
