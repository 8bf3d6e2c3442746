// The participant page, enhanced. Without JavaScript the page is a plain form that works on
// its own; with it, the page follows the presenter in place over a WebSocket (or HTTP long
// polling where sockets do not work): a new slide is drawn with the same markup the server
// renders (each kind's module in static/kinds/ draws its own part), without loading the page
// again. Answers are kept in localStorage until the server has stored them, and sent again
// with the same submission id after a dropped connection or a temporary refusal: an answer
// never counts twice and is never lost on the way.
import { REACTION_EMOJI, el, minutesSeconds } from "./dom.js";
import { QuestionsPanel } from "./questions.js";

const root = document.getElementById("participant");
const code = root.dataset.code;
const texts = JSON.parse(root.dataset.texts);
const kindInfo = JSON.parse(root.dataset.kinds);
const view = document.getElementById("view");
const connection = document.getElementById("connection");
const QUEUE = `polls-outbox-${code}`;
const ANSWERED = `polls-answered-${code}`;
// Refusals that sending again can fix; every other refusal of an answer is final.
const RETRY = new Set(["unavailable", "rate_limited"]);

let current = JSON.parse(root.dataset.slide); // the newest slide message
let mine = JSON.parse(root.dataset.mine); // this person's answers on the current slide
let socket = null;
let failures = 0;
let polling = false;
let dirty = false; // the person has typed or chosen something not sent yet
let mineFresh = true; // the page came with this person's answers; ask again after reconnecting

const t = (key, values = {}) => texts[key].replace(/%\((\w+)\)s/g, (_, name) => String(values[name]));

// ---- the kinds' modules ------------------------------------------------------------------

const modules = {};
function kindModule(name) {
  if (!modules[name]) modules[name] = import(kindInfo[name].script);
  return modules[name];
}
const slideOf = (message) => message && message.slide;
const takesAnswers = (slide) => Boolean(slide && kindInfo[slide.kind] && kindInfo[slide.kind].answers);
// Slides that take no answers but show each phone its own (a leaderboard: its place).
const personal = (slide) => Boolean(slide && kindInfo[slide.kind] && kindInfo[slide.kind].personal);
if (takesAnswers(slideOf(current))) kindModule(current.slide.kind).catch(() => {});

// ---- remembered in the browser -------------------------------------------------------------

function load(key) {
  try {
    return JSON.parse(localStorage.getItem(key) || "[]");
  } catch (error) {
    return [];
  }
}

function store(key, items) {
  try {
    localStorage.setItem(key, JSON.stringify(items));
  } catch (error) {
    // Private mode without storage: kept in memory for this page only.
  }
}

let memory = load(QUEUE);
const queued = () => memory;
function enqueue(message) {
  memory = [...memory.filter((m) => m.id !== message.id), message];
  store(QUEUE, memory);
}
function settle(id) {
  const found = memory.find((m) => m.id === id);
  memory = memory.filter((m) => m.id !== id);
  store(QUEUE, memory);
  return found;
}

// Slides this phone has answered: worth asking for its answers when one comes back.
let answered = load(ANSWERED);
function rememberAnswered(slideId) {
  if (!answered.includes(slideId)) {
    answered = [...answered, slideId].slice(-100);
    store(ANSWERED, answered);
  }
}

// ---- what the person sees ----------------------------------------------------------------

function showConnection(state) {
  connection.dataset.state = state;
  connection.textContent = state === "online" ? "" : texts[state];
}

function formStatus(message) {
  const status = document.getElementById("form-status");
  if (status) status.textContent = message;
}

function showError(reason) {
  const box = document.getElementById("form-error");
  if (!box) {
    showConnection("online");
    connection.textContent = reason;
    return;
  }
  formStatus("");
  box.textContent = reason;
  box.hidden = false;
  box.scrollIntoView({ block: "center", behavior: "smooth" });
}

async function leftFor(slide) {
  const module = await kindModule(slide.kind);
  const limit = module.limit(slide);
  return limit ? Math.max(0, limit - ((mine && mine.used) || 0)) : null;
}

