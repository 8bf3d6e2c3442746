// Open question: the phone's text, and the wall of answers on the presenter's screen.
import { el } from "../dom.js";

// ---- on the phone -----------------------------------------------------------------------

export function answer(data) {
  return { text: data.get("text") || "" };
}

export const limit = (slide) => slide.max_answers;

export function afterAck(mine, value) {
  const texts = [...(mine ? mine.texts : []), value.text.trim()];
  return { texts, used: texts.length };
}

// The same markup as templates/kinds/open_ended.html.
export function render(slide, { voting, mine, left, texts, t }) {
  const nodes = [];
  const given = mine ? mine.texts : [];
  if (given.length) {
    const box = el("div", "given");
    const list = el("ul");
    for (const text of given) list.append(el("li", "given-item", text));
    box.append(el("p", "", texts.your_answers), list);
    nodes.push(box, el("p", "hint count", t("answers_given", { used: given.length, limit: slide.max_answers })));
  }
  if (left === 0) {
    nodes.push(el("p", "hint done", texts.all_answers));
    return nodes;
  }
  const label = el("label", "", texts.your_answer);
  label.htmlFor = "text";
  const area = el("textarea");
  Object.assign(area, { id: "text", name: "text", rows: 4, maxLength: slide.max_length, disabled: !voting });
  area.setAttribute("aria-describedby", "counter");
  const counter = el("p", "hint", `${slide.max_length} ${texts.left}`);
  counter.id = "counter";
  nodes.push(label, area, counter);
  return nodes;
}

// ---- on the presenter's screen -----------------------------------------------------------

// The wall: newest first, flowing to fill the screen; what does not fit is counted, and
// hidden answers never reach it (the console lists them).
export function draw(box, results, { slideId, moderate, labels, fmt }) {
  const wall = el("div", "wall");
  const shown = results.answers.filter((a) => !a.hidden);
  wall.style.fontSize = shown.length <= 6 ? "1.6em" : shown.length <= 16 ? "1.25em" : "1em";
  for (const answer of shown) {
    const card = el("div", "card", answer.text);
    card.addEventListener("click", () => moderate(slideId, answer.id, false));
    wall.append(card);
  }
  box.append(wall);
  const more = el("p", "more");
  box.append(more);
  let left = results.total - shown.length;
  // Past one screen: the oldest leave the wall until the rest fits.
  const overflows = () => wall.scrollHeight > wall.clientHeight + 1 || wall.scrollWidth > wall.clientWidth + 1;
  while (wall.lastChild && overflows()) {
    wall.lastChild.remove();
    left += 1;
  }
  more.textContent = left > 0 ? labels.more.replace("%(count)s", fmt.integer(left)) : "";
}

export function hidden(results) {
  return results.answers.filter((a) => a.hidden).map((a) => ({ item: a.id, text: a.text }));
}

// Swearing shown on the wall (profanity: flag), for the console to hide with one click.
export function flagged(results) {
  const marked = new Set(results.flagged || []);
  return results.answers.filter((a) => marked.has(a.id)).map((a) => ({ item: a.id, text: a.text }));
}

export function table(results, labels) {
  return { headers: [labels.answer], rows: results.answers.filter((a) => !a.hidden).map((a) => [a.text]) };
}

export function summary(results) {
  return [`n = ${results.answered}`];
}
