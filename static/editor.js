// The presentation editor: builds the same document the YAML files hold, and saves it
// (POST /api/presentations for a new one, PUT /api/presentations/{id} to change one).
const root = document.getElementById("editor");
const text = JSON.parse(root.dataset.texts);
const presentationId = root.dataset.presentationId;
const doc = JSON.parse(root.dataset.document);
const $ = (id) => document.getElementById(id);

// Each kind's fields with their labels, defaults and limits come from the server (the kind's
// module in polls/kinds/), so that nothing here repeats a limit.
const { kinds, notes, time_limit: timeLimit, image_alt: imageAlt } = JSON.parse(root.dataset.kinds);

function el(tag, attributes = {}, content) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === true) node.setAttribute(name, "");
    else if (value !== false && value !== undefined) node.setAttribute(name, String(value));
  }
  if (content !== undefined) node.textContent = content;
  return node;
}

let serial = 0;
function field(slide, spec) {
  const { name, type } = spec;
  serial += 1;
  const id = `field-${serial}`;
  const wrap = el("div", { class: `field field-${name}` });
  const label = el("label", { for: id }, spec.label);
  let input;
  if (type === "lines" || type === "area") {
    const value = type === "lines" ? (slide[name] || []).join("\n") : slide[name] || "";
    input = el("textarea", { id, rows: type === "lines" ? 4 : 3, maxlength: type === "area" ? spec.max_length : undefined });
    input.value = value;
    input.addEventListener("input", () => {
      slide[name] = type === "lines" ? input.value.split("\n").map((s) => s.trim()).filter(Boolean) : input.value;
      refreshDownload();
    });
  } else if (type === "select") {
    input = el("select", { id });
    for (const choice of spec.choices) {
      const option = el("option", { value: choice.value }, choice.label);
      option.selected = (slide[name] ?? spec.default) === choice.value;
      input.append(option);
    }
    input.addEventListener("change", () => { slide[name] = input.value; refreshDownload(); });
  } else if (type === "check") {
    input = el("input", { id, type: "checkbox" });
    input.checked = Boolean(slide[name]);
    input.addEventListener("change", () => { slide[name] = input.checked; refreshDownload(); });
    wrap.classList.add("check");
    wrap.append(input, label);
    return wrap;
  } else {
    input = el("input", { id, type, min: spec.min, max: spec.max, maxlength: spec.max_length });
    input.value = slide[name] ?? spec.default ?? "";
    input.addEventListener("input", () => {
      slide[name] = type === "number" ? Number(input.value) : input.value;
      refreshDownload();
    });
  }
  wrap.append(label, input);
  return wrap;
}

// A slide's image: uploaded at once (the server re-encodes it without its metadata and names
// it by its content), then shown here with a field for what it shows.
function imageField(slide) {
  serial += 1;
  const id = `field-${serial}`;
  const wrap = el("div", { class: "field field-image" });
  wrap.append(el("label", { for: id }, text.image));
  if (!presentationId) {
    wrap.append(el("p", { class: "hint", id }, text.image_save_first));
    return wrap;
  }
  if (slide.image) wrap.append(el("img", { class: "image-preview", src: slide.image, alt: "" }));
  const input = el("input", { id, type: "file", accept: "image/png,image/jpeg,image/webp,image/gif", "aria-describedby": `${id}-hint` });
  const hint = el("p", { class: "hint", id: `${id}-hint` }, text.image_formats);
  const status = el("p", { class: "status", role: "status" });
  input.addEventListener("change", async () => {
    const file = input.files[0];
    if (!file) return;
    status.className = "status";
    status.textContent = text.image_uploading;
    const response = await fetch(`/api/presentations/${presentationId}/images`, {
      method: "POST", body: file, credentials: "same-origin",
      headers: { "content-type": file.type || "application/octet-stream", accept: "application/json" },
    });
    const body = await response.json().catch(() => ({ error: { reason: text.image_failed } }));
    if (!response.ok) {
      status.className = "error";
      status.textContent = body.error.reason;
      return;
    }
    slide.image = body.url;
    renderSlides();
  });
  wrap.append(input, hint, status);
  if (slide.image) {
    const remove = el("button", { type: "button", class: "secondary" }, text.image_remove);
    remove.addEventListener("click", () => { delete slide.image; delete slide.image_alt; renderSlides(); });
    wrap.append(remove);
  }
  return wrap;
}

