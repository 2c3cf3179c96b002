// The progress page: fetches the self-contained report and shows it in a sandboxed frame.
"use strict";

async function loadReport(candidate) {
  const response = await coachFetch("GET", "/v1/me/progress.html", undefined, candidate);
  const html = await response.text();
  document.getElementById("report").hidden = false;
  document.getElementById("report-frame").srcdoc = html;
  document.getElementById("download").href = URL.createObjectURL(new Blob([html], { type: "text/html" }));
}

document.addEventListener("DOMContentLoaded", () => coachSignIn(loadReport));
