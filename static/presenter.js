// The presenter screen: live results over a WebSocket, controls by button and keyboard.
// Participant text is only ever set with textContent, never parsed as HTML.
const root = document.getElementById("presenter");
const id = root.dataset.presentationId;
let doc = JSON.parse(root.dataset.document);
let state = null;
let socket = null;
let failures = 0;
let serial = 0;
const labels = document.getElementById("labels").dataset;
const $ = (name) => document.getElementById(name);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = String(text);
  return node;
}

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
      slide.kind === "content" ? slide.title : slide.question);
    go.type = "button";
    if (index === state.current) go.setAttribute("aria-current", "step");
    go.addEventListener("click", () => send({ type: "goto", slide: index }));
    item.append(go);
    list.append(item);
  });
}

function renderSlide() {
  const slide = currentSlide();
  if (!slide) return;
  if (console_) {
    renderSlideList();
    $("notes").textContent = slide.notes || "–";
  }
  $("slide-title").textContent = slide.kind === "content" ? slide.title : slide.question;
  $("slide-body").textContent = slide.kind === "content" ? slide.body : "";
  $("position").textContent = `${state.current + 1} / ${doc.slides.length}`;
  const locked = state.locked.includes(slide.id);
  const hiddenResults = state.results_hidden.includes(slide.id);
  $("voting").textContent = locked ? $("voting").dataset.open : $("voting").dataset.lock;
  $("visibility").textContent = hiddenResults ? $("visibility").dataset.show : $("visibility").dataset.hide;
  $("results").hidden = hiddenResults || $("table-toggle").getAttribute("aria-pressed") === "true";
  $("results-hidden").hidden = !hiddenResults;
}

function moderate(slideId, item, hidden) {
  send({ type: hidden ? "restore" : "hide", slide: slideId, item });
}

// The word-cloud layout, the same computation as polls/cloud.py, so the picture on the screen
// and the exported SVG/PNG are the same: words in order of first appearance along a spiral.
const CLOUD = { width: 1600, height: 900, min: 26, max: 150 };
const PALETTE = ["#0b4f9c", "#8a1b61", "#0d5a2b", "#7a4a00", "#3d2a8a", "#6b1111"];

function cloudBox(text, size) {
  const chars = [...text];
  const wide = chars.filter((c) => c.codePointAt(0) > 0x2e80).length;
  return [(chars.length - wide) * 0.6 * size + wide * 1.05 * size + 0.2 * size, 1.15 * size];
}

function placeWords(words, top, scale) {
  const placed = [];
  const boxes = [];
  const aspect = CLOUD.width / CLOUD.height;
  words.forEach((word, index) => {
    let size = scale * (CLOUD.min + (CLOUD.max - CLOUD.min) * Math.sqrt(word.count / top));
    let [w, h] = cloudBox(word.text, size);
    if (w > CLOUD.width) {
      size *= (CLOUD.width / w) * 0.95;
      [w, h] = cloudBox(word.text, size);
    }
    for (let step = 0; step < 3000; step += 1) {
      const angle = 0.3 * step;
      const radius = 2.5 * angle;
      const x = CLOUD.width / 2 + (radius * Math.cos(angle) * aspect) / 1.4;
      const y = CLOUD.height / 2 + (radius * Math.sin(angle)) / 1.4;
      const left = x - w / 2;
      const topEdge = y - h / 2;
      const right = left + w;
      const bottom = topEdge + h;
      if (left < 0 || topEdge < 0 || right > CLOUD.width || bottom > CLOUD.height) {
        if (radius > CLOUD.width) break;
        continue;
      }
      if (boxes.every(([a, b, c, d]) => right <= a || left >= c || bottom <= b || topEdge >= d)) {
        boxes.push([left, topEdge, right, bottom]);
        placed.push({ ...word, x, y, size, colour: PALETTE[index % PALETTE.length] });
        break;
      }
    }
  });
  return placed;
}

