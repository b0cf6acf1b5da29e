// The page the chat screen runs on: the shell every logged-in page shares (who I am, the
// one socket, friends' presence) and the chat template's elements.

import { $, setupDialog } from "../../lib/dom.js";
import { startShell } from "../../lib/shell.js";

export const app = startShell();
export const { me, socket, presence } = app;

export const els = {
  layout: $("#chat-layout"),
  convList: $("#conv-list"),
  convEmpty: $("#conv-empty"),
  placeholder: $("#pane-placeholder"),
  conversation: $("#conversation"),
  title: $("#pane-title"),
  paneAvatar: $("#pane-avatar"),
  sub: $("#pane-sub"),
  messages: $("#messages"),
  messageList: $("#message-list"),
  historyStatus: $("#history-status"),
  typing: $("#typing"),
  notice: $("#pane-notice"),
  composer: $("#composer"),
  input: $("#composer-input"),
  sendButton: $("#send-button"),
  attachButton: $("#attach-button"),
  attachInput: $("#attach-input"),
  uploadTray: $("#upload-tray"),
  uploadNotice: $("#upload-notice"),
  dropZone: $("#drop-zone"),
  back: $("#back-button"),
  detailsButton: $("#details-button"),
  viewers: $("#pane-viewers"),
  searchHere: $("#search-here-button"),
  jumpLatest: $("#jump-latest"),
  announcer: $("#message-announcer"),
  groupDialog: setupDialog($("#group-dialog")),
  detailsDialog: setupDialog($("#details-dialog")),
};

export function pageVisible() {
  return document.visibilityState === "visible";
}
