// The mock's inspector: plain JavaScript, no library, no build step (docs/DESIGN.md says why).
// Everything it shows comes from the control API; /_mock/changes says when to look again.
"use strict";

const PAGE = 50; // jobs per page: the DOM stays small whatever the store holds
const TOKEN_KEY = "mock-gateway-admin-token"; // sessionStorage: this tab only

const state = {
  token: sessionStorage.getItem(TOKEN_KEY) || "",
  tab: "jobs",
  offset: 0,
  filters: { account: "", model: "", status: "", generation: "" },
  story: null, // request id of the job whose story is open
  clock: null, // {now, epoch, manual}
  vocab: null,
  accounts: [],
  refreshing: false,
  again: false,
  waitingForToken: [],
};

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

// -- the control API ------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function authHeaders() {
  return state.token ? { Authorization: `Bearer ${state.token}` } : {};
}

async function request(path, options = {}) {
  const headers = authHeaders();
  let body;
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  const response = await fetch(path, { method: options.method || "GET", headers, body, cache: "no-store" });
  if (response.status === 401) {
    askForToken();
    throw new ApiError(401, "the admin token is required");
  }
  return response;
}

async function api(path, options = {}) {
  const response = await request(path, options);
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const why = data && (data.message || data.error) ? [data.error, data.message].filter(Boolean).join(": ") : response.statusText;
    throw new ApiError(response.status, why);
  }
  return data;
}

async function picture(path) {
  const response = await request(path);
  if (!response.ok) return null;
  return URL.createObjectURL(await response.blob());
}

// -- the admin token ------------------------------------------------------------------------

function askForToken() {
  const dialog = $("#token-dialog");
  if (!dialog.open) dialog.showModal();
  return new Promise((resolve) => state.waitingForToken.push(resolve));
}

async function tokenGiven(event) {
  event.preventDefault();
  const form = event.target;
  state.token = form.token.value.trim();
  const answer = await fetch("/_mock/clock", { headers: authHeaders(), cache: "no-store" });
  if (answer.status === 401) {
    $(".error", form).textContent = "Not accepted: that is not this mock's admin token.";
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, state.token);
  $(".error", form).textContent = "";
  $("#token-dialog").close();
  for (const resolve of state.waitingForToken.splice(0)) resolve();
  await start();
}

// -- formatting -----------------------------------------------------------------------------

const seconds = (iso) => (iso ? Date.parse(iso) / 1000 : null);
const clockTime = (iso) => (iso ? iso.slice(11, 23) : "");

function timeCell(iso) {
  return iso ? `<time datetime="${esc(iso)}" title="${esc(iso)}">${esc(clockTime(iso))}</time>` : "—";
}

function duration(s) {
  const a = Math.abs(s);
  if (a < 1e-9) return "0";
  if (a < 1) return `${(s * 1000).toFixed(0)} ms`;
  if (a < 120) return `${+s.toFixed(2)} s`;
  if (a < 7200) return `${+(s / 60).toFixed(1)} min`;
  return `${+(s / 3600).toFixed(1)} h`;
}

function toast(text, bad = false) {
  const box = $("#toast");
  box.textContent = text;
  box.className = bad ? "bad" : "";
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (box.hidden = true), bad ? 6000 : 2500);
}

// -- one picture of time: an axis in simulated seconds --------------------------------------

