// The wallet page: the balance in each currency with the limits on sending it, and the
// history (newest first, older pages on demand, filtered by friend), both kept live by
// the socket's `wallet_updated`.

import { api } from "../lib/api.js";
import { $, clear, fullTime, h, shortTime } from "../lib/dom.js";
import { formatMoney, formatSigned } from "../lib/money.js";
import { startShell } from "../lib/shell.js";

const app = startShell();
const PAGE = 20;

const els = {
  balances: $("#balances"),
  list: $("#transactions"),
  empty: $("#transactions-empty"),
  error: $("#transactions-error"),
  more: $("#transactions-more"),
  filter: $("#counterpart-filter"),
};

const history = { before: null, loading: false, resetAgain: false };

const nameOf = (person) => person.display_name || person.username;

// --- Balance -----------------------------------------------------------------------------

function balanceItem(b) {
  const money = (amount) => formatMoney(amount, b.currency, b.exponent);
  return h(
    "li",
    { class: "balance", dataset: { currency: b.currency } },
    h("span", { class: "balance-currency", text: b.currency }),
    h("strong", { class: "balance-amount", text: money(b.balance) }),
    h("p", {
      class: "balance-limits",
      text: interpolate(
        gettext("Up to %(limit)s per transfer; %(left)s more in the next 24 hours (of %(daily)s)."),
        { limit: money(b.transfer_limit), left: money(Math.max(0, b.daily_limit - b.daily_sent)), daily: money(b.daily_limit) },
        true,
      ),
    }),
  );
}

async function loadBalances() {
  const wallet = await api.get("/api/payments/wallet");
  clear(els.balances).append(...wallet.balances.map(balanceItem));
}

// --- History -----------------------------------------------------------------------------

function describe(t) {
  const who = t.counterpart ? nameOf(t.counterpart) : null;
  const incoming = t.amount > 0;
  switch (t.kind) {
    case "payment":
      return interpolate(incoming ? gettext("From %(name)s") : gettext("To %(name)s"), { name: who }, true);
    case "issue":
      return gettext("Money added");
    case "withdrawal":
      return gettext("Money withdrawn");
    case "reversal":
      if (who) return interpolate(incoming ? gettext("Reversal: back from %(name)s") : gettext("Reversal: back to %(name)s"), { name: who }, true);
      return incoming ? gettext("Withdrawal reversed") : gettext("Addition reversed");
    default:
      return t.kind;
  }
}

function transactionItem(t) {
  const reversed = t.status === "reversed";
  return h(
    "li",
    { class: `transaction${reversed ? " reversed" : ""}`, dataset: { id: String(t.id), transferId: String(t.transfer_id) } },
    h(
      "span",
      { class: "transaction-what" },
      describe(t),
      reversed ? h("span", { class: "transaction-badge", text: gettext("reversed") }) : null,
    ),
    h("span", { class: `transaction-amount ${t.amount > 0 ? "in" : "out"}`, text: formatSigned(t.amount, t.currency, t.exponent) }),
    h(
      "span",
      { class: "transaction-meta" },
      h("time", { datetime: t.created_at, title: fullTime(t.created_at), text: shortTime(t.created_at) }),
      t.note ? ` · ${t.note}` : "",
    ),
    h("span", { class: "transaction-after", text: interpolate(gettext("Balance %(amount)s"), { amount: formatMoney(t.balance_after, t.currency, t.exponent) }, true) }),
  );
}

async function loadHistory({ reset = false } = {}) {
  if (history.loading) {
    history.resetAgain ||= reset; // a live update during a load: load again after it
    return;
  }
  history.loading = true;
  if (reset) history.before = null;
  els.error.textContent = "";
  try {
    const rows = await api.get("/api/payments/transactions", {
      limit: PAGE,
      before: history.before,
      counterpart: els.filter.value,
    });
    if (reset) clear(els.list);
    els.list.append(...rows.map(transactionItem));
    if (rows.length) history.before = rows[rows.length - 1].id;
    els.more.hidden = rows.length < PAGE;
    els.empty.hidden = els.list.children.length > 0;
  } catch (error) {
    els.error.textContent = interpolate(gettext("Could not load the history: %(error)s"), { error: error.message }, true);
  } finally {
    history.loading = false;
  }
  if (history.resetAgain) {
    history.resetAgain = false;
    await loadHistory({ reset: true });
  }
}

async function loadFriends() {
  try {
    const friends = await api.get("/api/friends");
    for (const friend of friends) {
      els.filter.append(h("option", { value: String(friend.id), text: nameOf(friend) }));
    }
  } catch {
    // the filter stays at "everyone"
  }
}

els.more.addEventListener("click", () => loadHistory());
els.filter.addEventListener("change", () => loadHistory({ reset: true }));

async function refresh() {
  await Promise.allSettled([loadBalances(), loadHistory({ reset: true })]);
}

// A transfer (or a correction by staff) changed the balance: show it and the new line.
app.socket.on("wallet_updated", refresh);
app.socket.on("connected", (frame) => {
  if (frame.reconnected) refresh();
});

loadFriends();
refresh();
