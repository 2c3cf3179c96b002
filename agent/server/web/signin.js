// Shared by the consultation and progress pages: the token the web chat stored, API calls
// with it, and the sign-in card when there is none (or it stopped working).
"use strict";

const COACH_TOKEN_KEY = "coachloop.token";
let coachToken = localStorage.getItem(COACH_TOKEN_KEY) || "";

async function coachFetch(method, path, body, candidate) {
  const response = await fetch(path, {
    method,
    headers: {
      "Authorization": "Bearer " + (candidate || coachToken),
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    let message = "HTTP " + response.status;
    try { const data = await response.json(); message = data.error || data.detail || message; } catch (_) { /* not JSON */ }
    const error = new Error(typeof message === "string" ? message : JSON.stringify(message));
    error.status = response.status;
    error.retryAfter = Number(response.headers.get("Retry-After") || 0);
    throw error;
  }
  return response;
}

async function coachApi(method, path, body) {
  return (await coachFetch(method, path, body)).json();
}

// Calls open(token) with the stored token, else after the person signs in; open throws
// (e.g. a 401) to show the sign-in card.
function coachSignIn(open) {
  const card = document.getElementById("sign-in");
  const attempt = async (candidate) => {
    await open(candidate);
    coachToken = candidate;
    localStorage.setItem(COACH_TOKEN_KEY, candidate);
    card.hidden = true;
  };
  document.getElementById("sign-in-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try { await attempt(document.getElementById("token").value.trim()); }
    catch (error) {
      document.getElementById("sign-in-error").textContent =
        error.status === 401 ? "That token is not valid." : error.message;
    }
  });
  if (coachToken) attempt(coachToken).catch(() => { card.hidden = false; });
  else card.hidden = false;
}
