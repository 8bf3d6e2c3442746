// The presenter screen: live results over a WebSocket, controls by button and keyboard.
// Participant text is only ever set with textContent, never parsed as HTML. Each slide kind
// draws its own results: its module (static/kinds/) is named by the server in data-kinds.
import { REACTION_EMOJI, el, minutesSeconds } from "./dom.js";

const root = document.getElementById("presenter");
const kindInfo = JSON.parse(root.dataset.kinds).kinds;
const kinds = {};
const id = root.dataset.presentationId;
let doc = JSON.parse(root.dataset.document);
let state = null;
let socket = null;
let failures = 0;
let serial = 0;
let clockOffset = 0; // the server's clock minus this one, from the welcome
let countdownTick = null;
const labels = document.getElementById("labels").dataset;
const $ = (name) => document.getElementById(name);

const heading = (slide) => slide.question || slide.title || (slide.kind === "leaderboard" ? labels.leaderboard : "");

// Numbers as the presentation's language writes them: "4,2" and "47,6 %" in Dutch.
const language = root.dataset.language || "en";
const formats = {
  one: new Intl.NumberFormat(language, { minimumFractionDigits: 1, maximumFractionDigits: 1 }),
  whole: new Intl.NumberFormat(language),
  share: new Intl.NumberFormat(language, { style: "percent", maximumFractionDigits: 1 }),
};
const fmt = {
  number: (value) => formats.one.format(value),
  integer: (value) => formats.whole.format(value),
  percent: (value) => formats.share.format(value / 100),
};

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) {
    serial += 1;
    socket.send(JSON.stringify({ ...message, id: `c${serial}` }));
  }
}

function currentSlide() {
  return state ? doc.slides[Math.min(state.current, doc.slides.length - 1)] : null;
}

const console_ = root.dataset.mode === "console";

function renderSlideList() {
  const list = $("slide-list");
  if (!list) return;
  list.replaceChildren();
  doc.slides.forEach((slide, index) => {
    const item = el("li");
    const go = el("button", index === state.current ? "slide-link is-current" : "slide-link",
      heading(slide));
    go.type = "button";
    if (index === state.current) go.setAttribute("aria-current", "step");
    go.addEventListener("click", () => send({ type: "goto", slide: index }));
    item.append(go);
    list.append(item);
  });
}

// The audience's questions: on a qa slide the stage shows what the audience sees; the console's
// side lists them all, with the presenter's buttons, whatever slide is shown.
let lastQuestions = null;
const questionsOn = () => Boolean(doc.qa || doc.slides.some((slide) => slide.kind === "qa"));

function act(question, action) {
  send({ type: "question", question, action });
}

function renderQuestions() {
  const slide = currentSlide();
  const kind = kinds.qa;
  if (!kind) return;
  const options = { labels, fmt, act };
  const onQa = Boolean(slide && slide.kind === "qa");
  if (onQa) {
    if (lastQuestions) kind.drawQuestions($("results"), lastQuestions, { ...options, audience: true });
    else $("results").replaceChildren();
  }
  // On every other slide, the question being answered stands under the title.
  const now = lastQuestions && !onQa ? lastQuestions.items.find((item) => item.status === "answering" && !item.held) : null;
  $("qa-now").hidden = !now;
  $("qa-now-text").textContent = now ? now.text : "";
  const side = $("qa-console");
  if (!console_ || !side) return;
  $("qa-console-section").hidden = !questionsOn();
  if (lastQuestions) {
    kind.drawQuestions(side, lastQuestions, { ...options, audience: false });
    const waiting = lastQuestions.items.filter((item) => item.held === "pending").length;
    $("qa-count").textContent = waiting
      ? `(${lastQuestions.items.length}, ${labels.qaWaiting.replace("%(count)s", waiting)})`
      : `(${lastQuestions.items.length})`;
  }
}

