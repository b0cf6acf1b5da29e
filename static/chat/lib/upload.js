// Sending a file to the server with progress. fetch() cannot report how much of a request
// body has gone out (upload streams need HTTP/2 and are not in every browser), so this
// one request type uses XMLHttpRequest, with the same auth and errors as lib/api.js.

import { ApiError, csrfToken } from "./api.js";

/**
 * Send `file` as the multipart field `file` to `path` (POST /api/uploads, PUT an avatar).
 * `onProgress(fraction)` follows the bytes sent; `signal` (an AbortSignal) cancels.
 * Resolves to the parsed JSON body; rejects with ApiError (status 0 for the network) or,
 * when cancelled, with a DOMException named "AbortError". A cancel that comes after the
 * whole body has gone out cannot stop the server from keeping the file: the request is
 * then let finish, and the AbortError carries what the server answered (`result`), so
 * the caller can delete it.
 */
export function sendFile(path, file, { method = "POST", onProgress = () => {}, signal } = {}) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new DOMException("Upload cancelled", "AbortError"));
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open(method, path);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.withCredentials = true;
    let bodySent = false;
    let cancelledLate = false;
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable && event.total) onProgress(event.loaded / event.total);
    });
    xhr.upload.addEventListener("load", () => {
      bodySent = true;
    });
    xhr.addEventListener("load", () => {
      let data = null;
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        data = null;
      }
      if (cancelledLate) {
        const cancelled = new DOMException("Upload cancelled", "AbortError");
        cancelled.result = xhr.status >= 200 && xhr.status < 300 ? data : null;
        reject(cancelled);
        return;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(data);
        return;
      }
      if (xhr.status === 401) {
        window.location.assign(`/accounts/login/?next=${encodeURIComponent(location.pathname)}`);
      }
      reject(new ApiError(xhr.status, data, Number(xhr.getResponseHeader("Retry-After")) || null));
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, null)));
    xhr.addEventListener("abort", () => reject(new DOMException("Upload cancelled", "AbortError")));
    signal?.addEventListener(
      "abort",
      () => {
        if (bodySent) cancelledLate = true;
        else xhr.abort();
      },
      { once: true },
    );
    const body = new FormData();
    body.append("file", file, file.name || "file");
    xhr.send(body);
  });
}

export const isAbort = (error) => error instanceof DOMException && error.name === "AbortError";
