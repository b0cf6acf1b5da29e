// The REST client: JSON in and out, the session cookie for auth, the CSRF token
// from the csrftoken cookie on unsafe methods (DRF SessionAuthentication needs it).

export class ApiError extends Error {
  constructor(status, data) {
    super(ApiError.describe(status, data));
    this.status = status;
    this.data = data;
  }

  /** A human sentence out of DRF's error shapes ({detail} or {field: [msg]}). */
  static describe(status, data) {
    if (data && typeof data === "object") {
      if (typeof data.detail === "string") return data.detail;
      const parts = [];
      for (const [field, messages] of Object.entries(data)) {
        const text = Array.isArray(messages) ? messages.join(" ") : String(messages);
        parts.push(field === "non_field_errors" ? text : `${field}: ${text}`);
      }
      if (parts.length) return parts.join(" ");
    }
    if (status === 0) return gettext("Network error: check your connection.");
    if (status === 413) return gettext("This file is too large.");
    if (status === 429) return gettext("Too many requests, slow down a little.");
    return interpolate(gettext("Request failed (%(status)s)."), { status }, true);
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
    const error = new ApiError(response.status, data);
    // Seconds to wait before trying again (429), from the Retry-After header.
    error.retryAfter = Number(response.headers.get("Retry-After")) || null;
    throw error;
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