function renderSlide() {
  const slide = currentSlide();
  if (!slide) return;
  renderQuestions();
  if (console_) {
    renderSlideList();
    $("notes").textContent = slide.notes || "–";
    const next = doc.slides[state.current + 1];
    $("next-slide").textContent = next ? heading(next) : labels.end;
  }
  $("slide-title").textContent = heading(slide);
  $("slide-body").textContent = slide.body || "";
  document.querySelector(".stage").dataset.layout = slide.kind === "content" ? slide.layout || "text" : "";
  const image = $("slide-image");
  if (image.getAttribute("src") !== (slide.image || null)) {
    if (slide.image) image.src = slide.image; else image.removeAttribute("src");
  }
  image.alt = slide.image_alt || "";
  image.hidden = !slide.image;
  document.querySelector(".stage").classList.toggle("with-image", Boolean(slide.image));
  $("position").textContent = `${state.current + 1} / ${doc.slides.length}`;
  const reveal = $("reveal");
  reveal.hidden = slide.kind !== "quiz";
  reveal.textContent = (state.revealed || []).includes(slide.id) ? reveal.dataset.unreveal : reveal.dataset.reveal;
  const hiddenResults = state.results_hidden.includes(slide.id);
  $("visibility").textContent = hiddenResults ? $("visibility").dataset.show : $("visibility").dataset.hide;
  $("results").hidden = hiddenResults || $("table-toggle").getAttribute("aria-pressed") === "true";
  $("results-hidden").hidden = !hiddenResults;
  renderCountdown();
  // The breakdown applies to slides that take answers, other than the one it breaks down by.
  const segment = $("segment");
  segment.disabled = !kindInfo[slide.kind]?.answers;
  refreshSegments();
}

// When voting on a slide closes by itself (ms on this browser's clock), or null.
function closesAt(slide) {
  const pair = (state.deadlines || []).find(([slideId]) => slideId === slide.id);
  return pair ? pair[1] * 1000 - clockOffset : null;
}

function votingClosed(slide) {
  const ends = closesAt(slide);
  return state.locked.includes(slide.id) || (ends !== null && Date.now() >= ends);
}

// Milliseconds left of the slide's running countdown; 0 when none runs.
function timeLeft(slide) {
  const ends = closesAt(slide);
  if (ends === null || state.locked.includes(slide.id)) return 0;
  return Math.max(0, ends - Date.now());
}

// The countdown on the screen, second by second; at zero voting shows as closed.
function renderCountdown() {
  clearTimeout(countdownTick);
  const slide = currentSlide();
  if (!slide) return;
  const left = timeLeft(slide);
  const running = left > 0;
  const answers = Boolean(kindInfo[slide.kind]?.answers);
  const closed = votingClosed(slide);
  $("countdown").hidden = !running;
  $("timer-stop").hidden = !running;
  $("timer-start").hidden = !answers;
  $("timer-start").textContent = running ? $("timer-start").dataset.more : $("timer-start").dataset.start;
  $("locked").hidden = !closed || !answers;
  $("voting").textContent = closed ? $("voting").dataset.open : $("voting").dataset.lock;
  if (running) {
    $("countdown").textContent = minutesSeconds(left);
    $("countdown").classList.toggle("ending", left <= 10_000);
    countdownTick = setTimeout(renderCountdown, left % 1000 || 1000);
  }
}

// T: a countdown on the shown slide (its own time limit, else 60 s), or 30 s more.
function startOrExtendTimer() {
  const slide = currentSlide();
  if (!slide || !kindInfo[slide.kind]?.answers) return;
  send({ type: "timer", seconds: timeLeft(slide) > 0 ? 30 : slide.time_limit || 60, slide: slide.id });
}

function moderate(slideId, item, hidden) {
  send({ type: hidden ? "restore" : "hide", slide: slideId, item });
}