// rows: [{label, items: [{t, label, cls, shape}]}]; bands: [{from, to, label, cls}] on top.
function axis(el, { from, to, now, origin, bands = [], rows = [] }) {
  const width = Math.max(el.clientWidth || 1000, 480); // drawn at the size shown: text stays legible
  const left = 90;
  const rowHeight = 26;
  const top = bands.length ? 30 : 8;
  const height = top + rows.length * rowHeight + 26;
  const span = Math.max(to - from, 1e-3);
  const x = (t) => left + ((t - from) / span) * (width - left - 12);
  const parts = [`<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="time axis in simulated seconds">`];
  for (const b of bands) {
    const x1 = x(Math.max(b.from, from));
    const x2 = x(Math.min(b.to, to));
    if (x2 <= x1) continue;
    parts.push(`<g class="band ${esc(b.cls)}"><rect x="${x1}" y="6" width="${x2 - x1}" height="18"><title>${esc(b.title || b.label)}</title></rect>`);
    if (x2 - x1 > 60) parts.push(`<text x="${x1 + 4}" y="19">${esc(b.label)}</text>`);
    parts.push("</g>");
  }
  rows.forEach((row, i) => {
    const y = top + i * rowHeight + rowHeight / 2;
    parts.push(`<text class="row-label" x="4" y="${y + 4}">${esc(row.label)}</text>`);
    parts.push(`<line class="row-line" x1="${left}" x2="${width - 12}" y1="${y}" y2="${y}"/>`);
    const placed = []; // x of the marks drawn: a label near another one goes higher
    for (const item of row.items) {
      if (item.t == null || item.t < from || item.t > to) continue;
      const cx = x(item.t);
      const crowd = placed.filter((px) => Math.abs(px - cx) < 18).length;
      placed.push(cx);
      const title = `<title>${esc(item.label)}</title>`;
      const cls = `mark ${esc(item.cls || "")}`;
      if (item.shape === "diamond") {
        parts.push(`<path class="${cls}" d="M${cx} ${y - 7} L${cx + 7} ${y} L${cx} ${y + 7} L${cx - 7} ${y} Z">${title}</path>`);
      } else if (item.shape === "tick") {
        parts.push(`<rect class="${cls}" x="${cx - 1.5}" y="${y - 8}" width="3" height="16">${title}</rect>`);
      } else {
        parts.push(`<circle class="${cls}" cx="${cx}" cy="${y}" r="6">${title}</circle>`);
      }
      if (item.text) parts.push(`<text class="mark-text" x="${cx + 8 + crowd * 16}" y="${y - 6}">${esc(item.text)}</text>`);
    }
  });
  const base = top + rows.length * rowHeight + 4;
  parts.push(`<line class="axis-line" x1="${left}" x2="${width - 12}" y1="${base}" y2="${base}"/>`);
  const step = niceStep(span / Math.max(2, Math.floor(width / 120)));
  const first = Math.ceil((from - origin) / step) * step;
  for (let s = first; origin + s <= to + 1e-9; s += step) {
    const tx = x(origin + s);
    parts.push(`<line class="tick" x1="${tx}" x2="${tx}" y1="${base}" y2="${base + 5}"/><text class="tick-label" x="${tx}" y="${base + 17}" text-anchor="middle">${s >= 0 ? "+" : ""}${esc(duration(s))}</text>`);
  }
  if (now != null && now >= from && now <= to) {
    parts.push(`<line class="now-line" x1="${x(now)}" x2="${x(now)}" y1="2" y2="${base}"><title>now</title></line><text class="now-label" x="${x(now) + 3}" y="${base - 3}">now</text>`);
  }
  parts.push("</svg>");
  el.innerHTML = parts.join("");
}

function niceStep(raw) {
  const steps = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400];
  return steps.find((s) => s >= raw) || 86400 * Math.ceil(raw / 86400);
}

// Pending work as marks: what the clock will do next (steering) and to one job (its story).
function eventItems(events) {
  return events
    .filter((e) => !e.held)
    .map((e) => ({
      t: seconds(e.due),
      cls: `ev-${e.kind}`,
      shape: e.kind === "refund" ? "diamond" : "circle",
      label: `${e.kind}${e.status ? " " + e.status : ""}${e.kind === "deliver" ? ` attempt ${e.attempts_made + 1}` : ""} for ${e.request_id} at ${e.due}`,
      text: e.kind === "deliver" ? `#${e.attempts_made + 1}` : e.kind === "refund" ? "$" : "",
    }));
}

// -- the clock and what is due --------------------------------------------------------------

function showClock(clock) {
  state.clock = clock;
  $("#clock-now").textContent = clock.now;
  $("#clock-kind").textContent = clock.manual ? "frozen" : "running";
  $("#clock-kind").className = `pill ${clock.manual ? "frozen" : "running"}`;
  $("#clock-toggle").textContent = clock.manual ? "Run" : "Freeze";
}

const DRAWN = 500; // pending events drawn on the clock's axis: the soonest, whatever is pending

async function refreshUpcoming() {
  const { events, total } = await api(`/_mock/events?limit=${DRAWN}`);
  const now = state.clock ? state.clock.epoch : Date.now() / 1000;
  const due = events.filter((e) => !e.held).map((e) => seconds(e.due));
  const last = due.length ? Math.max(...due) : now + 30;
  const to = Math.max(now + 30, last + (last - now) * 0.08 + 1);
  const held = events.length - due.length;
  const drawn = total > events.length ? ` (the soonest ${events.length} drawn)` : "";
  $("#upcoming-count").textContent = `${total} pending${drawn}${held ? `, ${held} held until their job's final callback` : ""}`;
  const kinds = [
    ["callbacks", (e) => e.kind === "deliver" || e.kind === "terminal"],
    ["sync updates", (e) => e.kind === "progress"],
    ["refunds", (e) => e.kind === "refund"],
  ];
  axis($("#upcoming-axis"), {
    from: now - (to - now) * 0.03,
    to,
    now,
    origin: now,
    rows: kinds.map(([label, pick]) => ({ label, items: eventItems(events.filter(pick)) })),
  });
}

