// The audience's questions on a phone: ask the speaker, read the others' questions and upvote
// them (once each; tap again to take it back), sorted by votes or newest. The same list as
// templates/questions.html, which works without JavaScript. Questions and upvotes go through
// the page's outbox (participant.js): kept until stored, sent again with the same id, never
// counted twice. Participant text is only ever set with textContent.
import { el } from "./dom.js";

const MAX_LENGTH = 280; // polls/kinds/qa.py QUESTION_LENGTH
const POLL_MS = 5000; // without a socket, the list is fetched this often while it is open

export class QuestionsPanel {
  // outbox(message): keep and send a message; watch(on): ask the server for the list as it
  // changes (false when nobody looks); fetchList(): the list over HTTP, without a socket.
  constructor({ panel, entry, texts, t, outbox, newId, watch, fetchList }) {
    Object.assign(this, { panel, entry, texts, t, outbox, newId, watch, fetchList });
    this.items = [];
    this.answering = 0;
    this.upvoted = new Set();
    this.asked = []; // this phone's own questions: {id, text}
    this.pending = new Map(); // question: up, for upvotes sent and not yet stored
    this.sort = "votes";
    this.enabled = false;
    this.inline = false; // a qa slide: the questions are the slide
    this.open = false;
    this.loaded = false;
    this.pollTimer = null;
    this.watching = false;
    this.built = false; // built when a presentation first takes questions
    entry.querySelector("a").addEventListener("click", (event) => {
      event.preventDefault();
      this.setOpen(true, true);
    });
  }

