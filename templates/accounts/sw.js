{% load i18n %}// The service worker: shows this server's web pushes (accounts.push, messaging.push) and
// opens the conversation when one is clicked. Served at /sw.js (scope "/") by
// accounts.views.service_worker, rendered in the language of the page that registered it.
"use strict";

const STRINGS = {
  newMessage: "{% translate 'New message'|escapejs %}",
  newMention: "{% translate 'You were mentioned'|escapejs %}",
  inConversation: "{% translate '%(sender)s in %(conversation)s'|escapejs %}",
};

function fill(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, name) => values[name] ?? "");
}

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

function describe(data) {
  const conversation = data.conversation || {};
  const sender = (data.sender && data.sender.name) || "";
  const direct = conversation.type === "direct";
  const title = direct || !conversation.name
    ? sender || conversation.name || ""
    : fill(STRINGS.inConversation, { sender, conversation: conversation.name });
  const fallback = data.type === "mention" ? STRINGS.newMention : STRINGS.newMessage;
  return {
    title: title || fallback,
    options: {
      body: typeof data.text === "string" && data.text ? data.text : fallback,
      tag: `conversation-${conversation.id}`,
      renotify: true,
      icon: "/static/chat/icon.svg",
      badge: "/static/chat/icon.svg",
      timestamp: data.sent_at ? Date.parse(data.sent_at) : Date.now(),
      data: { url: typeof data.url === "string" ? data.url : "/" },
    },
  };
}

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = {};
  }
  const { title, options } = describe(data);
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL(event.notification.data?.url || "/", self.location.origin);
  if (target.origin !== self.location.origin) return;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      for (const client of windows) {
        if (new URL(client.url).origin !== target.origin) continue;
        try {
          await client.focus();
          return await client.navigate(target.href);
        } catch {
          break; // a page this worker does not control cannot be navigated: open a new one
        }
      }
      return self.clients.openWindow(target.href);
    })(),
  );
});