async function advance(by) {
  const s = Number(by);
  if (!Number.isFinite(s) || s < 0) {
    toast("Seconds to advance: a number from 0");
    return;
  }
  try {
    showClock(await api("/_mock/clock/advance", { method: "POST", body: { seconds: s } }));
    await refresh();
  } catch (e) {
    toast(`Advance: ${e.message}`);
  }
}

async function toggleClock() {
  const verb = state.clock && state.clock.manual ? "unfreeze" : "freeze";
  try {
    showClock(await api(`/_mock/clock/${verb}`, { method: "POST" }));
    await refresh();
  } catch (e) {
    toast(`Clock: ${e.message}`);
  }
}

async function reset() {
  if (!confirm("Reset the mock? Every job, journal entry, delivery and pending event goes; keys and rules go back to the configured ones.")) return;
  try {
    await api("/_mock/reset", { method: "POST" });
    location.hash = "";
    state.offset = 0;
    toast("The mock was reset");
    await refresh();
  } catch (e) {
    toast(`Reset: ${e.message}`);
  }
}

// -- jobs -----------------------------------------------------------------------------------

function timelineBar(job, now) {
  const created = seconds(job.created_at);
  const processing = seconds(job.processing_at);
  const ends = seconds(job.ends_at);
  const span = Math.max(ends - created, 1e-6);
  const q = ((processing - created) / span) * 100;
  const p = 100 - q;
  const at = Math.min(Math.max((now - created) / span, 0), 1) * 100;
  const title = `QUEUED ${duration(processing - created)}, PROCESSING ${duration(ends - processing)}, then ${job.planned_outcome || "(input still being read)"}`;
  return `<div class="bar" title="${esc(title)}"><span class="seg q" style="width:${q}%"></span><span class="seg p" style="width:${p}%"></span><span class="end s-${esc(job.planned_outcome || "PROCESSING")}"></span><i style="left:${at}%"></i></div>`;
}

async function refreshJobs() {
  const params = new URLSearchParams({ limit: PAGE, offset: state.offset });
  for (const [name, value] of Object.entries(state.filters)) if (value) params.set(name, value);
  const found = await api(`/_mock/jobs?${params}`);
  const now = state.clock ? state.clock.epoch : Date.now() / 1000;
  const rows = found.jobs.map(
    (job) => `<tr data-request-id="${esc(job.request_id)}" tabindex="0" class="${job.request_id === state.story ? "open" : ""}">
      <td class="rid"><a href="#job=${encodeURIComponent(job.request_id)}">${esc(job.request_id)}</a></td>
      <td>${esc(job.model_id)}</td><td class="key">${esc(job.key)}</td><td>${job.generation}</td>
      <td class="status s-${esc(job.status)}">${esc(job.status)}</td>
      <td>${timeCell(job.created_at)}</td><td>${timeCell(job.updated_at)}</td><td>${timeCell(job.completed_at)}</td>
      <td>${timelineBar(job, now)}</td></tr>`,
  );
  $("#jobs-table tbody").innerHTML = rows.join("");
  const matched = found.matched;
  $("#jobs-empty").hidden = found.total > 0;
  const first = matched ? state.offset + 1 : 0;
  const last = state.offset + found.jobs.length;
  $("#page-info").textContent = `${first}–${last} of ${matched}${matched !== found.total ? ` (of ${found.total} jobs)` : ""}`;
  $("#newer").disabled = state.offset === 0;
  $("#older").disabled = last >= matched;
}

// The select's first option ("any", "none") stays; the choice stays if it is still offered.
// `options`: values, or [value, text] pairs.
function fillSelect(select, options) {
  const pairs = options.map((o) => (Array.isArray(o) ? o : [o, o]));
  const values = pairs.map(([v]) => v);
  const offered = Array.from(select.options).slice(1).map((o) => `${o.value}\t${o.text}`);
  if (offered.join("\n") === pairs.map(([v, t]) => `${v}\t${t}`).join("\n")) return; // an open dropdown stays open
  const chosen = select.value;
  const first = select.options[0].outerHTML;
  select.innerHTML = first + pairs.map(([v, t]) => `<option value="${esc(v)}">${esc(t)}</option>`).join("");
  if (values.includes(chosen)) select.value = chosen;
}

// -- a job's story --------------------------------------------------------------------------

