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

function renderSlide() {
  const slide = currentSlide();
  if (!slide) return;
  $("slide-title").textContent = slide.kind === "content" ? slide.title : slide.question;
  $("slide-body").textContent = slide.kind === "content" ? slide.body : "";
  $("position").textContent = `${state.current + 1} / ${doc.slides.length}`;
  const locked = state.locked.includes(slide.id);
  const hiddenResults = state.results_hidden.includes(slide.id);
  $("voting").textContent = locked ? $("voting").dataset.open : $("voting").dataset.lock;
  $("visibility").textContent = hiddenResults ? $("visibility").dataset.show : $("visibility").dataset.hide;
  $("results").hidden = hiddenResults;
  $("results-hidden").hidden = !hiddenResults;
}

function moderate(slideId, item, hidden) {
  send({ type: hidden ? "restore" : "hide", slide: slideId, item });
}

function renderWords(box, slideId, results) {
  const cloud = el("div", "cloud");
  const top = Math.max(1, ...results.words.map((w) => w.count));
  for (const word of results.words) {
    const node = el("span", `word${word.hidden ? " is-hidden" : ""}`, word.text);
    node.style.fontSize = `${1.2 + 3.3 * Math.sqrt(word.count / top)}rem`;
    node.title = word.hidden ? labels.hidden : "";
    node.append(el("span", "count", word.count));
    node.addEventListener("click", () => moderate(slideId, word.key, word.hidden));
    cloud.append(node);
  }
  box.append(cloud);
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

function renderResults(message) {
  $("joined").textContent = message.joined;
  const results = message.results;
  $("answered").textContent = results ? results.answered : 0;
  const slide = currentSlide();
  if (!results || !slide || message.slide !== slide.id) return;
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
    renderResults(message);
    refreshSegments();
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
document.addEventListener("keydown", (event) => {
  if (event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement) return;
  const key = event.key.toLowerCase();
  if (["arrowright", "pagedown", " "].includes(key)) { event.preventDefault(); send({ type: "next" }); }
  else if (["arrowleft", "pageup"].includes(key)) { event.preventDefault(); send({ type: "previous" }); }
  else if (key === "l") toggleVoting();
  else if (key === "h") toggleResults();
  else if (key === "f") {
    if (document.fullscreenElement) document.exitFullscreen(); else document.documentElement.requestFullscreen();
  }
});
connect();