function hidden(name, value) {
  const input = el("input");
  Object.assign(input, { type: "hidden", name, value });
  return input;
}

// The same markup as templates/participant_view.html.
async function formFor(message) {
  const slide = message.slide;
  const module = await kindModule(slide.kind);
  const left = await leftFor(slide);
  const form = el("form", `slide answer-form kind-${slide.kind}`);
  Object.assign(form, { method: "post", action: `/${code}`, noValidate: true });
  form.append(hidden("slide", slide.id), hidden("submission", ""));
  form.append(el("p", "position", t("question_of", { index: message.index + 1, count: message.count })));
  const heading = el("h1", "", slide.question || slide.title || "");
  heading.id = "question";
  heading.tabIndex = -1;
  form.append(heading);
  if (slide.image) form.append(slideImage(slide));
  if (!message.voting) form.append(el("p", "notice", texts.closed));
  else if (message.closes_at) form.append(countdownLine());
  form.append(...module.render(slide, { voting: message.voting, mine, left, texts, t, revealed: message.revealed }));
  const error = el("p", "error");
  Object.assign(error, { id: "form-error", hidden: true });
  error.setAttribute("role", "alert");
  form.append(error);
  if (left !== 0) {
    const send = el("button", "", texts.send);
    Object.assign(send, { type: "submit", disabled: !message.voting });
    form.append(send);
  }
  const status = el("p", "status");
  status.id = "form-status";
  status.setAttribute("role", "status");
  form.append(status);
  if (kindInfo[slide.kind].replaces && message.voting) form.append(el("p", "hint", texts.may_change));
  return form;
}

// Some kinds add to the plain form what needs script (moving options, steppers).
async function enhance(form) {
  const slide = slideOf(current);
  const module = await kindModule(slide.kind);
  if (module.enhance) module.enhance(form, { texts, t });
}

// The same markup as templates/participant_view.html.
function slideImage(slide) {
  const image = el("img", "slide-image");
  Object.assign(image, { src: slide.image, alt: slide.image_alt || "" });
  return image;
}

async function contentFor(message) {
  const slide = message.slide;
  const section = el("section", "slide content");
  const module = slide ? await kindModule(slide.kind) : {};
  if (slide && slide.image) section.append(slideImage(slide));
  if (slide) section.append(...module.render(slide, { texts, t, mine }));
  const last = message.index === message.count - 1;
  if (!module.questions) section.append(el("p", "waiting", last ? texts.last : texts.waiting));
  return section;
}

async function confirmation(slide) {
  const section = el("section", "confirmation");
  section.id = "confirmation";
  section.setAttribute("role", "status");
  const mark = el("p", "confirmation-mark", "✓");
  mark.setAttribute("aria-hidden", "true");
  section.append(mark, el("p", "confirmation-title", texts.thanks), el("p", "", texts.wait));
  const left = await leftFor(slide);
  const again = kindInfo[slide.kind].replaces ? texts.change : left !== 0 ? texts.add : "";
  if (again && current.voting) {
    const button = el("button", "secondary", again);
    button.type = "button";
    button.addEventListener("click", () => show({ focus: true }));
    section.append(button);
  }
  return section;
}

let drawing = Promise.resolve();
// Draw the current slide in place; with focus, move to its question and announce it.
function show({ focus = false, thanks = false } = {}) {
  drawing = drawing.then(async () => {
    const slide = slideOf(current);
    let node;
    try {
      if (thanks) node = await confirmation(slide);
      else node = takesAnswers(slide) ? await formFor(current) : await contentFor(current);
    } catch (error) {
      window.location.replace(window.location.pathname); // the kind's module cannot load
      return;
    }
    view.replaceChildren(node);
    if (!thanks && takesAnswers(slide)) await enhance(node);
    dirty = false;
    if (thanks) {
      node.querySelector("button")?.focus();
    } else if (focus) {
      window.scrollTo(0, 0);
      const heading = node.querySelector("h1");
      if (heading) {
        heading.tabIndex = -1;
        heading.focus();
      }
      const question = slide ? slide.question || slide.title || "" : "";
      document.getElementById("announce").textContent = takesAnswers(slide)
        ? t("announce", { index: current.index + 1, count: current.count, question })
        : question;
    }
    updateCounter();
    tickCountdown();
    if (queued().some((m) => slide && m.slide === slide.id)) formStatus(texts.sending);
  });
  return drawing;
}