async function refreshStory() {
  const rid = state.story;
  if (!rid) return;
  let story;
  try {
    story = await api(`/_mock/jobs/${encodeURIComponent(rid)}/story`);
  } catch (e) {
    if (e.status === 404) {
      $("#story-body").innerHTML = `<p class="empty">No job ${esc(rid)} in the mock (a reset, or a made-up id).</p>`;
      return;
    }
    throw e;
  }
  if (state.story !== rid) return; // another job was opened meanwhile
  const { now, ...rest } = story;
  const same = JSON.stringify(rest);
  if (state.storyShown === same && state.storyRid === rid) {
    drawStoryAxis(story); // only "now" moved: the tables, pictures and open sections stay
    return;
  }
  const open = $("#story-body details")?.open;
  renderStory(story);
  if (open) $("#story-body details").open = true;
  state.storyShown = same;
  state.storyRid = rid;
}

function renderStory(story) {
  const job = story.job;
  $("#story-title").innerHTML = `<span class="rid">${esc(job.request_id)}</span> <span class="status s-${esc(job.status)}">${esc(job.status)}</span>`;
  const body = $("#story-body");
  body.innerHTML = `
    <p class="facts">${esc(job.model_id)} · key <span class="key">${esc(job.key)}</span> · generation ${job.generation} · created ${esc(job.created_at)}${job.webhook_url ? ` · webhook ${esc(job.webhook_mode)} to <code>${esc(job.webhook_url)}</code>` : ""}</p>
    <div id="story-axis" class="axis"></div>
    <p class="legend"><span class="k ans"></span> status answers <span class="k cb"></span> callbacks (colour: outcome; number: attempt) <span class="k pend"></span> pending work <span class="k money"></span> money</p>
    <section id="story-shaped"><h3>Shaped by</h3>${shapedBy(story.shaped_by)}</section>
    <section id="story-money"><h3>Money</h3>${money(story.money)}</section>
    <section id="story-answers"><h3>Status answers <small>(${story.journal.length})</small></h3>${journalTable(story.journal)}
      <div class="curl"><pre>${esc(story.curl.status)}</pre><button type="button" class="copy" data-copy="${esc(story.curl.status)}">Copy as curl</button></div></section>
    <section id="story-callbacks"><h3>Webhook attempts <small>(${story.deliveries.length})</small></h3>${deliveriesTable(story.deliveries, story.curl.callbacks)}</section>
    <section><h3>Pending work <small>(${story.events.length})</small></h3>${eventsTable(story.events)}</section>
    <section class="pictures"><h3>Pictures</h3>${story.input ? `<figure><img id="input-img" alt=""><figcaption>input (${esc(story.input)})</figcaption></figure>` : ""}${story.output ? `<figure><img id="output-img" alt=""><figcaption>output</figcaption></figure>` : `<p class="empty">No output ${job.status === "COMPLETED" ? "" : "until the job is COMPLETED"}</p>`}</section>
    <section><h3>Raw JSON</h3><details><summary>the job</summary><pre class="raw">${esc(JSON.stringify(story, null, 2))}</pre></details></section>`;
  drawStoryAxis(story);
  loadPictures(job.request_id, story);
}

function drawStoryAxis(story) {
  const job = story.job;
  const now = seconds(story.now);
  const created = seconds(job.created_at);
  const processing = seconds(job.processing_at);
  const ends = seconds(job.ends_at);
  const times = [now, ends, ...story.journal.map((e) => seconds(e.time)), ...story.deliveries.map((d) => seconds(d.sim_time)), ...story.events.filter((e) => !e.held).map((e) => seconds(e.due))];
  const to = Math.max(...times);
  const pad = Math.max((to - created) * 0.04, 0.5);
  const outcome = job.planned_outcome || "PROCESSING";
  axis($("#story-axis"), {
    from: created - pad,
    to: to + pad,
    now,
    origin: created,
    bands: [
      { from: created, to: processing, label: "QUEUED", cls: "q", title: `QUEUED ${job.created_at} – ${job.processing_at}` },
      { from: processing, to: ends, label: "PROCESSING", cls: "p", title: `PROCESSING ${job.processing_at} – ${job.ends_at}` },
      { from: ends, to: Math.max(to + pad, ends + pad), label: outcome, cls: `s-${outcome}`, title: `${outcome} from ${job.ends_at}` },
    ],
    rows: [
      { label: "answers", items: story.journal.map((e) => ({ t: seconds(e.time), shape: "tick", cls: e.status && e.status < 400 ? "ok" : "bad", label: `${e.method} ${e.path} → ${e.status ?? "closed"} at ${e.time}` })) },
      {
        label: "callbacks",
        items: story.deliveries.map((d) => ({
          t: seconds(d.sim_time),
          cls: `out-${d.outcome}${d.duplicate ? " dup" : ""}`,
          label: `${d.status} attempt ${d.attempt} ${d.outcome}${d.http_status ? ` (HTTP ${d.http_status})` : ""}${d.duplicate ? " DUPLICATE" : ""} ${d.delivery_id} at ${d.sim_time}`,
          text: `#${d.attempt}${d.duplicate ? " dup" : ""}`,
        })),
      },
      { label: "pending", items: eventItems(story.events) },
      { label: "money", items: moneyItems(story.money) },
    ],
  });
}