function renderSlides() {
  const list = $("slides");
  list.replaceChildren();
  doc.slides.forEach((slide, index) => {
    const item = el("li", { class: "slide-editor" });
    const head = el("div", { class: "slide-head" });
    head.append(el("strong", {}, `${text.slide} ${index + 1}: ${kinds[slide.kind].label}`));
    for (const [action, label, allowed] of [
      ["up", text.up, index > 0], ["down", text.down, index < doc.slides.length - 1], ["remove", text.remove, doc.slides.length > 1],
    ]) {
      const button = el("button", { type: "button", class: "secondary", disabled: !allowed }, label);
      button.addEventListener("click", () => {
        if (action === "remove") doc.slides.splice(index, 1);
        else {
          const other = action === "up" ? index - 1 : index + 1;
          [doc.slides[index], doc.slides[other]] = [doc.slides[other], doc.slides[index]];
        }
        renderSlides();
      });
      head.append(button);
    }
    item.append(head);
    for (const spec of kinds[slide.kind].fields) item.append(field(slide, spec));
    if (kinds[slide.kind].answers) item.append(field(slide, timeLimit));
    item.append(imageField(slide));
    if (slide.image) item.append(field(slide, imageAlt));
    item.append(field(slide, notes));
    list.append(item);
  });
  refreshDownload();
}

function renderTags() {
  const box = $("tags");
  box.replaceChildren();
  Object.entries(doc.tags || {}).forEach(([key, value], index) => {
    const row = el("div", { class: "tag-row" });
    const keyInput = el("input", { id: `tag-key-${index + 1}`, type: "text", "aria-label": text.key, value: key, maxlength: 40 });
    const valueInput = el("input", { type: "text", "aria-label": text.value, value, maxlength: 100 });
    const remove = el("button", { type: "button", class: "secondary" }, text.remove);
    const update = () => {
      const entries = Object.entries(doc.tags).map(([k, v]) => (k === key ? [keyInput.value, valueInput.value] : [k, v]));
      doc.tags = Object.fromEntries(entries);
      key = keyInput.value;
      refreshDownload();
    };
    keyInput.addEventListener("change", update);
    valueInput.addEventListener("input", update);
    remove.addEventListener("click", () => { delete doc.tags[key]; renderTags(); });
    row.append(keyInput, valueInput, remove);
    box.append(row);
  });
}

function refreshDownload() {
  const blob = new Blob([JSON.stringify(doc, null, 2)], { type: "application/json" });
  const link = $("download");
  if (link.href.startsWith("blob:")) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(blob);
}

