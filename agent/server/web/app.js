// The coachloop web chat: plain DOM code, no framework, no build step.
// Every piece of text from the server is inserted with textContent, never as HTML.
"use strict";

const TOKEN_KEY = "coachloop.token";
const $ = (id) => document.getElementById(id);
let token = localStorage.getItem(TOKEN_KEY) || "";
let conversationId = null;
let currentSession = null;
let restTimer = null;
let restKey = "";

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: {
      "Authorization": "Bearer " + token,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try { data = await response.json(); } catch (_) { data = null; }
  if (!response.ok) {
    const message = (data && (data.error || data.detail)) || ("HTTP " + response.status);
    const error = new Error(typeof message === "string" ? message : JSON.stringify(message));
    error.status = response.status;
    throw error;
  }
  return data;
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function addMessage(role, text, extraClass) {
  const item = el("li", text, role + (extraClass ? " " + extraClass : ""));
  $("messages").appendChild(item);
  item.scrollIntoView({ block: "end" });
}

// --- sign in / out -------------------------------------------------------------------

async function signIn(candidate) {
  token = candidate;
  const history = await api("GET", "/v1/history");
  localStorage.setItem(TOKEN_KEY, token);
  $("sign-in").hidden = true;
  $("app").hidden = false;
  $("sign-out").hidden = false;
  conversationId = history.conversation_id;
  $("messages").replaceChildren();
  for (const message of history.messages) addMessage(message.role, message.content);
  drawProgress(history.weeks);
  const today = await api("GET", "/v1/plan/today");
  showSession(today.session);
  await refreshReadiness();
}

function signOut() {
  localStorage.removeItem(TOKEN_KEY);
  token = "";
  location.reload();
}

// --- plan and live session -----------------------------------------------------------

function planExercises(session) {
  // A started session carries the live blocks (names, sets, reps, rest); a planned one
  // carries the planner's exercises. Entries that are bare ids are not shown.
  const state = session.state || {};
  if (Array.isArray(state.exercises) && state.exercises.length) return state.exercises;
  const plan = session.plan || {};
  const list = Array.isArray(plan.exercises) ? plan.exercises
    : (Array.isArray(plan.blocks) ? plan.blocks.flatMap((b) => b.exercises || []) : []);
  return list.filter((e) => e && typeof e === "object" && e.name);
}

function describe(exercise) {
  const reps = exercise.reps !== undefined ? exercise.reps
    : (exercise.rep_low !== undefined ? exercise.rep_low + "-" + exercise.rep_high : "");
  const parts = [exercise.name];
  if (exercise.sets) parts.push(exercise.sets + " × " + reps);
  if (exercise.rest_s) parts.push("rest " + exercise.rest_s + " s");
  return parts.join(" · ");
}

function showPlan(session) {
  const card = $("plan-card");
  const exercises = session ? planExercises(session) : [];
  if (!session || exercises.length === 0) { card.hidden = true; return; }
  const plan = session.plan || {};
  $("plan-title").textContent = plan.title || "Today's plan";
  const minutes = plan.est_minutes ? Math.round(plan.est_minutes) + " min" : "";
  const goal = typeof plan.goal === "string" ? plan.goal.replace(/_/g, " ") : "";
  $("plan-meta").textContent = [minutes, goal, session.status.replace("_", " ")]
    .filter(Boolean).join(" · ");
  $("plan-exercises").replaceChildren(...exercises.map((e) => el("li", describe(e))));
  $("start-session").hidden = session.status !== "planned";
  card.hidden = false;
}

function showSession(session) {
  currentSession = session;
  showPlan(session);
  const live = session && session.status === "in_progress" ? session.live : null;
  $("live-card").hidden = !live;
  if (!live) { stopRest(); return; }
  const phases = { warmup: "Warm-up", set: "Working set", rest: "Resting",
                   cooldown: "Cool-down", feedback: "How was it?", done: "Finished" };
  $("live-phase").textContent = (phases[live.phase] || live.phase) +
    " · exercise " + Math.min(live.exercises_done + 1, live.exercises_total) +
    " of " + live.exercises_total;
  $("live-exercise").textContent = live.exercise || (live.phase === "warmup"
    ? "Warm up, then say done" : phases[live.phase] || "");
  const load = live.load !== null && live.load !== undefined ? " @ " + live.load + " " + (live.unit || "") : "";
  $("live-set").textContent = live.set_number
    ? "Set " + live.set_number + " of " + live.sets + " · " + live.target + " reps" + load : "";
  $("live-cues").replaceChildren(...live.cues.map((c) => el("li", c)));
  $("live-next").textContent = live.next_exercise ? "Next: " + live.next_exercise : "";
  $("log-load").placeholder = live.unit || "kg";
  if (live.phase === "rest" && live.rest_s) {
    startRest(session.id + ":" + session.sets_logged, live.rest_s);
  } else {
    stopRest();
    // Paired exercises have no rest between them: say so instead of a 0:00 countdown.
    if (live.phase === "rest") $("live-phase").textContent = "No rest: straight on";
  }
}

function formatSeconds(seconds) {
  const s = Math.max(0, Math.round(seconds));
  return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
}

function startRest(key, seconds) {
  if (key === restKey && restTimer) return;  // the same rest, already counting
  stopRest();
  restKey = key;
  const end = Date.now() + seconds * 1000;
  $("rest").hidden = false;
  const tick = () => {
    const left = (end - Date.now()) / 1000;
    $("rest-countdown").textContent = formatSeconds(left);
    $("rest-bar").style.width = Math.max(0, (left / seconds) * 100) + "%";
    if (left <= 0) { stopRest(); $("live-phase").textContent = "Rest over: next set"; }
  };
  tick();
  restTimer = setInterval(tick, 1000);
}

function stopRest() {
  if (restTimer) clearInterval(restTimer);
  restTimer = null;
  $("rest").hidden = true;
}

// --- chat ----------------------------------------------------------------------------

async function send(text) {
  $("chat-error").textContent = "";
  addMessage("user", text);
  $("send").disabled = true;
  try {
    const answer = await api("POST", "/v1/chat", { message: text, conversation_id: conversationId });
    conversationId = answer.conversation_id;
    addMessage("assistant", answer.reply, answer.safety.tier !== "none" ? "safety" : "");
    showSession(answer.session || answer.plan);
    if (answer.tool_calls.length) refreshProgress();
  } catch (error) {
    $("chat-error").textContent = error.message;
    if (error.status === 401) signOut();
  } finally {
    $("send").disabled = false;
  }
}

// --- progress charts (inline SVG) ----------------------------------------------------

const SVG = "http://www.w3.org/2000/svg";
function svgEl(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function horizontalBars(pairs, empty) {
  if (pairs.length === 0) return el("p", empty, "muted");
  const row = 22, width = 320, labelW = 110, max = Math.max(...pairs.map((p) => p[1]));
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${pairs.length * row}`, role: "img",
                              "aria-label": "Sets per muscle this week" });
  pairs.forEach(([label, value], i) => {
    const w = ((width - labelW - 40) * value) / max;
    svg.appendChild(svgEl("text", { x: 0, y: i * row + 15 }, label));
    svg.appendChild(svgEl("rect", { x: labelW, y: i * row + 4, width: Math.max(w, 2), height: 14, rx: 3 }));
    svg.appendChild(svgEl("text", { x: labelW + w + 6, y: i * row + 15 }, String(value)));
  });
  return svg;
}

function columns(pairs) {
  const width = 320, height = 110, base = 90, slot = width / Math.max(pairs.length, 1);
  const max = Math.max(1, ...pairs.map((p) => p[1]));
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, role: "img",
                              "aria-label": "Sessions per week" });
  pairs.forEach(([label, value], i) => {
    const h = (70 * value) / max;
    svg.appendChild(svgEl("rect", { x: i * slot + slot * 0.2, y: base - h, width: slot * 0.6, height: Math.max(h, 1), rx: 3 }));
    svg.appendChild(svgEl("text", { x: i * slot + slot * 0.5, y: base - h - 4, "text-anchor": "middle" }, String(value)));
    svg.appendChild(svgEl("text", { x: i * slot + slot * 0.5, y: height - 4, "text-anchor": "middle" }, label));
  });
  return svg;
}

function drawProgress(weeks) {
  const last = weeks.length ? weeks[weeks.length - 1] : { sets_per_muscle: {}, unmapped_sets: 0 };
  const muscles = Object.entries(last.sets_per_muscle).sort((a, b) => b[1] - a[1]).slice(0, 8);
  if (last.unmapped_sets) muscles.push(["other", last.unmapped_sets]);
  $("muscle-chart").replaceChildren(horizontalBars(muscles, "No sets logged this week yet."));
  $("week-chart").replaceChildren(columns(weeks.map((w) => [w.week_start.slice(5), w.sessions])));
}

async function refreshProgress() {
  try { drawProgress((await api("GET", "/v1/history")).weeks); } catch (_) { /* next time */ }
}

// --- readiness and imports ------------------------------------------------------------

const BAND_WORDS = { normal: "Normal", low: "Low: a lighter day", very_low: "Very low: a recovery day" };

function linePath(points) {
  return points.map((p, i) => (i ? "L" : "M") + p[0].toFixed(1) + " " + p[1].toFixed(1)).join(" ");
}

function hrvChart(days) {
  // The normal range as a shaded band, each day's HRV as a dot, the 7-day mean as a line.
  const width = 320, height = 140, top = 10, bottom = 120, left = 30;
  const values = days.flatMap((d) => [d.hrv, d.hrv_rolling, d.hrv_low, d.hrv_high])
    .filter((v) => v !== null && v !== undefined);
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, role: "img",
                              "aria-label": "HRV over the last 30 days against your normal range" });
  if (!values.length) {
    svg.appendChild(svgEl("text", { x: 0, y: 20 }, "No HRV imported yet."));
    return svg;
  }
  const low = Math.min(...values), high = Math.max(...values), span = (high - low) || 1;
  const step = (width - left - 5) / Math.max(days.length - 1, 1);
  const x = (i) => left + i * step;
  const y = (v) => bottom - ((v - low) / span) * (bottom - top);
  const ranged = days.map((d, i) => [i, d]).filter(([, d]) => d.hrv_low !== null && d.hrv_high !== null);
  if (ranged.length) {
    const upper = ranged.map(([i, d]) => [x(i), y(d.hrv_high)]);
    const lower = ranged.map(([i, d]) => [x(i), y(d.hrv_low)]).reverse();
    svg.appendChild(svgEl("path", { id: "hrv-range", class: "range", d: linePath(upper.concat(lower)) + " Z" }));
  }
  const rolling = days.map((d, i) => [i, d.hrv_rolling]).filter(([, v]) => v !== null);
  if (rolling.length) {
    svg.appendChild(svgEl("path", { id: "hrv-rolling", class: "line",
                                    d: linePath(rolling.map(([i, v]) => [x(i), y(v)])) }));
  }
  days.forEach((d, i) => {
    if (d.hrv !== null) svg.appendChild(svgEl("circle", { class: "hrv-day", cx: x(i), cy: y(d.hrv), r: 2.5 }));
  });
  svg.appendChild(svgEl("text", { x: 0, y: top + 4 }, String(Math.round(high))));
  svg.appendChild(svgEl("text", { x: 0, y: bottom }, String(Math.round(low))));
  svg.appendChild(svgEl("text", { x: left, y: height - 4 }, days[0].day.slice(5)));
  svg.appendChild(svgEl("text", { x: width - 5, y: height - 4, "text-anchor": "end" },
                        days[days.length - 1].day.slice(5) + " · ms"));
  return svg;
}

function restingChart(days) {
  const width = 320, height = 62;
  const points = days.map((d, i) => [i, d.resting_hr]).filter(([, v]) => v !== null);
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, role: "img",
                              "aria-label": "Resting heart rate over the last 30 days" });
  if (!points.length) return svg;
  const values = points.map(([, v]) => v);
  const low = Math.min(...values), high = Math.max(...values), span = (high - low) || 1;
  const step = (width - 35) / Math.max(days.length - 1, 1);
  svg.appendChild(svgEl("path", { id: "resting-line", class: "line",
    d: linePath(points.map(([i, v]) => [30 + i * step, 56 - ((v - low) / span) * 32])) }));
  svg.appendChild(svgEl("text", { x: 0, y: 28 }, String(Math.round(high))));
  svg.appendChild(svgEl("text", { x: 0, y: 60 }, String(Math.round(low))));
  svg.appendChild(svgEl("text", { x: 30, y: 14 }, "Resting HR, bpm"));
  return svg;
}

function drawReadiness(data) {
  const title = data.band ? BAND_WORDS[data.band] || data.band
    : (data.status === "calibrating" ? "Calibrating" : "No recovery data yet");
  $("readiness-band").textContent = title;
  $("readiness-band").dataset.band = data.band || data.status;
  $("readiness-drivers").replaceChildren(...data.drivers.map((d) => el("li", d)));
  $("readiness-effect").textContent = data.effect;
  $("readiness-chart").replaceChildren(hrvChart(data.chart));
  $("resting-chart").replaceChildren(restingChart(data.chart));
}

async function refreshReadiness() {
  try { drawReadiness(await api("GET", "/v1/readiness")); }
  catch (error) { $("readiness-effect").textContent = error.message; }
}

async function uploadExport(file) {
  const body = new FormData();
  body.append("file", file);
  const response = await fetch("/v1/import", { method: "POST", body,
                                               headers: { "Authorization": "Bearer " + token } });
  let data = null;
  try { data = await response.json(); } catch (_) { data = null; }
  if (!response.ok) {
    const message = (data && (data.error || data.detail)) || ("HTTP " + response.status);
    throw new Error(typeof message === "string" ? message : JSON.stringify(message));
  }
  return data;
}

function importSummary(report) {
  if (report.sets !== undefined) {
    return `${report.file}: ${report.workouts} workouts, ${report.sets} sets imported.`;
  }
  const values = report.daily_values, acts = report.activities;
  return `${report.file}: ${values.added} daily values added, ${values.updated} updated; ` +
    `${acts.added} activities added, ${acts.already} already there.`;
}

// --- wiring --------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  $("sign-in-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("sign-in-error").textContent = "";
    try { await signIn($("token").value.trim()); }
    catch (error) {
      $("sign-in-error").textContent = error.status === 401 ? "That token is not valid." : error.message;
    }
  });
  $("sign-out").addEventListener("click", signOut);
  $("chat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("chat-input").value.trim();
    if (!text) return;
    $("chat-input").value = "";
    send(text);
  });
  $("chat-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); $("chat-form").requestSubmit(); }
  });
  $("start-session").addEventListener("click", () => send("let's go"));
  $("rest-skip").addEventListener("click", () => { stopRest(); });
  for (const button of document.querySelectorAll("[data-say]")) {
    button.addEventListener("click", () => send(button.dataset.say));
  }
  $("log-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const reps = $("log-reps").value, load = $("log-load").value;
    if (!reps) { $("log-reps").focus(); return; }
    const unit = (currentSession && currentSession.live && currentSession.live.unit) || "kg";
    send(load ? `${reps} reps with ${load} ${unit}` : `did ${reps}`);
    $("log-reps").value = "";
  });
  $("import-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = $("import-file").files[0];
    if (!file) return;
    $("import-result").textContent = "Importing…";
    try {
      $("import-result").textContent = importSummary(await uploadExport(file));
      await refreshReadiness();
      await refreshProgress();
    } catch (error) {
      $("import-result").textContent = error.message;
    }
  });
  if (token) signIn(token).catch(() => { localStorage.removeItem(TOKEN_KEY); token = ""; });
});
