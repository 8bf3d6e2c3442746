// The participant page, enhanced: follows the presenter live over a WebSocket (or HTTP long
// polling where sockets do not work) and sends answers without reloading. Without JavaScript
// the page is a plain form that works on its own.
const root = document.getElementById("participant");
const code = root.dataset.code;
const shown = JSON.parse(root.dataset.slide);
const status = document.getElementById("status");
const form = document.querySelector("form.answer-form");
let socket = null;
let failures = 0;

function sameView(message) {
  const a = message.slide ? message.slide.id : null;
  const b = shown.slide ? shown.slide.id : null;
  return a === b && message.voting === shown.voting;
}

function follow(message) {
  if (message.type === "slide" && !sameView(message)) {
    window.location.replace(window.location.pathname);
  }
}

function newSubmissionId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function answerValue(data) {
  const kind = shown.slide.kind;
  if (kind === "word_cloud") return { words: data.getAll("word").filter((w) => w.trim()) };
  if (kind === "multiple_choice") return { choices: data.getAll("choice").map(Number) };
  if (kind === "open_ended") return { text: data.get("text") || "" };
  const ratings = {};
  for (const [name, value] of data.entries()) {
    if (name.startsWith("rating-")) ratings[name.slice(7)] = value === "skip" ? "skip" : Number(value);
  }
  return { ratings };
}

const pending = new Map();

function handle(message) {
  if (message.type === "ack" && pending.has(message.id)) {
    pending.delete(message.id);
    status.className = "status";
    status.textContent = root.dataset.thanks || "Thank you! Your answer has been received.";
    if (form) {
      form.elements.submission.value = newSubmissionId();
      if (shown.slide.kind === "word_cloud" || shown.slide.kind === "open_ended") form.reset();
    }
  } else if (message.type === "error") {
    status.className = "status error";
    status.textContent = message.reason;
    pending.delete(message.id);
  } else {
    follow(message);
  }
}

function connect() {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${window.location.host}/ws/join/${code}`);
  socket.addEventListener("open", () => { failures = 0; });
  socket.addEventListener("message", (event) => handle(JSON.parse(event.data)));
  socket.addEventListener("close", () => {
    socket = null;
    failures += 1;
    if (failures > 3) { poll(); return; }
    setTimeout(connect, Math.min(30000, 500 * 2 ** failures));
  });
}

async function poll() {
  // Long polling: the server answers when the slide changes, or after 25 seconds.
  for (;;) {
    try {
      const response = await fetch(`/api/join/${code}?version=${shown.version}`, { headers: { accept: "application/json" } });
      if (response.ok) follow((await response.json()).slide);
      else await new Promise((r) => setTimeout(r, 5000));
    } catch (error) {
      await new Promise((r) => setTimeout(r, 5000));
    }
  }
}

if (form) {
  form.addEventListener("submit", (event) => {
    if (!socket || socket.readyState !== WebSocket.OPEN) return; // the plain form post still works
    event.preventDefault();
    const data = new FormData(form);
    const id = data.get("submission");
    pending.set(id, true);
    status.className = "status";
    status.textContent = "…";
    socket.send(JSON.stringify({ type: "answer", id, slide: data.get("slide"), value: answerValue(data) }));
  });
}

if ("WebSocket" in window) connect(); else poll();