// A countdown under the question while one runs: on the server's clock, second by second;
// at zero the form closes here too (the server refuses later answers on its own).
let countdownTick = null;
function countdownLine() {
  const line = el("p", "phone-countdown");
  line.id = "countdown";
  line.setAttribute("role", "timer");
  return line;
}

function tickCountdown() {
  clearTimeout(countdownTick);
  const line = document.getElementById("countdown");
  if (!current.closes_at || !current.voting) {
    line?.remove();
    return;
  }
  const left = current.closes_at - (Date.now() + clockOffset);
  if (left <= 0) {
    line?.remove();
    current = { ...current, voting: false };
    showVoting(false);
    document.getElementById("announce").textContent = texts.closed;
    return;
  }
  if (line) line.textContent = t("time_left", { time: minutesSeconds(left) });
  countdownTick = setTimeout(tickCountdown, left % 1000 || 1000);
}

// Reactions: a row of buttons under every slide when the presentation offers them. A tap is
// sent at once and not kept: reactions are counted, not stored one by one.
const reactionBar = document.getElementById("reactions");
function renderReactions() {
  const names = current.reactions || [];
  if (reactionBar.dataset.names === names.join(" ")) return;
  reactionBar.dataset.names = names.join(" ");
  reactionBar.replaceChildren();
  for (const name of names) {
    const button = el("button", "reaction", REACTION_EMOJI[name] || name);
    button.type = "button";
    button.setAttribute("aria-label", texts[`reaction_${name}`] || name);
    button.addEventListener("click", () => react(name, button));
    reactionBar.append(button);
  }
  reactionBar.hidden = names.length === 0;
}