function layoutCloud(words) {
  if (!words.length) return [];
  const top = Math.max(...words.map((w) => w.count));
  let scale = 1;
  let placed = [];
  for (let attempt = 0; attempt < 12; attempt += 1) {
    placed = placeWords(words, top, scale);
    if (placed.length === words.length) return placed;
    scale *= 0.85;
  }
  return placed;
}

const SVG = "http://www.w3.org/2000/svg";

function renderWords(box, slideId, results) {
  const visible = results.words.filter((w) => !w.hidden).sort((a, b) => a.order - b.order);
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${CLOUD.width} ${CLOUD.height}`);
  svg.setAttribute("class", "cloud");
  svg.setAttribute("role", "img");
  for (const word of layoutCloud(visible)) {
    const text = document.createElementNS(SVG, "text");
    text.setAttribute("x", word.x.toFixed(1));
    text.setAttribute("y", word.y.toFixed(1));
    text.setAttribute("font-size", word.size.toFixed(1));
    text.setAttribute("fill", word.colour);
    text.setAttribute("text-anchor", "middle");
    text.setAttribute("dominant-baseline", "central");
    text.setAttribute("class", "word");
    text.textContent = word.text;
    const title = document.createElementNS(SVG, "title");
    title.textContent = `${word.text}: ${word.count}`;
    text.append(title);
    text.addEventListener("click", () => moderate(slideId, word.key, false));
    svg.append(text);
  }
  box.append(svg);
  const hidden = results.words.filter((w) => w.hidden);
  if (hidden.length) {
    const list = el("p", "hidden-words", `${labels.hidden}: `);
    for (const word of hidden) {
      const restore = el("button", "restore", `${word.text} (${word.count})`);
      restore.type = "button";
      restore.addEventListener("click", () => moderate(slideId, word.key, true));
      list.append(restore);
    }
    box.append(list);
  }
}

function renderChoices(box, results) {
  const top = Math.max(1, ...results.options.map((o) => o.count));
  for (const option of results.options) {
    const row = el("div", "bar-row");
    row.append(el("span", "label", option.text));
    const bar = el("div", "bar");
    bar.style.width = `${(100 * option.count) / top}%`;
    row.append(bar, el("span", "figure", `${option.count} (${option.percent}%)`));
    box.append(row);
  }
}

// One line per statement: a small histogram over the scale (each value's bar labelled with
// its count, so colour is never the only cue) with the mean marked where it falls.
function renderScales(box, results) {
  const values = results.max - results.min + 1;
  for (const statement of results.statements) {
    const row = el("div", "scale-row");
    row.append(el("span", "label", statement.text));
    const track = el("div", "scale-track");
    track.style.gridTemplateColumns = `repeat(${values}, 1fr)`;
    const top = Math.max(1, ...statement.distribution);
    statement.distribution.forEach((count, offset) => {
      const cell = el("span", "cell");
      const bar = el("span", "bar-part");
      bar.style.height = `${(100 * count) / top}%`;
      cell.append(el("span", "count", count), bar, el("span", "value", results.min + offset));
      track.append(cell);
    });
    if (statement.mean !== null) {
      const mark = el("span", "mean-mark");
      mark.title = `${labels.mean} ${statement.mean}`;
      mark.style.left = `${(100 * (statement.mean - results.min + 0.5)) / values}%`;
      track.append(mark);
    }
    row.append(track);
    const mean = statement.mean === null ? "–" : statement.mean.toFixed(1);
    const skipped = statement.skipped ? ` · ${labels.skipped} ${statement.skipped}` : "";
    row.append(el("span", "figure", `${labels.mean} ${mean} · n = ${statement.count}${skipped}`));
    box.append(row);
  }
}

function renderAnswers(box, slideId, results) {
  const wall = el("div", "wall");
  for (const answer of results.answers) {
    const card = el("div", `card${answer.hidden ? " is-hidden" : ""}`, answer.text);
    card.addEventListener("click", () => moderate(slideId, answer.id, answer.hidden));
    wall.append(card);
  }
  box.append(wall);
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
  const caption = el("p", "table-caption", slide ? (slide.question || slide.title) : "");
  box.append(caption);
  if (results.kind === "word_cloud") {
    box.append(table([labels.word, labels.count], results.words.filter((w) => !w.hidden).map((w) => [w.text, w.count])));
  } else if (results.kind === "multiple_choice") {
    box.append(table([labels.option, labels.count, labels.percent], results.options.map((o) => [o.text, o.count, `${o.percent}%`])));
  } else if (results.kind === "scales") {
    const values = [];
    for (let v = results.min; v <= results.max; v += 1) values.push(String(v));
    box.append(table([labels.statement, "n", labels.mean, ...values, labels.skipped],
      results.statements.map((s) => [s.text, s.count, s.mean === null ? "–" : s.mean.toFixed(1), ...s.distribution, s.skipped])));
  } else if (results.kind === "open_ended") {
    box.append(table([labels.answer], results.answers.filter((a) => !a.hidden).map((a) => [a.text])));
  }
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

function renderResults(message) {
  $("joined").textContent = message.joined;
  const results = message.results;
  $("answered").textContent = results ? results.answered : 0;
  const slide = currentSlide();
  if (!results || !slide || message.slide !== slide.id) return;
  lastResults = results;
  if (!$("table-view").hidden) renderTable();
  const box = $("results");
  box.replaceChildren();
  if (results.kind === "word_cloud") renderWords(box, slide.id, results);
  else if (results.kind === "multiple_choice") renderChoices(box, results);
  else if (results.kind === "scales") renderScales(box, results);
  else if (results.kind === "open_ended") renderAnswers(box, slide.id, results);
  if (results.kind !== "content" && results.answered === 0) box.append(el("p", "hint", labels.empty));
}

// Results broken down by the answer to a multiple-choice slide, fetched beside the live ones.
let segmentFetch = null;
let segmentAgain = false;

function fillSegmentChoices() {
  const select = $("segment");
  for (const slide of doc.slides.filter((s) => s.kind === "multiple_choice")) {
    if (![...select.options].some((o) => o.value === slide.id)) {
      select.append(new Option(slide.question, slide.id));
    }
  }
}

function segmentLine(results) {
  if (results.suppressed) return [String(results.answered)];
  if (results.kind === "scales") {
    return results.statements.map((s) => `${s.text}: ${s.mean === null ? "–" : s.mean.toFixed(1)} (n = ${s.count})`);
  }
  if (results.kind === "multiple_choice") return results.options.map((o) => `${o.text}: ${o.count} (${o.percent}%)`);
  if (results.kind === "word_cloud") {
    return results.words.filter((w) => !w.hidden).slice(0, 5).map((w) => `${w.text}: ${w.count}`);
  }
  return [`n = ${results.answered}`];
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
  const show = Boolean(segment && slide && slide.kind !== "content" && slide.id !== segment);
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

function handle(message) {
  if (message.type === "welcome") {
    doc = message.document;
    state = message.state;
    fillSegmentChoices();
    renderSlide();
  } else if (message.type === "state" || (message.type === "ack" && message.state)) {
    if (!state || message.state.version >= state.version) state = message.state;
    renderSlide();
  } else if (message.type === "results") {
    drawResultsSoon(message);
    refreshSegmentsSoon();
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
  if (slide) send({ type: "voting", open: state.locked.includes(slide.id), slide: slide.id });
}

function toggleResults() {
  const slide = currentSlide();
  if (slide) send({ type: "results_visible", visible: state.results_hidden.includes(slide.id), slide: slide.id });
}

$("previous").addEventListener("click", () => send({ type: "previous" }));
$("next").addEventListener("click", () => send({ type: "next" }));
$("voting").addEventListener("click", toggleVoting);
$("visibility").addEventListener("click", toggleResults);
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
  else if (key === "t") toggleTable();
  else if (key === "h") toggleResults();
  else if (key === "f") {
    if (document.fullscreenElement) document.exitFullscreen(); else document.documentElement.requestFullscreen();
  }
});
connect();
