// Money in a direct chat: the gettext("Send money") button next to the composer, its dialog (amount
// and note, then a confirm step with the recipient's name and avatar), and the bubble of a
// `transfer` message (messages.js renders it through `transferBody`).
//
// Amounts are parsed from the typed text to integer minor units exactly (lib/money.js);
// a send carries an idempotency key made when the amount is confirmed, so retrying after a
// network error can never pay twice.

import { api, ApiError } from "../../lib/api.js";
import { personAvatar } from "../../lib/avatar.js";
import { $, h, randomId, setupDialog, toast } from "../../lib/dom.js";
import { AmountError, formatMoney, parseAmount } from "../../lib/money.js";
import { displayName, otherMember } from "./names.js";
import { els, me, socket } from "./page.js";
import { onConversationChange, state } from "./state.js";

// --- The bubble ----------------------------------------------------------------------

/** The body of a `transfer` message, or null for any other message. */
export function transferBody(message) {
  const transfer = message.message_type === "transfer" ? message.transfer : null;
  if (!transfer) return null;
  const mine = message.sender_id === me.id;
  const reversed = transfer.status === "reversed";
  return h(
    "div",
    { class: `msg-body transfer-card${reversed ? " reversed" : ""}`, dataset: { transferId: String(transfer.id) } },
    h("span", { class: "transfer-label", text: mine ? gettext("You sent") : gettext("Sent to you") }),
    h("strong", { class: "transfer-amount", text: formatMoney(transfer.amount, transfer.currency, transfer.exponent) }),
    transfer.note ? h("span", { class: "transfer-note", text: transfer.note }) : null,
    h("span", { class: "transfer-status", text: reversed ? gettext("Reversed by staff") : gettext("Completed") }),
  );
}

// --- The button and the dialog ---------------------------------------------------------

const dialog = setupDialog($("#money-dialog"));
const form = $("#money-form");
const parts = {
  enter: $("#money-enter"),
  confirm: $("#money-confirm"),
  balance: $("#money-balance"),
  currency: $("#money-currency"),
  amount: $("#money-amount"),
  note: $("#money-note"),
  avatar: $("#money-avatar"),
  to: $("#money-to"),
  handle: $("#money-handle"),
  summary: $("#money-summary"),
  noteSummary: $("#money-note-summary"),
  error: $("#money-error"),
  back: $("#money-back"),
  next: $("#money-next"),
};

// Made here rather than in the template: the composer is another module's markup.
const button = h(
  "button",
  {
    type: "button",
    class: "ghost small send-money-button",
    id: "send-money-button",
    "aria-label": gettext("Send money"),
    "aria-haspopup": "dialog",
    hidden: true,
  },
  h("span", { class: "send-money-long", text: gettext("Send money") }),
  h("span", { class: "send-money-short", text: gettext("Pay"), "aria-hidden": "true" }),
);
els.sendButton.before(button);

/** What the open dialog is about: the recipient, the wallet, and the confirmed send. */
const pending = { recipient: null, conversationId: null, balance: null, send: null };

function directPeer() {
  const conversation = state.conversations.get(state.openId);
  return conversation?.type === "direct" ? otherMember(conversation) : null;
}

function showButton() {
  button.hidden = !directPeer();
}
onConversationChange((id) => {
  if (id === null || id === state.openId) showButton();
});

function showStep(step) {
  parts.enter.hidden = step !== "enter";
  parts.confirm.hidden = step !== "confirm";
  parts.back.hidden = step !== "confirm";
  parts.next.textContent = step === "confirm" ? interpolate(gettext("Send %(amount)s"), { amount: pending.send.label }, true) : gettext("Continue");
}

function showBalance() {
  const wallet = pending.balance;
  if (!wallet) return;
  parts.currency.textContent = wallet.currency;
  parts.balance.textContent = interpolate(gettext("Your balance: %(amount)s"), { amount: formatMoney(wallet.balance, wallet.currency, wallet.exponent) }, true);
}

async function loadBalance() {
  const wallet = await api.get("/api/payments/wallet");
  pending.balance = wallet.balances.find((b) => b.currency === wallet.default_currency) || wallet.balances[0];
  showBalance();
}

async function openDialog() {
  const recipient = directPeer();
  if (!recipient) return;
  Object.assign(pending, { recipient, conversationId: state.openId, send: null });
  form.reset();
  parts.error.textContent = "";
  parts.balance.textContent = "";
  showStep("enter");
  dialog.showModal();
  parts.amount.focus();
  try {
    await loadBalance();
  } catch (error) {
    parts.error.textContent = interpolate(gettext("Could not load your balance: %(error)s"), { error: error.message }, true);
  }
}
button.addEventListener("click", openDialog);

function confirmStep() {
  const wallet = pending.balance;
  if (!wallet) return;
  let amount;
  try {
    amount = parseAmount(parts.amount.value, wallet.exponent);
  } catch (error) {
    if (!(error instanceof AmountError)) throw error;
    parts.error.textContent = error.message;
    parts.amount.focus();
    return;
  }
  if (amount > wallet.balance) {
    parts.error.textContent = interpolate(gettext("That is more than your balance of %(amount)s."), { amount: formatMoney(wallet.balance, wallet.currency, wallet.exponent) }, true);
    parts.amount.focus();
    return;
  }
  const note = parts.note.value.trim();
  const label = formatMoney(amount, wallet.currency, wallet.exponent);
  // A new key for every confirmed amount: the same key with another body is refused.
  pending.send = { amount, note, label, currency: wallet.currency, key: randomId() };
  const recipient = pending.recipient;
  parts.avatar.replaceChildren(personAvatar(recipient));
  parts.to.textContent = displayName(recipient);
  parts.handle.textContent = `@${recipient.username}`;
  parts.summary.textContent = interpolate(gettext("%(amount)s to %(name)s"), { amount: label, name: displayName(recipient) }, true);
  parts.noteSummary.textContent = note ? `“${note}”` : "";
  parts.error.textContent = "";
  showStep("confirm");
  parts.next.focus();
}

async function send() {
  const { recipient, send: details } = pending;
  parts.next.disabled = true;
  parts.error.textContent = "";
  try {
    await api.post("/api/payments/transfers", {
      to_user_id: recipient.id,
      amount: details.amount,
      currency: details.currency,
      note: details.note,
      idempotency_key: details.key,
    });
    dialog.close();
    toast(interpolate(gettext("Sent %(amount)s to %(name)s."), { amount: details.label, name: displayName(recipient) }, true));
  } catch (error) {
    parts.error.textContent = sendError(error);
    // A refusal about the amount sends the user back to change it (with a new key).
    if (error instanceof ApiError && error.status !== 0 && error.status !== 429 && error.status < 500) showStep("enter");
  } finally {
    parts.next.disabled = false;
  }
}

function sendError(error) {
  if (!(error instanceof ApiError)) return String(error);
  if (error.status === 0) return gettext("Network error: nothing was sent twice — press Send again.");
  if (error.status === 429) return interpolate(gettext("Too many transfers: wait %(seconds)s s and press Send again."), { seconds: error.retryAfter || 60 }, true);
  return error.message; // the server's sentence: insufficient balance, limit, not friends…
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (parts.confirm.hidden) confirmStep();
  else send();
});
parts.back.addEventListener("click", () => {
  parts.error.textContent = "";
  showStep("enter");
  parts.amount.focus();
});

socket.on("wallet_updated", ({ balance }) => {
  if (pending.balance && balance.currency === pending.balance.currency) {
    pending.balance = balance;
    showBalance();
  }
});