function react(name, button) {
  const message = { type: "react", reaction: name, slide: current.slide ? current.slide.id : null };
  button.classList.remove("sent");
  void button.offsetWidth; // restart the little animation
  button.classList.add("sent");
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify(message));
  } else {
    fetch(`/api/join/${code}/reactions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(message),
    }).catch(() => {});
  }
}

// Only voting opened or closed: what the person is typing stays where it is.
function showVoting(voting) {
  const form = view.querySelector("form.answer-form");
  if (!form) {
    if (view.querySelector("#confirmation")) show({ thanks: true });
    return;
  }
  for (const control of form.querySelectorAll("input:not([type=hidden]), select, textarea, button")) control.disabled = !voting;
  form.dispatchEvent(new Event("polls:voting")); // a kind's own controls follow
  const notice = form.querySelector(".notice");
  if (!voting && !notice) form.querySelector("h1").after(el("p", "notice", texts.closed));
  if (voting && notice) notice.remove();
  if (voting && current.closes_at && !document.getElementById("countdown")) {
    form.querySelector("h1").after(countdownLine());
  }
  tickCountdown();
}

// ---- sending -------------------------------------------------------------------------------

let retryTimer = null;
let retries = 0;
function retryLater() {
  if (retryTimer !== null) return;
  retries += 1;
  const wait = Math.min(30000, 1000 * 2 ** Math.min(retries, 5)) * (0.5 + Math.random());
  retryTimer = setTimeout(() => { retryTimer = null; flush(); }, wait);
}

const HTTP_PATHS = { answer: "answers", ask: "questions", upvote: "upvotes" };
async function sendOverHttp(message) {
  const response = await fetch(`/api/join/${code}/${HTTP_PATHS[message.type] || "answers"}`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(message),
    credentials: "same-origin",
  });
  if (response.status >= 500 && response.status !== 503) throw new Error(String(response.status));
  const body = await response.json();
  handle(response.ok ? body : { type: "error", id: message.id, ...body.error });
}

let flushing = false;
async function flush() {
  if (flushing) return;
  flushing = true;
  try {
    for (const message of queued()) {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
      else await sendOverHttp(message);
    }
  } catch (error) {
    showConnection(navigator.onLine === false ? "offline" : "connecting");
    formStatus(navigator.onLine === false ? texts.offline : texts.retrying);
    retryLater();
  } finally {
    flushing = false;
  }
}

// A submission id begins with the time it is made, on the server's clock (which the page and
// every welcome tell): the server stores answers given together next to each other.
let clockOffset = Number(root.dataset.now) - Date.now() || 0;
function newSubmissionId() {
  const time = Math.max(0, Date.now() + clockOffset).toString(16).padStart(11, "0");
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return time + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// Each answer gets an id of its own when it is sent; the outbox sends it again with that id
// until it is stored, so it never counts twice. Sending the same answer again while it is on its
// way adds nothing; a different one is a new answer.
view.addEventListener("submit", (event) => {
  const form = event.target;
  event.preventDefault();
  const slideId = form.elements.slide.value;
  const kind = slideOf(current).kind;
  kindModule(kind).then((module) => {
    const value = module.answer(new FormData(form));
    const same = JSON.stringify(value);
    if (!queued().some((m) => m.slide === slideId && JSON.stringify(m.value) === same)) {
      enqueue({ type: "answer", id: newSubmissionId(), slide: slideId, value });
    }
    document.getElementById("form-error").hidden = true;
    formStatus(navigator.onLine === false ? texts.offline : texts.sending);
    flush();
  }, () => {
    form.elements.submission.value = newSubmissionId();
    form.submit();
  });
});

view.addEventListener("input", () => { dirty = true; updateCounter(); });

function updateCounter() {
  const counter = document.getElementById("counter");
  const area = view.querySelector("textarea");
  if (counter && area) counter.textContent = `${area.maxLength - area.value.length} ${texts.left}`;
}

// ---- messages from the server ----------------------------------------------------------------

function askMine() {
  const slide = slideOf(current);
  if (mineFresh || !(takesAnswers(slide) || personal(slide))) return;
  const ask = { type: "mine", id: `m${Date.now()}`, slide: slide.id };
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify(ask));
    return;
  }
  fetch(`/api/join/${code}/mine?slide=${encodeURIComponent(slide.id)}`, { headers: { accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : null))
    .then((body) => { if (body) handle(body); })
    .catch(() => {});
}

function follow(message) {
  const before = slideOf(current);
  const after = slideOf(message);
  if (message.version !== undefined && current.version !== undefined && message.version < current.version) return;
  const moved = (before ? before.id : null) !== (after ? after.id : null) || message.index !== current.index;
  const revealed = !moved && Boolean(message.revealed) !== Boolean(current.revealed);
  const votingChanged = message.voting !== current.voting || message.closes_at !== current.closes_at;
  current = message;
  renderReactions();
  followQuestions();
  if (moved) {
    mine = null;
    show({ focus: true });
    if (after && (answered.includes(after.id) || personal(after))) {
      mineFresh = false;
      askMine();
    }
  } else if (revealed) {
    // A quiz question's answer is out: show it, and ask how this phone did.
    show();
    mineFresh = false;
    askMine();
  } else if (votingChanged) {
    showVoting(message.voting);
  }
}

async function acknowledged(id) {
  const sent = settle(id);
  retries = 0;
  if (sent && sent.type !== "answer") {
    questions.acknowledged(sent);
    return;
  }
  const slide = slideOf(current);
  if (!sent || !slide || sent.slide !== slide.id) return;
  rememberAnswered(slide.id);
  const module = await kindModule(slide.kind);
  mine = module.afterAck(mine, sent.value);
  if (!queued().some((m) => m.slide === slide.id)) show({ thanks: true });
}

function handle(message) {
  if (message.type === "welcome") {
    if (message.now) clockOffset = message.now - Date.now();
    askMine();
  } else if (message.type === "ack") {
    acknowledged(message.id);
  } else if (message.type === "error") {
    if (message.id && RETRY.has(message.code) && queued().some((m) => m.id === message.id)) {
      formStatus(texts.retrying);
      retryLater();
      return;
    }
    const refused = message.id ? settle(message.id) : null; // sending again will not help
    if (refused && refused.type !== "answer") questions.refused(refused, message.reason);
    else showError(message.reason);
  } else if (message.type === "slide") {
    follow(message);
  } else if (message.type === "questions") {
    questions.update(message);
  } else if (message.type === "mine") {
    const slide = slideOf(current);
    if (!slide || message.slide !== slide.id) return;
    mine = message.value;
    if (!dirty && (view.querySelector("form.answer-form") || personal(slide))) show();
  }
}

// ---- connecting ----------------------------------------------------------------------------

function connect() {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${window.location.host}/ws/join/${code}`);
  socket.addEventListener("open", () => {
    failures = 0;
    showConnection("online");
    questions.watchNow();
    flush();
  });
  socket.addEventListener("message", (event) => handle(JSON.parse(event.data)));
  socket.addEventListener("close", () => {
    socket = null;
    mineFresh = false;
    failures += 1;
    showConnection(navigator.onLine === false ? "offline" : "connecting");
    if (failures > 4 && navigator.onLine !== false) {
      poll(); // sockets keep failing here: follow by HTTP instead
      return;
    }
    setTimeout(connect, Math.min(30000, 500 * 2 ** failures) * (0.75 + Math.random() / 2));
  });
}

