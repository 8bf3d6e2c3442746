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

export function draw(box, results, { slideId, moderate }) {
  const wall = el("div", "wall");
  for (const answer of results.answers) {
    const card = el("div", `card${answer.hidden ? " is-hidden" : ""}`, answer.text);
    card.addEventListener("click", () => moderate(slideId, answer.id, answer.hidden));
    wall.append(card);
  }
  box.append(wall);
}

export function table(results, labels) {
  return { headers: [labels.answer], rows: results.answers.filter((a) => !a.hidden).map((a) => [a.text]) };
}

export function summary(results) {
  return [`n = ${results.answered}`];
}