// Where a problem's path points: the control of that field ("slides[2].options[1]" is the
// options box of the third slide), or null for a problem of the whole document.
const TOP_FIELDS = { title: "doc-title", language: "doc-language", theme: "doc-theme", profanity: "doc-profanity", retention_days: "doc-retention", reactions: "reaction-heart", qa: "doc-qa-on", qa_moderation: "doc-qa-moderation" };
function controlFor(path) {
  const slide = /^slides\[(\d+)\](?:\.([a-z_]+))?/.exec(path);
  if (slide) {
    const item = $("slides").children[Number(slide[1])];
    if (!item) return null;
    const named = slide[2] && item.querySelector(`.field-${slide[2]} input, .field-${slide[2]} textarea`);
    return named || item.querySelector("input, textarea");
  }
  if (path.startsWith("tags")) return $("tags").querySelector("input");
  const top = TOP_FIELDS[path.split(/[.[]/)[0]];
  return top ? $(top) : null;
}

// A problem in the presenter's words: the field's own label, its slide, and which line.
function describe(path, control) {
  const slide = /^slides\[(\d+)\]/.exec(path);
  const line = /\[(\d+)\]$/.exec(path);
  const label = control && control.id ? document.querySelector(`label[for="${control.id}"]`) : null;
  const parts = [];
  if (slide) parts.push(`${text.slide} ${Number(slide[1]) + 1}`);
  if (path.startsWith("tags")) parts.push(text.tags);
  else if (label) parts.push(label.textContent);
  else if (!slide || path.includes(".")) parts.push(path.replace(/^slides\[\d+\]\.?/, ""));
  if (line && !path.endsWith(`slides[${line[1]}]`)) parts.push(`${text.line} ${Number(line[1]) + 1}`);
  return parts.filter(Boolean).join(" · ");
}

function clearProblems() {
  for (const note of root.querySelectorAll(".field-error")) note.remove();
  for (const control of root.querySelectorAll("[aria-invalid]")) {
    control.removeAttribute("aria-invalid");
    control.removeAttribute("aria-describedby");
  }
}

// Each problem beside its field (linked to it for screen readers), and all of them in a list
// at the end of the form whose entries lead to their fields.
function showProblems(fields) {
  clearProblems();
  const box = $("editor-status");
  box.className = "status error";
  box.replaceChildren(el("p", {}, text.problems));
  const list = el("ul");
  fields.forEach(({ path, message }, index) => {
    const control = path ? controlFor(path) : null;
    const where = path ? describe(path, control) : "";
    const item = el("li");
    if (control) {
      const id = `problem-${index + 1}`;
      const note = el("p", { class: "field-error error", id }, where ? `${where}: ${message}` : message);
      (control.closest(".field, .tag-row") || control.parentElement).append(note);
      control.setAttribute("aria-invalid", "true");
      const described = control.getAttribute("aria-describedby");
      control.setAttribute("aria-describedby", described ? `${described} ${id}` : id);
      const link = el("a", { href: `#${control.id}` }, where ? `${where}: ${message}` : message);
      link.addEventListener("click", (event) => { event.preventDefault(); control.focus(); });
      item.append(link);
    } else {
      item.textContent = where ? `${where}: ${message}` : message;
    }
    list.append(item);
  });
  box.append(list);
}

function showCreated(links) {
  clearProblems();
  const box = $("editor-status");
  box.className = "status";
  box.replaceChildren(el("p", {}, text.created));
  const list = el("ul");
  for (const [label, url] of [[text.participants, links.participant_url], [text.presenter, links.presenter_url], [text.researcher, links.researcher_url]]) {
    const item = el("li", {}, `${label}: `);
    item.append(el("a", { href: url }, url));
    list.append(item);
  }
  box.append(list);
}

$("doc-title").value = doc.title || "";
$("doc-title").addEventListener("input", () => { doc.title = $("doc-title").value; refreshDownload(); });
$("doc-language").value = doc.language || "nl";
$("doc-language").addEventListener("change", () => { doc.language = $("doc-language").value; refreshDownload(); });
$("doc-theme").value = doc.theme || "light";
$("doc-theme").addEventListener("change", () => { doc.theme = $("doc-theme").value; refreshDownload(); });
const reactionBoxes = [...document.querySelectorAll("#doc-reactions input[type=checkbox]")];
for (const box of reactionBoxes) {
  box.checked = (doc.reactions || []).includes(box.value);
  box.addEventListener("change", () => {
    doc.reactions = reactionBoxes.filter((b) => b.checked).map((b) => b.value);
    refreshDownload();
  });
}
// Audience questions: two switches, written to the document only when on.
for (const [name, box] of [["qa", "doc-qa-on"], ["qa_moderation", "doc-qa-moderation"]]) {
  $(box).checked = Boolean(doc[name]);
  $(box).addEventListener("change", () => {
    if ($(box).checked) doc[name] = true;
    else delete doc[name];
    refreshDownload();
  });
}
$("doc-profanity").value = doc.profanity || "hide";
$("doc-profanity").addEventListener("change", () => { doc.profanity = $("doc-profanity").value; refreshDownload(); });
$("doc-retention").value = doc.retention_days || "";
$("doc-retention").addEventListener("input", () => {
  if ($("doc-retention").value) doc.retention_days = Number($("doc-retention").value);
  else delete doc.retention_days;
  refreshDownload();
});
$("add-tag").addEventListener("click", () => {
  doc.tags = doc.tags || {};
  let key = "tag";
  for (let n = 2; key in doc.tags; n += 1) key = `tag${n}`;
  doc.tags[key] = "";
  renderTags();
});
$("add-slide").addEventListener("click", () => {
  doc.slides.push(structuredClone(kinds[$("new-kind").value].new));
  renderSlides();
  $("slides").lastElementChild.querySelector("input, textarea").focus();
});
$("editor-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const headers = { "content-type": "application/json", accept: "application/json" };
  const token = $("admin-token");
  if (token && token.value) headers.authorization = `Bearer ${token.value}`;
  const required = (slide) => new Set(kinds[slide.kind].fields.filter((f) => f.required).map((f) => f.name));
  const cleaned = {
    ...doc,
    slides: doc.slides.map((s) => Object.fromEntries(Object.entries(s).filter(([k, v]) => v !== "" || required(s).has(k)))),
  };
  const response = await fetch(presentationId ? `/api/presentations/${presentationId}` : "/api/presentations", {
    method: presentationId ? "PUT" : "POST",
    headers,
    body: JSON.stringify(cleaned),
    credentials: "same-origin",
  });
  const body = await response.json();
  if (!response.ok) {
    showProblems(body.error.fields || [{ path: "", message: body.error.reason }]);
  } else if (presentationId) {
    clearProblems();
    $("editor-status").className = "status";
    $("editor-status").textContent = text.saved;
  } else {
    showCreated(body);
  }
});
for (const [name, kind] of Object.entries(kinds)) $("new-kind").append(new Option(kind.label, name));
renderTags();
renderSlides();