const pictures = { rid: null, input: null, output: null }; // object URLs of the open story's

async function loadPictures(rid, story) {
  if (pictures.rid !== rid) {
    for (const which of ["input", "output"]) if (pictures[which]) URL.revokeObjectURL(pictures[which]);
    Object.assign(pictures, { rid, input: null, output: null });
  }
  const pairs = [["#input-img", story.input ? "input" : null], ["#output-img", story.output ? "output" : null]];
  for (const [sel, which] of pairs) {
    if (!which) continue;
    if (!pictures[which]) {
      const url = await picture(`/_mock/jobs/${encodeURIComponent(rid)}/${which}`);
      if (!url || pictures.rid !== rid) continue;
      pictures[which] = url;
    }
    const img = $(sel);
    if (img && state.story === rid) {
      img.src = pictures[which];
      img.alt = `${which} of ${rid}`;
    }
  }
}

function moneyItems(m) {
  const items = [{ t: seconds(m.charged_at), shape: "diamond", cls: "charge", label: `charged $${m.charged_usd} at ${m.charged_at}`, text: `-$${m.charged_usd}` }];
  if (m.refund) items.push({ t: seconds(m.refund.at), shape: "diamond", cls: `refund ${m.refund.state}`, label: `refund $${m.refund.amount_usd} (${m.refund.state}) at ${m.refund.at}`, text: `+$${m.refund.amount_usd}` });
  return items;
}

function shapedBy(s) {
  const parts = [];
  if (s.rules.length) parts.push(`rules: ${s.rules.map((r) => `<code>${esc(r)}</code>`).join(", ")}`);
  for (const view of s.rule_views) parts.push(`<code class="rule">${esc(JSON.stringify(view))}</code>`);
  if (s.flags.length) parts.push(`flags: ${s.flags.map((f) => `<code>${esc(f)}</code>`).join(" ")}`);
  if (s.forced_outcome) parts.push(`forced outcome: <b>${esc(s.forced_outcome)}</b>`);
  if (s.error) parts.push(`error: ${esc(s.error)}`);
  return parts.length ? `<p>${parts.join("<br>")}</p>` : `<p class="empty">Nothing: the mock's plain plan (no rule, header token or flag).</p>`;
}

function money(m) {
  const states = { pending: "pending", refunded: "refunded", not_refunded: "not refunded (the key was deleted first)" };
  const refund = m.refund ? `; refund of $${m.refund.amount_usd} at ${esc(m.refund.at)}: <b>${esc(states[m.refund.state] || m.refund.state)}</b>` : "; no refund (only a platform ERROR is refunded)";
  return `<p>charged $${m.charged_usd} at ${esc(m.charged_at)}${refund}</p>`;
}

function table(head, rows, empty) {
  if (!rows.length) return `<p class="empty">${esc(empty)}</p>`;
  return `<div class="scroll"><table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows.join("")}</tbody></table></div>`;
}

function journalTable(entries) {
  return table(
    ["seq", "time", "request", "HTTP", "job then", "rules", "fault"],
    entries.map((e) => `<tr><td>${e.seq}</td><td>${timeCell(e.time)}</td><td><code>${esc(e.method)} ${esc(e.path)}</code></td><td>${esc(e.status ?? "closed")}</td><td class="status s-${esc(e.job_status)}">${esc(e.job_status)}</td><td>${esc(e.scenario_rules.join(", "))}</td><td>${esc(e.fault || "")}</td></tr>`),
    "No answers about this job are in the journal (it keeps the newest journal_size).",
  );
}

function deliveriesTable(deliveries, curls) {
  return table(
    ["n", "sim time", "mode", "status sent", "attempt", "outcome", "HTTP", "error", "duplicate", "delivery id", ""],
    deliveries.map((d) => {
      const curl = curls[`${d.delivery_id}/${d.attempt}`] || "";
      return `<tr class="out-${esc(d.outcome)}" data-attempt="${d.attempt}"><td>${d.n}</td><td>${timeCell(d.sim_time)}</td><td>${esc(d.mode)}</td><td>${esc(d.status)}</td><td>${d.attempt}</td><td class="outcome">${esc(d.outcome)}</td><td>${esc(d.http_status ?? "")}</td><td>${esc(d.error || "")}</td><td>${d.duplicate ? "DUPLICATE" : ""}</td><td><code>${esc(d.delivery_id)}</code></td><td><button type="button" class="copy" data-copy="${esc(curl)}" title="${esc(curl)}">Copy as curl</button></td></tr>`;
    }),
    "No callback attempts (no webhook, or none due yet).",
  );
}