// What is kept off the audience's screen (hidden by the presenter, or swearing held back by
// the presentation's profanity setting), and swearing that is shown but marked: listed in the
// console only, each with the button that changes it.
function renderHidden(slideId, results, kind) {
  const list = $("hidden-items");
  list.replaceChildren();
  const held = new Set(results.held || []);
  const entries = [
    ...kind.hidden(results).map((entry) => ({ ...entry, shown: false })),
    ...(kind.flagged ? kind.flagged(results) : []).map((entry) => ({ ...entry, shown: true })),
  ];
  for (const { item, text, shown } of entries) {
    const entry = el("li");
    const why = shown ? labels.flagged : held.has(item) ? labels.held : "";
    const button = el("button", "restore", shown ? labels.hide : why ? labels.show : labels.restore);
    button.type = "button";
    button.addEventListener("click", () => moderate(slideId, item, !shown));
    const label = el("span", "hidden-label");
    label.append(el("span", "hidden-text", text));
    if (why) label.append(el("span", "hidden-why", why));
    entry.append(label, " ", button);
    list.append(entry);
  }
  $("hidden-none").hidden = entries.length > 0;
}

// The console's clock: how long the session has run since the console was opened.
if (console_) {
  const began = Date.now();
  const tick = () => {
    const seconds = Math.floor((Date.now() - began) / 1000);
    const h = Math.floor(seconds / 3600);
    const m = String(Math.floor((seconds % 3600) / 60)).padStart(h ? 2 : 1, "0");
    $("timer").textContent = `${h ? `${h}:` : ""}${m}:${String(seconds % 60).padStart(2, "0")}`;
  };
  tick();
  setInterval(tick, 1000);
}

// The same results as a table, for screen readers and remote viewers (key T).
let lastResults = null;

function table(headers, rows) {
  const node = el("table", "results-table");
  const head = el("tr");
  for (const header of headers) head.append(el("th", "", header));
  node.append(el("thead"));
  node.firstChild.append(head);
  const body = el("tbody");
  for (const row of rows) {
    const line = el("tr");
    row.forEach((cell, index) => line.append(el(index ? "td" : "th", "", cell)));
    body.append(line);
  }
  node.append(body);
  return node;
}

function renderTable() {
  const box = $("table-view");
  box.replaceChildren();
  const results = lastResults;
  if (!results) return;
  const slide = currentSlide();
  const caption = el("p", "table-caption", slide ? heading(slide) : "");
  box.append(caption);
  const kind = kinds[results.kind];
  const shown = kind ? kind.table(results, labels, fmt) : null;
  if (shown) box.append(table(shown.headers, shown.rows));
}

function toggleTable() {
  const button = $("table-toggle");
  const showing = button.getAttribute("aria-pressed") !== "true";
  button.setAttribute("aria-pressed", String(showing));
  $("table-view").hidden = !showing;
  $("results").hidden = showing || (state && currentSlide() && state.results_hidden.includes(currentSlide().id));
  renderTable();
}

function toggleOverlay() {
  $("join-overlay").hidden = !$("join-overlay").hidden;
}

let lastMessage = null;
function renderResults(message) {
  lastMessage = message;
  $("joined").textContent = message.joined;
  const results = message.results;
  $("answered").textContent = results ? results.answered : 0;
  const slide = currentSlide();
  if (!results || !slide || message.slide !== slide.id) return;
  lastResults = results;
  if (!$("table-view").hidden) renderTable();
  const box = $("results");
  const kind = kinds[results.kind];
  if (kind && kind.keepsBox) box.querySelector(":scope > .hint")?.remove();
  else box.replaceChildren();
  if (kindInfo[results.kind]?.answers && results.answered === 0) box.prepend(el("p", "hint", labels.empty));
  const revealed = (state.revealed || []).includes(slide.id);
  if (kind) kind.draw(box, results, { slideId: slide.id, moderate, labels, fmt, slide, audience: !console_, revealed });
  if (console_) renderHidden(slide.id, results, kind || { hidden: () => [] });
}

// Results broken down by the answer to a multiple-choice slide, fetched beside the live ones.
let segmentFetch = null;
let segmentAgain = false;

function fillSegmentChoices() {
  const select = $("segment");
  for (const slide of doc.slides.filter((s) => kindInfo[s.kind]?.groups)) {
    if (![...select.options].some((o) => o.value === slide.id)) {
      select.append(new Option(heading(slide), slide.id));
    }
  }
}

