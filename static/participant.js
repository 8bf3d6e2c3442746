// The participant page, enhanced. Without JavaScript the page is a plain form that works on
// its own; with it, the page follows the presenter live over a WebSocket (or HTTP long polling
// where sockets do not work) and sends answers without reloading. Answers are kept in
// localStorage until the server acknowledges them, so an answer given while offline is sent
// when the connection comes back, with the same submission id: it never counts twice.
const root = document.getElementById("participant");
const code = root.dataset.code;
const shown = JSON.parse(root.dataset.slide);
const text = JSON.parse(root.dataset.texts);
const status = document.getElementById("status");
const connection = document.getElementById("connection");
const form = document.querySelector("form.answer-form");
// The slide kind's module reads the form (static/kinds/); if it cannot load, the plain form is
// sent as it is.
let kindModule = null;
const kindReady = form && root.dataset.script
  ? import(root.dataset.script).then((module) => { kindModule = module; return module; })
  : Promise.reject(new Error("no script for this slide"));
kindReady.catch(() => {});
const QUEUE = `polls-outbox-${code}`;
let socket = null;
let failures = 0;
let polling = false;

function say(message, kind = "") {
  status.className = `status ${kind}`.trim();
  status.textContent = message;
}

function showConnection(state) {
  connection.dataset.state = state;
  connection.textContent = state === "online" ? "" : text[state];
}

// ---- the outbox: answers not yet acknowledged -------------------------------------------

function outbox() {
  try {
    return JSON.parse(localStorage.getItem(QUEUE) || "[]");
  } catch (error) {
    return [];
  }
}

function saveOutbox(items) {
  try {
    localStorage.setItem(QUEUE, JSON.stringify(items));
  } catch (error) {
    // Private mode without storage: the answer stays in memory for this page only.
  }
}

let memory = [];
function queued() {
  const stored = outbox();
  return stored.length ? stored : memory;
}

function enqueue(message) {
  memory = [...queued().filter((m) => m.id !== message.id), message];
  saveOutbox(memory);
}

function settle(id) {
  memory = queued().filter((m) => m.id !== id);
  saveOutbox(memory);
}

async function sendOverHttp(message) {
  const response = await fetch(`/api/join/${code}/answers`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(message),
    credentials: "same-origin",
  });
  const body = await response.json();
  handle(response.ok ? body : { type: "error", id: message.id, ...body.error });
}

let flushing = false;
async function flush() {
  if (flushing) return;
  flushing = true;
  try {
    for (const message of queued()) {
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify(message));
      } else {
        await sendOverHttp(message);
      }
    }
  } catch (error) {
    showConnection("offline");
    say(text.offline);
  } finally {
    flushing = false;
  }
}

// ---- messages from the server -----------------------------------------------------------

function sameView(message) {
  const a = message.slide ? message.slide.id : null;
  const b = shown.slide ? shown.slide.id : null;
  return a === b && message.voting === shown.voting;
}

function follow(message) {
  if (message.type === "slide" && !sameView(message) && !queued().length) {
    window.location.replace(window.location.pathname);
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

function handle(message) {
  if (message.type === "welcome") {
    if (message.now) clockOffset = message.now - Date.now();
  } else if (message.type === "ack") {
    settle(message.id);
    say(text.thanks);
    if (form && form.elements.submission.value === message.id) {
      form.elements.submission.value = ""; // the next answer gets its id when it is sent
      if (kindModule && kindModule.clearsAfterSend) form.reset();
      updateCounter();
    }
    if (!queued().length && lastSlide && !sameView(lastSlide)) follow(lastSlide);
  } else if (message.type === "error") {
    if (message.id) settle(message.id); // refused for a reason: sending again will not help
    say(message.reason, "error");
  } else if (message.type === "slide") {
    lastSlide = message;
    follow(message);
  }
}
let lastSlide = null;

// ---- connecting -------------------------------------------------------------------------

function connect() {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${window.location.host}/ws/join/${code}`);
  socket.addEventListener("open", () => {
    failures = 0;
    showConnection("online");
    flush();
  });
  socket.addEventListener("message", (event) => handle(JSON.parse(event.data)));
  socket.addEventListener("close", () => {
    socket = null;
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
  let version = shown.version;
  for (;;) {
    try {
      const response = await fetch(`/api/join/${code}?version=${version}`, {
        headers: { accept: "application/json" },
      });
      if (!response.ok) throw new Error(String(response.status));
      const body = await response.json();
      version = body.slide.version;
      handle(body.slide);
      await flush();
    } catch (error) {
      showConnection("offline");
      await new Promise((resolve) => setTimeout(resolve, 5000));
    }
  }
}

// ---- the form ---------------------------------------------------------------------------

const counter = document.getElementById("counter");
const textarea = form ? form.querySelector("textarea") : null;
function updateCounter() {
  if (counter && textarea) {
    counter.textContent = `${textarea.maxLength - textarea.value.length} ${text.left}`;
  }
}

if (form) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    // A new answer gets its id now; one not yet acknowledged keeps it, so it never counts twice.
    if (!form.elements.submission.value) form.elements.submission.value = newSubmissionId();
    kindReady.then((kind) => {
      const data = new FormData(form);
      enqueue({ type: "answer", id: data.get("submission"), slide: data.get("slide"), value: kind.answer(data) });
      say(navigator.onLine === false ? text.offline : text.sending);
      flush();
    }, () => form.submit());
  });
  form.elements.submission.value = ""; // the page's own id is for the form without script
  if (textarea) textarea.addEventListener("input", updateCounter);
  updateCounter();
}

window.addEventListener("online", () => {
  showConnection("connecting");
  if (!socket && !polling) connect();
  flush();
});
window.addEventListener("offline", () => showConnection("offline"));

if (queued().length) say(text.offline);
if ("WebSocket" in window) connect(); else poll();