function eventsTable(events) {
  return table(
    ["kind", "due", "status", "attempts made", "delivery id"],
    events.map((e) => `<tr><td>${esc(e.kind)}</td><td>${e.held ? "held" : timeCell(e.due)}</td><td>${esc(e.status || "")}</td><td>${e.attempts_made}</td><td>${esc(e.delivery_id || "")}</td></tr>`),
    "Nothing left to happen to this job.",
  );
}

function openFromHash() {
  const m = location.hash.match(/^#job=(.+)$/);
  try {
    state.story = m ? decodeURIComponent(m[1]) : null;
  } catch {
    state.story = null; // a malformed link opens no job
  }
  state.storyShown = null;
  $("#story").hidden = !state.story;
  document.body.classList.toggle("with-story", !!state.story);
  $$("#jobs-table tbody tr").forEach((tr) => tr.classList.toggle("open", tr.dataset.requestId === state.story));
  if (state.story) {
    $("#story-title").textContent = state.story;
    $("#story-body").innerHTML = "";
  }
  refresh(); // the story, and the axes redrawn at their new widths
}

// -- keys -----------------------------------------------------------------------------------

async function refreshKeys() {
  const { accounts } = await api("/_mock/accounts");
  state.accounts = accounts;
  // by id: the redacted labels of two keys can be alike
  fillSelect($("#job-filters [name=account]"), accounts.map((a) => [a.id, `${a.key} ${a.id.slice(0, 6)}`]));
  if (state.tab !== "keys") return;
  $("#keys-table tbody").innerHTML = accounts
    .map((a) => {
      const limit = a.rate_limit ? `${a.rate_limit.requests} / ${a.rate_limit.per_seconds} s` : "none";
      const used = a.window_used == null ? "—" : `${a.window_used}${a.rate_limit ? ` of ${a.rate_limit.requests}` : ""}`;
      return `<tr data-account="${esc(a.id)}"><td class="key">${esc(a.key)}</td><td><code>${esc(a.id)}</code></td><td class="balance">${a.balance_usd}</td><td>${esc(a.models ? a.models.join(", ") : "all")}</td><td>${esc(limit)}</td><td>${esc(used)}</td><td>${a.api_generation}</td><td><button type="button" data-edit="${esc(a.id)}">Edit</button></td></tr>`;
    })
    .join("");
}

function editKey(id) {
  const a = state.accounts.find((x) => x.id === id);
  const form = $("#key-form");
  if (!a) return;
  form.account.value = a.id;
  $("#key-form-title").textContent = `Edit key ${a.key}`;
  $("#key-field").hidden = true;
  form.balance_usd.value = a.balance_usd;
  $$("#key-models input").forEach((box) => (box.checked = !!a.models && a.models.includes(box.value)));
  form.requests.value = a.rate_limit ? a.rate_limit.requests : "";
  form.per_seconds.value = a.rate_limit ? a.rate_limit.per_seconds : "";
  form.api_generation.value = String(a.api_generation);
}

function newKey() {
  const form = $("#key-form");
  form.reset();
  form.account.value = "";
  $("#key-form-title").textContent = "New key";
  $("#key-field").hidden = false;
}

async function saveKey(event) {
  event.preventDefault();
  const form = event.target;
  const error = $(".error", form);
  const fields = {};
  if (form.balance_usd.value.trim()) fields.balance_usd = form.balance_usd.value.trim();
  const ticked = $$("#key-models input:checked").map((box) => box.value);
  fields.models = ticked.length ? ticked : null;
  const requests = form.requests.value.trim();
  const per = form.per_seconds.value.trim();
  if (requests || per) {
    if (!requests || !per) {
      error.textContent = "A rate limit needs both: requests and seconds.";
      return;
    }
    fields.rate_limit = { requests: Number(requests), per_seconds: Number(per) };
  } else {
    fields.rate_limit = null;
  }
  fields.api_generation = form.api_generation.value ? Number(form.api_generation.value) : null;
  try {
    if (form.account.value) {
      await api(`/_mock/accounts/${encodeURIComponent(form.account.value)}`, { method: "PATCH", body: fields });
      toast("Key saved");
    } else {
      const key = form.key.value;
      if (!key) {
        error.textContent = "The key: the text clients will send in Ocp-Apim-Subscription-Key.";
        return;
      }
      await api(`/_mock/keys/${encodeURIComponent(key)}`, { method: "PUT", body: fields });
      toast("Key created");
      newKey();
    }
    error.textContent = "";
    await refresh();
  } catch (e) {
    error.textContent = e.message;
  }
}

// -- scenario rules -------------------------------------------------------------------------

async function refreshRules() {
  if (state.tab !== "rules") return;
  const { scenarios } = await api("/_mock/scenarios");
  $("#rules-table tbody").innerHTML = scenarios
    .map((r) => {
      const match = Object.entries(r.match).filter(([, v]) => v != null).map(([k, v]) => `${k}=${v}`).join(", ") || "every request";
      const effects = ["outcome", "error", "http", "latency_ms", "fault", "probability"].filter((k) => r[k] != null).map((k) => `${k}=${r[k]}`);
      if (r.flags.length) effects.push(`flags=${r.flags.join(" ")}`);
      return `<tr data-rule="${esc(r.id)}"><td><code>${esc(r.id)}</code></td><td>${esc(match)}</td><td>${esc(effects.join(", "))}</td><td>${r.times ?? "∞"}</td><td><button type="button" data-delete-rule="${esc(r.id)}">Remove</button></td></tr>`;
    })
    .join("");
  if (!scenarios.length) $("#rules-table tbody").innerHTML = `<tr><td colspan="5" class="empty">No rules: every job follows the mock's plain plan.</td></tr>`;
}

function ruleBody(form) {
  const rule = {};
  const match = {};
  if (form.match_key.value) match.key = form.match_key.value;
  if (form.match_model.value) match.model = form.match_model.value;
  if (form.match_input.value) match.input_contains = form.match_input.value;
  if (form.match_on.value) match.on = form.match_on.value;
  if (Object.keys(match).length) rule.match = match;
  if (form.outcome.value) rule.outcome = form.outcome.value;
  if (form.error.value.trim()) rule.error = form.error.value.trim();
  for (const name of ["http", "latency_ms", "times"]) if (form[name].value !== "") rule[name] = Number(form[name].value);
  if (form.probability.value !== "") rule.probability = Number(form.probability.value);
  const flags = $$("#rule-flags input:checked").map((box) => box.value);
  if (flags.length) rule.flags = flags;
  let fault = form.fault.value;
  if (fault === "fault-slow-<ms>") fault = `fault-slow-${form.slow_ms.value || 0}`;
  const faults = [fault, form.after_accept.checked ? "fault-after-accept" : ""].filter(Boolean);
  if (faults.length) rule.fault = faults.join(",");
  return rule;
}

async function addRule(event) {
  event.preventDefault();
  const form = event.target;
  const error = $(".error", form);
  const rule = ruleBody(form);
  if (!["outcome", "http", "latency_ms", "flags", "fault"].some((k) => k in rule)) {
    // The mock would refuse it (400) with the same words: say so before asking.
    error.textContent = "a rule needs at least one effect: outcome, http, latency_ms, flags or fault";
    return;
  }
  try {
    const added = await api("/_mock/scenarios", { method: "POST", body: rule });
    error.textContent = "";
    form.reset();
    $("#slow-ms").hidden = true;
    toast(`Rule ${added.id} added`);
    await refresh();
  } catch (e) {
    error.textContent = e.message;
  }
}

async function deleteRule(id) {
  try {
    await api(`/_mock/scenarios/${encodeURIComponent(id)}`, { method: "DELETE" });
    await refresh();
  } catch (e) {
    toast(`Remove rule: ${e.message}`);
  }
}

function fillVocabulary(vocab) {
  state.vocab = vocab;
  fillSelect($("#job-filters [name=model]"), vocab.models);
  fillSelect($("#job-filters [name=status]"), vocab.statuses);
  const rule = $("#rule-form");
  fillSelect(rule.match_model, vocab.models);
  fillSelect(rule.match_on, vocab.on);
  fillSelect(rule.outcome, vocab.outcomes);
  fillSelect(rule.fault, vocab.faults.filter((f) => f !== "fault-after-accept"));
  rule.slow_ms.max = vocab.max_slow_ms;
  $("#rule-flags").innerHTML = `<span>Flags</span>` + vocab.flags.map((f) => `<label><input type="checkbox" value="${esc(f)}"> ${esc(f)}</label>`).join("");
  $("#key-models").innerHTML = vocab.models.map((m) => `<label><input type="checkbox" value="${esc(m)}"> ${esc(m)}</label>`).join("");
}

// -- keeping up -----------------------------------------------------------------------------

async function refresh() {
  if (state.refreshing) {
    state.again = true;
    return;
  }
  state.refreshing = true;
  try {
    do {
      state.again = false;
      showClock(await api("/_mock/clock"));
      const work = [refreshUpcoming(), refreshKeys(), refreshStory()];
      if (state.tab === "jobs") work.push(refreshJobs());
      if (state.tab === "rules") work.push(refreshRules());
      await Promise.all(work);
    } while (state.again);
  } catch (e) {
    failed(e);
  } finally {
    state.refreshing = false;
  }
}

// A busy mock changes many times a second: the page reads again at most every 0.5 s.
const GAP_MS = 500;
let lastRefresh = 0;
let pendingRefresh = null;

function soon() {
  if (pendingRefresh) return;
  const wait = Math.max(0, lastRefresh + GAP_MS - Date.now());
  pendingRefresh = setTimeout(() => {
    pendingRefresh = null;
    lastRefresh = Date.now();
    refresh();
  }, wait);
}

function failed(e) {
  if (e instanceof ApiError && e.status === 401) return; // the token dialog is open
  toast(e.message || String(e));
}

function setLive(text, ok) {
  const pill = $("#live");
  pill.textContent = text;
  pill.className = `pill ${ok ? "running" : "frozen"}`;
}

async function follow() {
  for (;;) {
    try {
      const response = await fetch("/_mock/changes", { headers: authHeaders(), cache: "no-store" });
      if (response.status === 401) {
        setLive("token needed");
        await askForToken();
        continue;
      }
      if (!response.ok || !response.body) throw new Error(`change feed: HTTP ${response.status}`);
      setLive("live");
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith("event: change")) soon();
        }
      }
    } catch {
      // the mock went away or restarted: try again below
    }
    setLive("reconnecting");
    await sleep(1000);
  }
}