  build() {
    this.built = true;
    const { texts } = this;
    const head = el("div", "qa-head");
    const title = el("h2", "", texts.qa_title);
    title.id = "qa-title";
    title.tabIndex = -1;
    this.close = el("button", "secondary qa-close", texts.qa_close);
    this.close.type = "button";
    this.close.addEventListener("click", () => {
      this.setOpen(false);
      this.entry.querySelector("a").focus();
    });
    head.append(title, this.close);
    this.answeringBox = el("section", "qa-answering");
    this.answeringBox.setAttribute("aria-live", "polite");
    this.form = el("form", "qa-ask");
    this.form.noValidate = true;
    const label = el("label", "", texts.qa_yours);
    label.htmlFor = "qa-text";
    this.area = el("textarea");
    Object.assign(this.area, { id: "qa-text", name: "text", rows: 3, maxLength: MAX_LENGTH });
    this.area.setAttribute("aria-describedby", "qa-privacy");
    this.error = el("p", "error");
    this.error.setAttribute("role", "alert");
    this.error.hidden = true;
    const send = el("button", "", texts.qa_send);
    send.type = "submit";
    this.status = el("p", "status");
    this.status.setAttribute("role", "status");
    const privacy = el("p", "hint", texts.qa_privacy);
    privacy.id = "qa-privacy";
    this.form.append(label, this.area, this.error, send, this.status, privacy);
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.ask();
    });
    this.waitingBox = el("section", "qa-waiting");
    const sorting = el("div", "qa-sort");
    sorting.setAttribute("role", "group");
    sorting.setAttribute("aria-label", texts.qa_sort);
    this.sortButtons = {};
    for (const [name, text] of [["votes", texts.qa_most], ["new", texts.qa_newest]]) {
      const button = el("button", "", text);
      button.type = "button";
      button.addEventListener("click", () => {
        this.sort = name;
        this.render();
      });
      this.sortButtons[name] = button;
      sorting.append(button);
    }
    this.list = el("ol", "qa-list");
    this.empty = el("p", "hint", texts.qa_none);
    this.answeredTitle = el("h3", "", texts.qa_answered);
    this.answeredList = el("ol", "qa-list qa-answered");
    this.panel.append(head, this.answeringBox, this.form, this.waitingBox, sorting, this.list, this.empty,
      this.answeredTitle, this.answeredList);
  }

  // A new slide message: whether questions are taken at all, and whether this slide is them.
  follow(slideMessage, inline) {
    this.enabled = Boolean(slideMessage.qa);
    if (!this.enabled && !this.built) return;
    if (!this.built) this.build();
    this.inline = this.enabled && inline;
    this.entry.hidden = !this.enabled || this.inline;
    this.close.hidden = this.inline;
    // The page's link to the questions (for phones without JavaScript) is this panel now.
    for (const link of document.querySelectorAll(".qa-link")) link.hidden = this.inline;
    // On a qa slide its own title heads the questions: the panel's stays for screen readers.
    this.panel.querySelector(".qa-head").classList.toggle("visually-hidden", this.inline);
    this.setOpen(this.inline || (this.enabled && this.open));
  }

  setOpen(open, focus = false) {
    const was = this.open && !this.panel.hidden;
    this.open = open;
    this.panel.hidden = !open;
    if (!this.inline) this.entry.hidden = !this.enabled || open;
    if (open !== was) this.watchNow();
    if (open) this.render();
    if (open && focus) this.panel.querySelector("h2").focus();
  }

  // Ask the server for the list (again): when opened, and after every reconnection.
  watchNow() {
    clearTimeout(this.pollTimer);
    const looking = this.open && this.enabled;
    if (!looking && !this.watching) return;
    this.watching = looking;
    if (!this.watch(looking) && looking) this.poll();
  }

  poll() {
    this.fetchList().finally(() => {
      if (this.open && this.enabled) this.pollTimer = setTimeout(() => this.watchNow(), POLL_MS);
    });
  }

  // The server's list (and, when it sends them, this phone's own questions and upvotes).
  update(message) {
    this.items = message.items;
    this.answering = message.answering;
    if (message.mine) {
      this.asked = message.mine.asked;
      this.upvoted = new Set(message.mine.upvoted);
      for (const [question, up] of this.pending) this.mark(question, up);
    }
    this.loaded = true;
    if (this.open) this.render();
  }

  mark(question, up) {
    if (up) this.upvoted.add(question);
    else this.upvoted.delete(question);
  }

  ask() {
    const text = this.area.value.trim();
    this.error.hidden = true;
    if (!text) {
      this.showError(this.texts.qa_empty);
      return;
    }
    this.status.textContent = this.texts.sending;
    this.outbox({ type: "ask", id: this.newId(), text });
  }

  upvote(question) {
    const up = !this.upvoted.has(question);
    this.mark(question, up);
    this.pending.set(question, up);
    this.outbox({ type: "upvote", id: this.newId(), question, up });
    this.render();
  }

  // The server stored a question or an upvote of this phone's.
  acknowledged(message) {
    if (message.type === "ask") {
      if (this.area.value.trim() === message.text) this.area.value = "";
      this.status.textContent = this.texts.qa_thanks;
      this.watchNow(); // the own question comes back with the list (and "not shown yet")
    } else if (this.pending.get(message.question) === message.up) {
      this.pending.delete(message.question);
    }
  }

  refused(message, reason) {
    if (message.type === "upvote") {
      this.pending.delete(message.question);
      this.mark(message.question, !message.up);
      this.render();
    }
    this.showError(reason);
  }

  showError(reason) {
    this.status.textContent = "";
    this.error.textContent = reason;
    this.error.hidden = false;
    if (!this.open) this.setOpen(true);
  }

  // Votes as shown: the server's count, with this phone's upvotes on their way added.
  votes(item) {
    const up = this.pending.get(item.id);
    if (up === undefined) return item.votes;
    return Math.max(0, item.votes + (up ? 1 : -1));
  }

  questionItem(item, votable) {
    const li = el("li", item.status === "answering" ? "qa-item is-answering" : "qa-item");
    li.append(el("p", "qa-text", item.text));
    const count = this.votes(item);
    if (!votable) {
      li.append(el("p", "qa-votes", this.t("qa_votes", { count })));
      return li;
    }
    const pressed = this.upvoted.has(item.id);
    const button = el("button", pressed ? "qa-vote" : "qa-vote secondary");
    button.type = "button";
    button.dataset.question = item.id;
    button.setAttribute("aria-pressed", String(pressed));
    button.setAttribute("aria-label", `${this.texts.qa_upvote} (${this.t("qa_votes", { count })})`);
    const arrow = el("span", "", "▲");
    arrow.setAttribute("aria-hidden", "true");
    button.append(arrow, ` ${count}`);
    button.addEventListener("click", () => this.upvote(item.id));
    li.append(button);
    return li;
  }

  render() {
    const focused = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.question : undefined;
    const answering = this.items.find((item) => item.status === "answering");
    this.answeringBox.replaceChildren();
    this.answeringBox.hidden = !answering;
    if (answering) {
      this.answeringBox.append(el("h3", "", this.texts.qa_answering), el("p", "qa-text", answering.text));
    }
    const shown = new Set(this.items.map((item) => item.id));
    const waiting = this.asked.filter((asked) => !shown.has(asked.id));
    this.waitingBox.replaceChildren();
    this.waitingBox.hidden = waiting.length === 0;
    if (waiting.length) {
      const list = el("ul");
      for (const asked of waiting) list.append(el("li", "", asked.text));
      this.waitingBox.append(el("h3", "", this.texts.qa_waiting), el("p", "hint", this.texts.qa_only_you), list);
    }
    for (const [name, button] of Object.entries(this.sortButtons)) {
      button.setAttribute("aria-pressed", String(this.sort === name));
      button.className = this.sort === name ? "" : "secondary";
    }
    const open = this.items.filter((item) => item.status !== "answered");
    if (this.sort === "new") open.sort((a, b) => b.id - a.id);
    else open.sort((a, b) => this.votes(b) - this.votes(a) || b.id - a.id);
    this.list.replaceChildren(...open.map((item) => this.questionItem(item, true)));
    this.empty.hidden = !this.loaded || open.length > 0;
    const answered = this.items.filter((item) => item.status === "answered");
    this.answeredTitle.hidden = answered.length === 0;
    this.answeredList.replaceChildren(...answered.map((item) => this.questionItem(item, false)));
    if (focused !== undefined) this.list.querySelector(`[data-question="${focused}"]`)?.focus();
  }
}
