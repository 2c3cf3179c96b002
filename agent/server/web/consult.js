// The consultation form: loads what is saved, saves each change as you go.
// Answers are set with .value and text with textContent, never as HTML.
"use strict";

const SAVE_DELAY_MS = 500;
const $ = (id) => document.getElementById(id);
let pending = {};
let timer = null;

function show(record) {
  if (!record) return;
  let answered = 0;
  for (const answer of record.answers) {
    const field = document.querySelector(`[data-question="${answer.id}"]`);
    if (!field) continue;
    const input = field.querySelector("textarea, input, select");
    const hint = field.querySelector(".hint");
    if (answer.raw !== null && !(answer.id in pending) && document.activeElement !== input) {
      input.value = input.tagName === "SELECT" ? selectValue(input, answer) : answer.raw;
    } else if (answer.raw === null && !(answer.id in pending) && document.activeElement !== input) {
      input.value = "";  // cleared on the server, e.g. a changed goal needs agreeing again
    }
    if (answer.raw !== null && !answer.unclear) answered += 1;
    field.classList.toggle("unclear", answer.unclear);
    hint.hidden = !answer.unclear;
    hint.textContent = answer.unclear ? "I couldn't read this one; could you put it another way?" : "";
  }
  $("progress-count").textContent = `${answered} of ${record.answers.length} answered.`;
  const draft = $("goal-draft");
  draft.hidden = !record.goal;
  draft.textContent = record.goal ? "Your goal as drafted: " + record.goal.text : "";
  if (record.status === "complete") $("save-state").textContent = "All done: your consultation is complete.";
}

function selectValue(select, answer) {
  const wanted = answer.value === true ? "yes" : answer.value === false ? "no"
    : answer.value === "unspecified" ? "skip" : String(answer.value ?? answer.raw);
  return [...select.options].some((o) => o.value === wanted) ? wanted : "";
}

async function flush() {
  timer = null;
  const answers = pending;
  if (!Object.keys(answers).length) return;
  $("save-state").textContent = "Saving...";
  try {
    const data = await coachApi("PUT", "/v1/me/consultation", { answers });
    for (const key of Object.keys(answers)) if (pending[key] === answers[key]) delete pending[key];
    // "Saved." only once nothing typed since is waiting; the timer sends the rest.
    if (!Object.keys(pending).length) $("save-state").textContent = "Saved.";
    show(data.record);
  } catch (error) {
    const wait = error.status === 429 ? Math.max(1, error.retryAfter) * 1000 : 3000;
    $("save-state").textContent = "Not saved yet (" + error.message + "); trying again.";
    timer = setTimeout(flush, wait);
  }
}

function queue(event) {
  const input = event.target;
  if (!input.name) return;
  pending[input.name] = input.value;
  $("save-state").textContent = "Saving...";
  clearTimeout(timer);
  timer = setTimeout(flush, SAVE_DELAY_MS);
}

async function open(candidate) {
  const response = await coachFetch("GET", "/v1/me/consultation", undefined, candidate);
  const data = await response.json();
  $("consult-form").hidden = false;
  show(data.record);
}

document.addEventListener("DOMContentLoaded", () => {
  $("consult-form").addEventListener("change", queue);
  $("consult-form").addEventListener("input", queue);
  $("consult-form").addEventListener("submit", (event) => { event.preventDefault(); flush(); });
  // Leaving with a change not yet sent: a keepalive request outlives the page.
  window.addEventListener("pagehide", () => {
    if (!Object.keys(pending).length) return;
    fetch("/v1/me/consultation", {
      method: "PUT",
      keepalive: true,
      headers: { "Authorization": "Bearer " + coachToken, "Content-Type": "application/json" },
      body: JSON.stringify({ answers: pending }),
    });
  });
  coachSignIn(open);
});
