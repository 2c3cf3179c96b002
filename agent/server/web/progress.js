// The progress page: fetches the self-contained report and shows it in a sandboxed frame.
"use strict";

const TOKEN_KEY = "coachloop.token";
const $ = (id) => document.getElementById(id);
let token = localStorage.getItem(TOKEN_KEY) || "";

async function load(candidate) {
  const response = await fetch("/v1/me/progress.html", {
    headers: { "Authorization": "Bearer " + candidate },
  });
  if (!response.ok) {
    const error = new Error("HTTP " + response.status);
    error.status = response.status;
    throw error;
  }
  const html = await response.text();
  token = candidate;
  localStorage.setItem(TOKEN_KEY, token);
  $("sign-in").hidden = true;
  $("report").hidden = false;
  $("report-frame").srcdoc = html;
  $("download").href = URL.createObjectURL(new Blob([html], { type: "text/html" }));
}

document.addEventListener("DOMContentLoaded", () => {
  $("sign-in-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try { await load($("token").value.trim()); }
    catch (error) { $("sign-in-error").textContent = error.status === 401 ? "That token is not valid." : error.message; }
  });
  if (token) load(token).catch(() => { $("sign-in").hidden = false; });
  else $("sign-in").hidden = false;
});
