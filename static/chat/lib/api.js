// The REST client: JSON in and out, the session cookie for auth, the CSRF token
// from the csrftoken cookie on unsafe methods (DRF SessionAuthentication needs it).
// A refusal becomes an ApiError whose message is in the user's language (lib/errors.js).

import { errorText } from "./errors.js";

export class ApiError extends Error {
  /** `retryAfter`: seconds to wait before trying again (429, 503), from Retry-After. */
  constructor(status, data, retryAfter = null) {
    super(errorText(status, data, { retryAfter }));
    this.status = status;
    this.data = data;
    this.retryAfter = retryAfter;
  }
}

/** The CSRF token Django's session auth wants on unsafe requests (the csrftoken cookie). */
export function csrfToken() {
  return cookie("csrftoken");
}

function cookie(name) {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return "";
}

function buildUrl(path, params) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  }
  return url;
}

/** One request; resolves to the parsed JSON (or null for 204), throws ApiError. */
export async function request(method, path, { body, params } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (!["GET", "HEAD", "OPTIONS"].includes(method)) headers["X-CSRFToken"] = csrfToken();
  let response;
  try {
    response = await fetch(buildUrl(path, params), {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, null);
  }
  let data = null;
  if (response.status !== 204) {
    const text = await response.text();
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
  }
  if (response.status === 401) {
    // The session is gone (logged out elsewhere, expired): back to the login page.
    window.location.assign(`/accounts/login/?next=${encodeURIComponent(location.pathname)}`);
  }
  if (!response.ok) {
    throw new ApiError(response.status, data, Number(response.headers.get("Retry-After")) || null);
  }
  return data;
}

export const api = {
  get: (path, params) => request("GET", path, { params }),
  post: (path, body = {}) => request("POST", path, { body }),
  patch: (path, body) => request("PATCH", path, { body }),
  put: (path, body = {}) => request("PUT", path, { body }),
  del: (path) => request("DELETE", path),
};
