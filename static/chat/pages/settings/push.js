// The settings page's "Push notifications" section (templates/accounts/settings/_push.html):
// turn web push on or off for this browser, allow message text in pushes, and see and
// remove the devices that receive them. The service worker is /sw.js (scope "/"); the
// server's side is /api/push (docs/api.md, "Web push").
//
// "On for this device" means: this browser holds a push subscription made with the
// server's current key, and the server has it in the user's devices. A subscription the
// server no longer lists (removed from another device, or dropped after the push service
// said it was gone) shows as off; enabling sends it again.

import { api } from "../../lib/api.js";
import { $, h, shortTime } from "../../lib/dom.js";

const els = {
  status: $("#push-status"),
  enable: $("#push-enable"),
  disable: $("#push-disable"),
  previews: $("#push-previews"),
  devices: $("#push-devices"),
  empty: $("#push-devices-empty"),
  error: $("#push-error"),
};

const SUPPORTED = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

let key = { enabled: false, public_key: null };
let devices = [];
let subscription = null; // this browser's PushSubscription, if any

function say(status, error = "") {
  els.status.textContent = status;
  els.error.textContent = error;
}

/** The applicationServerKey: base64url text to bytes. */
function keyBytes(text) {
  const base64 = (text + "=".repeat((4 - (text.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

function sameKey(sub) {
  const used = sub?.options?.applicationServerKey;
  if (!used || !key.public_key) return true; // the browser does not say: trust it
  const mine = keyBytes(key.public_key);
  const theirs = new Uint8Array(used);
  return mine.length === theirs.length && mine.every((byte, i) => byte === theirs[i]);
}

function thisDevice() {
  return subscription ? devices.find((d) => d.endpoint === subscription.endpoint) || null : null;
}

/** "Firefox on Linux" out of a User-Agent header (enough to tell one's devices apart). */
function deviceName(agent) {
  const browsers = [["Edg/", "Edge"], ["OPR/", "Opera"], ["Firefox/", "Firefox"], ["Chrome/", "Chrome"], ["Safari/", "Safari"]];
  const systems = [["Android", "Android"], ["iPhone", "iPhone"], ["iPad", "iPad"], ["Windows", "Windows"], ["Mac OS", "macOS"], ["CrOS", "ChromeOS"], ["Linux", "Linux"]];
  const browser = browsers.find(([mark]) => agent.includes(mark))?.[1];
  const system = systems.find(([mark]) => agent.includes(mark))?.[1];
  if (browser && system) return interpolate(gettext("%(browser)s on %(system)s"), { browser, system }, true);
  return browser || system || gettext("Unknown browser");
}

function renderDevices() {
  const current = thisDevice();
  els.devices.replaceChildren(
    ...devices.map((device) => {
      const seen = device.last_success_at
        ? interpolate(gettext("last notified %(time)s"), { time: shortTime(device.last_success_at) }, true)
        : gettext("not notified yet");
      const added = interpolate(gettext("added %(time)s"), { time: shortTime(device.created_at) }, true);
      const label = deviceName(device.user_agent || "");
      return h(
        "li",
        { class: "person", dataset: { subscriptionId: String(device.id) } },
        h("strong", { text: label }),
        device === current ? h("span", { class: "muted", text: gettext("(this device)") }) : null,
        h("span", { class: "muted", text: `${added} · ${seen}` }),
        h("button", {
          type: "button",
          class: "small ghost",
          text: gettext("Remove"),
          "aria-label": interpolate(gettext("Remove %(device)s"), { device: label }, true),
          onclick: () => remove(device),
        }),
      );
    }),
  );
  els.empty.hidden = devices.length > 0;
}

function renderState() {
  const on = Boolean(thisDevice());
  els.enable.hidden = on || !key.enabled || !SUPPORTED;
  els.disable.hidden = !on;
  if (!key.enabled) say(gettext("Push notifications are not set up on this server."));
  else if (!SUPPORTED) say(gettext("This browser cannot receive push notifications."));
  else if (Notification.permission === "denied") {
    say(gettext("Notifications are blocked for this site: allow them in the browser's site settings."));
  } else say(on ? gettext("Push notifications are on for this device.") : gettext("Push notifications are off for this device."));
  renderDevices();
}

async function loadDevices() {
  devices = await api.get("/api/push/subscriptions");
}

async function registration() {
  await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  return navigator.serviceWorker.ready;
}

async function enable() {
  els.enable.disabled = true;
  say(gettext("Turning on…"));
  try {
    const permission = await Notification.requestPermission();
    if (permission !== "granted") {
      say("", gettext("Notifications are blocked for this site: allow them in the browser's site settings."));
      return;
    }
    const reg = await registration();
    subscription = await reg.pushManager.getSubscription();
    if (subscription && !sameKey(subscription)) {
      await subscription.unsubscribe(); // made with a key the server no longer has
      subscription = null;
    }
    subscription ||= await reg.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(key.public_key),
    });
    await api.post("/api/push/subscriptions", subscription.toJSON());
    await loadDevices();
    renderState();
  } catch (error) {
    say("", error.status ? error.message : interpolate(gettext("This browser could not subscribe: %(reason)s"), { reason: error.message || String(error) }, true));
  } finally {
    els.enable.disabled = false;
  }
}

async function disable() {
  els.disable.disabled = true;
  try {
    const device = thisDevice();
    if (device) await api.del(`/api/push/subscriptions/${device.id}`);
    await subscription?.unsubscribe();
    subscription = null;
    await loadDevices();
    renderState();
  } catch (error) {
    say("", error.message);
  } finally {
    els.disable.disabled = false;
  }
}

async function remove(device) {
  try {
    await api.del(`/api/push/subscriptions/${device.id}`);
    if (device === thisDevice()) {
      await subscription?.unsubscribe();
      subscription = null;
    }
  } catch (error) {
    if (error.status !== 404) {
      say("", error.message);
      return;
    }
  }
  await loadDevices();
  renderState();
}

async function savePreviews() {
  const wanted = els.previews.checked;
  els.previews.disabled = true;
  try {
    const me = await api.patch("/api/auth/me", { push_previews: wanted });
    els.previews.checked = Boolean(me.push_previews);
    say(wanted ? gettext("Push notifications will show message text.") : gettext("Push notifications will not show message text."));
  } catch (error) {
    els.previews.checked = !wanted;
    say("", error.message);
  } finally {
    els.previews.disabled = false;
  }
}

async function start() {
  els.enable.addEventListener("click", enable);
  els.disable.addEventListener("click", disable);
  els.previews.addEventListener("change", savePreviews);
  try {
    const [serverKey, me] = await Promise.all([api.get("/api/push/key"), api.get("/api/auth/me"), loadDevices()]);
    key = serverKey;
    els.previews.checked = Boolean(me.push_previews);
    if (key.enabled && SUPPORTED) {
      const reg = await navigator.serviceWorker.getRegistration("/");
      subscription = (await reg?.pushManager.getSubscription()) || null;
    }
  } catch (error) {
    say("", error.message);
  }
  renderState();
}

start();
