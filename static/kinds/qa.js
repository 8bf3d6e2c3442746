// Audience questions: on the phone the slide is its title, with the questions panel
// (static/questions.js) open under it; on the screen the questions the audience sees, most
// votes first, the one being answered on top. Participant text only ever goes in textContent.
import { el } from "../dom.js";

export const limit = () => 0;

// The phone opens the audience's questions on this slide (participant.js asks this).
export const questions = true;

export function answer() {
  return {};
}

export const afterAck = (mine) => mine;

export function render(slide) {
  return [el("h1", "", slide.question)];
}

// The results of a qa slide are the questions: presenter.js draws the newest ``questions``
// message with drawQuestions below, and keeps it in the results box; like a text slide's, the
// slide's own results draw nothing.
export { draw, hidden, summary, table } from "./content.js";
export const keepsBox = true;

const SHOWN_AT_MOST = 8; // questions on a projector at once: big enough for the back row

// The questions on the screen: the one being answered highlighted first, then the open ones by
// votes, then those answered, faded. In the console each question has the presenter's buttons (``act(question, action)``).
export function drawQuestions(box, message, { labels, fmt, act, audience }) {
  box.replaceChildren();
  const items = audience ? message.items.filter((item) => !item.held) : message.items;
  const answering = items.filter((item) => item.status === "answering");
  const open = items.filter((item) => item.status === "open");
  const answered = items.filter((item) => item.status === "answered");
  const ordered = [...answering, ...open, ...answered];
  if (!ordered.length) {
    box.append(el("p", "qa-none", labels.noQuestions));
    return;
  }
  const list = el("ol", audience ? "qa-screen" : "qa-screen qa-console");
  for (const item of audience ? ordered.slice(0, SHOWN_AT_MOST) : ordered) {
    const entry = el("li", `qa-card is-${item.status}${item.held ? " is-held" : ""}`);
    const votes = el("span", "qa-card-votes");
    const arrow = el("span", "", "▲");
    arrow.setAttribute("aria-hidden", "true");
    votes.append(arrow, " ", fmt.integer(item.votes));
    votes.setAttribute("aria-label", labels.votes.replace("%(count)s", item.votes));
    const text = el("span", "qa-card-text", item.text);
    entry.append(votes, text);
    if (item.status === "answering") entry.prepend(el("span", "qa-card-now", labels.answering));
    if (item.status === "answered") entry.append(el("span", "qa-card-done", labels.markAnswered));
    if (!audience) entry.append(consoleButtons(item, labels, act));
    list.append(entry);
  }
  box.append(list);
  if (!audience) return;
  // What does not fit the screen leaves it, from the end, and is counted.
  const more = el("p", "more");
  box.append(more);
  let left = ordered.length - list.children.length;
  while (list.children.length > 1 && list.scrollHeight > list.clientHeight + 1) {
    list.lastChild.remove();
    left += 1;
  }
  more.textContent = left > 0 ? labels.more.replace("%(count)s", fmt.integer(left)) : "";
}

function consoleButtons(item, labels, act) {
  const buttons = el("span", "qa-actions");
  const why = { hidden: labels.qaHidden, pending: labels.qaPending, swearing: labels.held }[item.held];
  if (why) buttons.append(el("span", "hidden-why", why));
  if (item.flagged && !item.held) buttons.append(el("span", "hidden-why", labels.flagged));
  const add = (text, action) => {
    const button = el("button", "restore", text);
    button.type = "button";
    button.addEventListener("click", () => act(item.id, action));
    buttons.append(button);
  };
  if (item.held) add(item.held === "pending" ? labels.approve : labels.show, "show");
  else {
    if (item.status !== "answering") add(labels.answerNow, "answering");
    if (item.status !== "answered") add(labels.markAnswered, "answered");
    else add(labels.reopen, "reopen");
    add(labels.hide, "hide");
  }
  return buttons;
}