function segmentLine(results) {
  if (results.suppressed) return [String(results.answered)];
  const kind = kinds[results.kind];
  return kind ? kind.summary(results, labels, fmt) : [`n = ${results.answered}`];
}

function renderSegments(groups) {
  const box = $("segments");
  box.replaceChildren();
  for (const group of groups) {
    const part = el("section", "segment");
    part.append(el("h2", "", `${group.option} (${group.results.answered})`));
    const list = el("ul");
    for (const line of segmentLine(group.results)) list.append(el("li", "", line));
    part.append(list);
    box.append(part);
  }
}

async function refreshSegments() {
  const segment = $("segment").value;
  const slide = currentSlide();
  const show = Boolean(segment && slide && kindInfo[slide.kind]?.answers && slide.id !== segment);
  $("segments").hidden = !show || state.results_hidden.includes(slide.id);
  if (!show) return;
  if (segmentFetch) { segmentAgain = true; return; }
  const url = `/api/presentations/${id}/results?slide=${encodeURIComponent(slide.id)}&segment=${encodeURIComponent(segment)}`;
  segmentFetch = fetch(url, { headers: { accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : null))
    .then((data) => { if (data && data.segments && data.slide === currentSlide().id) renderSegments(data.segments); })
    .catch(() => {})
    .finally(() => {
      segmentFetch = null;
      if (segmentAgain) { segmentAgain = false; refreshSegments(); }
    });
}

// While answers pour in, results arrive up to 20 times a second: draw only the newest, at the
// next frame, so that a slow laptop never falls behind the room.
let resultsToDraw = null;

// Reactions: a running count per slide in a corner, and what arrives floats up briefly.
const FLOATING_AT_ONCE = 12; // a room of thousands tapping shows as a steady stream, not a flood
function showReactionTotals(slideId, totals) {
  const slide = currentSlide();
  const names = doc.reactions || [];
  const counts = $("reaction-counts");
  counts.hidden = names.length === 0;
  if (!slide || slide.id !== slideId) return;
  // Only what was sent: five zeros on the screen would say nothing.
  counts.replaceChildren(
    ...names.filter((name) => totals[name]).map((name) => {
      const item = el("span", "reaction-count");
      item.append(el("span", "reaction-emoji", REACTION_EMOJI[name]), " ", fmt.integer(totals[name]));
      item.setAttribute("aria-label", `${labels[`reaction_${name}`] || name}: ${totals[name]}`);
      return item;
    }),
  );
}

function floatReactions(added) {
  const layer = $("reaction-float");
  const reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  let shown = 0;
  for (const [name, count] of Object.entries(added)) {
    for (let i = 0; i < count && shown < FLOATING_AT_ONCE && !reduced; i += 1, shown += 1) {
      const bubble = el("span", "reaction-bubble", REACTION_EMOJI[name] || "");
      bubble.style.left = `${5 + Math.random() * 25}%`;
      bubble.style.animationDelay = `${Math.random() * 0.4}s`;
      bubble.addEventListener("animationend", () => bubble.remove());
      layer.append(bubble);
    }
  }
}

function drawResultsSoon(message) {
  const waiting = resultsToDraw !== null;
  resultsToDraw = message;
  if (waiting) return;
  requestAnimationFrame(() => {
    const newest = resultsToDraw;
    resultsToDraw = null;
    renderResults(newest);
  });
}

// The breakdown is counted from storage, not kept live: at most once a second.
const SEGMENTS_EVERY_MS = 1000;
let segmentsTimer = null;
let segmentsAt = 0;

function refreshSegmentsSoon() {
  if (segmentsTimer !== null) return;
  const wait = Math.max(0, segmentsAt + SEGMENTS_EVERY_MS - Date.now());
  segmentsTimer = setTimeout(() => {
    segmentsTimer = null;
    segmentsAt = Date.now();
    refreshSegments();
  }, wait);
}

// A new screen size (the projector, full screen) lays the results out again at once.
let resizing = null;
window.addEventListener("resize", () => {
  if (resizing !== null || lastMessage === null) return;
  resizing = requestAnimationFrame(() => { resizing = null; renderResults(lastMessage); });
});

function handle(message) {
  if (message.type === "welcome") {
    if (message.now) clockOffset = message.now - Date.now();
    doc = message.document;
    state = message.state;
    fillSegmentChoices();
    renderSlide();
  } else if (message.type === "document") {
    doc = message.document; // edited: the screen shows the slides as they are now
    fillSegmentChoices();
    renderSlide();
  } else if (message.type === "state" || (message.type === "ack" && message.state)) {
    if (!state || message.state.version >= state.version) state = message.state;
    renderSlide();
  } else if (message.type === "results") {
    drawResultsSoon(message);
    refreshSegmentsSoon();
    showReactionTotals(message.slide, message.reactions || {});
  } else if (message.type === "questions") {
    lastQuestions = message;
    renderQuestions();
  } else if (message.type === "reactions") {
    const slide = currentSlide();
    if (slide && slide.id === message.slide) {
      floatReactions(message.added);
      showReactionTotals(message.slide, message.totals);
    }
  } else if (message.type === "error") {
    $("connection").textContent = message.reason;
  }
}

function connect() {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${window.location.host}/ws/present/${id}`);
  socket.addEventListener("open", () => { failures = 0; $("connection").textContent = ""; });
  socket.addEventListener("message", (event) => handle(JSON.parse(event.data)));
  socket.addEventListener("close", () => {
    socket = null;
    failures += 1;
    $("connection").textContent = "…";
    setTimeout(connect, Math.min(15000, 300 * 2 ** failures));
  });
}

function toggleVoting() {
  const slide = currentSlide();
  if (slide) send({ type: "voting", open: votingClosed(slide), slide: slide.id });
}

// A quiz question's right answer: shown to the room and the phones (which closes voting).
function toggleReveal() {
  const slide = currentSlide();
  if (slide && slide.kind === "quiz") send({ type: "reveal", shown: !state.revealed.includes(slide.id), slide: slide.id });
}

function toggleResults() {
  const slide = currentSlide();
  if (slide) send({ type: "results_visible", visible: state.results_hidden.includes(slide.id), slide: slide.id });
}

$("previous").addEventListener("click", () => send({ type: "previous" }));
$("next").addEventListener("click", () => send({ type: "next" }));
$("voting").addEventListener("click", toggleVoting);
$("visibility").addEventListener("click", toggleResults);
$("reveal").addEventListener("click", toggleReveal);
$("timer-start").addEventListener("click", startOrExtendTimer);
$("timer-stop").addEventListener("click", () => {
  const slide = currentSlide();
  if (slide) send({ type: "timer", seconds: 0, slide: slide.id });
});
$("segment").addEventListener("change", refreshSegments);
$("table-toggle").addEventListener("click", toggleTable);
$("join-code").addEventListener("click", toggleOverlay);
$("join-overlay").addEventListener("click", toggleOverlay);
document.addEventListener("keydown", (event) => {
  if (event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement) return;
  const key = event.key.toLowerCase();
  if (["arrowright", "pagedown", " "].includes(key)) { event.preventDefault(); send({ type: "next" }); }
  else if (["arrowleft", "pageup"].includes(key)) { event.preventDefault(); send({ type: "previous" }); }
  else if (key === "l") toggleVoting();
  else if (key === "q" || (key === "escape" && !$("join-overlay").hidden)) toggleOverlay();
  else if (key === "t") startOrExtendTimer();
  else if (key === "d") toggleTable();
  else if (key === "h") toggleResults();
  else if (key === "r") toggleReveal();
  else if (key === "f") {
    if (document.fullscreenElement) document.exitFullscreen(); else document.documentElement.requestFullscreen();
  }
});
// Every kind's module first, then the live connection: results are drawn from the start.
Promise.allSettled(
  Object.entries(kindInfo).map(([name, info]) => import(info.script).then((module) => { kinds[name] = module; })),
).then(connect);