let started = false;

async function start() {
  try {
    fillVocabulary(await api("/_mock/vocabulary"));
  } catch (e) {
    failed(e);
    return;
  }
  openFromHash(); // refreshes everything
  if (!started) {
    started = true;
    follow();
  }
}

function showTab(tab) {
  state.tab = tab;
  $$("#tabs [data-tab]").forEach((b) => b.setAttribute("aria-selected", String(b.dataset.tab === tab)));
  $$("main [data-view]").forEach((v) => (v.hidden = v.dataset.view !== tab));
  refresh();
}

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    toast("Copied");
  } catch {
    toast("Copy did not work here: select the command shown and copy it by hand");
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("#token-form").addEventListener("submit", (e) => tokenGiven(e).catch(failed));
  $("#clock-toggle").addEventListener("click", toggleClock);
  $$("[data-advance]").forEach((b) => b.addEventListener("click", () => advance(b.dataset.advance)));
  $("#advance-form").addEventListener("submit", (e) => {
    e.preventDefault();
    advance($("#advance-seconds").value);
  });
  $("#reset").addEventListener("click", reset);
  $$("#tabs [data-tab]").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));
  $("#job-filters").addEventListener("change", (e) => {
    state.filters[e.target.name] = e.target.value;
    state.offset = 0;
    refresh();
  });
  $("#newer").addEventListener("click", () => {
    state.offset = Math.max(0, state.offset - PAGE);
    refresh();
  });
  $("#older").addEventListener("click", () => {
    state.offset += PAGE;
    refresh();
  });
  $("#jobs-table tbody").addEventListener("click", (e) => {
    const row = e.target.closest("tr[data-request-id]");
    if (row && !e.target.closest("a")) location.hash = `job=${encodeURIComponent(row.dataset.requestId)}`;
  });
  $("#jobs-table tbody").addEventListener("keydown", (e) => {
    const row = e.target.closest("tr[data-request-id]");
    if (row && e.key === "Enter") location.hash = `job=${encodeURIComponent(row.dataset.requestId)}`;
  });
  window.addEventListener("hashchange", openFromHash);
  let resized;
  window.addEventListener("resize", () => {
    clearTimeout(resized);
    resized = setTimeout(refresh, 150); // axes are drawn at the size shown
  });
  $("#story-close").addEventListener("click", () => {
    history.pushState(null, "", location.pathname + location.search);
    openFromHash();
  });
  document.addEventListener("click", (e) => {
    const button = e.target.closest("button.copy");
    if (button) copy(button.dataset.copy);
    const edit = e.target.closest("[data-edit]");
    if (edit) editKey(edit.dataset.edit);
    const remove = e.target.closest("[data-delete-rule]");
    if (remove) deleteRule(remove.dataset.deleteRule);
  });
  $("#key-form").addEventListener("submit", saveKey);
  $("#key-cancel").addEventListener("click", newKey);
  $("#rule-form").addEventListener("submit", addRule);
  $("#rule-form").fault.addEventListener("change", (e) => ($("#slow-ms").hidden = e.target.value !== "fault-slow-<ms>"));
  start();
});
