// The research page: a download shows how far it is. Without this script the links download
// as they are; with it, the same URL with ?progress=1 answers with lines of progress and then
// the file (polls/web/progress.py), which is handed to the browser as a download.
import { el } from "./dom.js";

const texts = document.getElementById("downloads").dataset;

// A reason the service gave, in the page's language (anything else shows texts.failed).
class Refused extends Error {}

function format(template, values) {
  return template
    .replace(/%\((\w+)\)s/g, (_, name) => String(values[name]))
    .replace(/%%/g, "%");
}

function newline(bytes) {
  return bytes.indexOf(10);
}

function join(left, right) {
  const joined = new Uint8Array(left.length + right.length);
  joined.set(left);
  joined.set(right, left.length);
  return joined;
}

async function download(link, status, bar) {
  const url = new URL(link.href);
  url.searchParams.set("progress", "1");
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let pending = new Uint8Array(0);
  let file = null;
  const parts = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (file) {
      parts.push(value);
      received += value.length;
      continue;
    }
    pending = join(pending, value);
    let end;
    while (!file && (end = newline(pending)) >= 0) {
      const line = JSON.parse(decoder.decode(pending.subarray(0, end)));
      pending = pending.subarray(end + 1);
      if (line.error) throw new Refused(line.error.reason);
      if (line.file) {
        file = line.file;
        status.textContent = texts.saving;
        bar.removeAttribute("value");
      } else if (line.progress.total > 0) {
        bar.max = line.progress.total;
        bar.value = line.progress.done;
        const percent = Math.floor((100 * line.progress.done) / line.progress.total);
        status.textContent = format(texts.written, { percent });
      }
    }
    if (file && pending.length) {
      parts.push(pending);
      received += pending.length;
      pending = new Uint8Array(0);
    }
  }
  if (!file || received !== file.size) throw new Refused(texts.broken);
  const save = el("a");
  save.href = URL.createObjectURL(new Blob(parts, { type: file.type }));
  save.download = file.name;
  document.body.append(save);
  save.click();
  save.remove();
  setTimeout(() => URL.revokeObjectURL(save.href), 60_000);
}

for (const link of document.querySelectorAll("a[data-progress]")) {
  link.addEventListener("click", async (event) => {
    event.preventDefault();
    if (link.getAttribute("aria-busy") === "true") return;
    link.setAttribute("aria-busy", "true");
    const line = link.closest("li");
    line.querySelector(".export-status")?.remove();
    const holder = el("span", "export-status");
    const bar = el("progress");
    const status = el("span", "", texts.preparing);
    status.setAttribute("role", "status");
    holder.append(bar, " ", status);
    line.append(holder);
    try {
      await download(link, status, bar);
      bar.max = 1;
      bar.value = 1;
      status.textContent = texts.done;
    } catch (error) {
      bar.remove();
      status.className = "error";
      status.textContent = error instanceof Refused ? error.message : texts.failed;
    } finally {
      link.removeAttribute("aria-busy");
    }
  });
}