async function poll() {
  if (polling) return;
  polling = true;
  showConnection("online");
  askMine();
  let version = current.version;
  for (;;) {
    try {
      const response = await fetch(`/api/join/${code}?version=${version}`, {
        headers: { accept: "application/json" },
      });
      if (!response.ok) throw new Error(String(response.status));
      const body = await response.json();
      version = body.slide.version;
      showConnection("online");
      handle(body.slide);
      await flush();
    } catch (error) {
      showConnection("offline");
      await new Promise((resolve) => setTimeout(resolve, 5000));
    }
  }
}

window.addEventListener("online", () => {
  showConnection("connecting");
  if (!socket && !polling) connect();
  flush();
});
window.addEventListener("offline", () => showConnection("offline"));

// ---- the audience's questions ------------------------------------------------------------

const questions = new QuestionsPanel({
  panel: document.getElementById("qa-panel"),
  entry: document.getElementById("qa-entry"),
  texts,
  t,
  outbox: (message) => {
    enqueue(message);
    flush();
  },
  newId: newSubmissionId,
  // Over the socket the server sends the list as it changes; false: fetch it instead.
  watch: (on) => {
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify({ type: "questions", id: `w${Date.now()}`, watch: on }));
    return true;
  },
  fetchList: () => fetch(`/api/join/${code}/questions`, { headers: { accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : null))
    .then((body) => { if (body) questions.update(body); })
    .catch(() => {}),
});

// A slide whose kind is the audience's questions shows them open; every other slide offers them
// behind a button when the presentation takes questions.
function followQuestions() {
  const message = current;
  const slide = slideOf(message);
  if (!slide) {
    questions.follow(message, false);
    return;
  }
  kindModule(slide.kind).then((module) => {
    if (current === message) questions.follow(message, Boolean(module.questions));
  }, () => questions.follow(message, false));
}

const form = view.querySelector("form.answer-form");
if (form) {
  form.elements.submission.value = ""; // the page's own id is for the form without script
  enhance(form).catch(() => {});
}
updateCounter();
tickCountdown(); // the page came with the countdown as it stood: count on from here
renderReactions();
followQuestions();
if (queued().length) formStatus(navigator.onLine === false ? texts.offline : texts.sending);
if ("WebSocket" in window) connect(); else poll();
