// Open question: the phone's text, and the wall of answers on the presenter's screen.
import { el } from "../dom.js";

export function answer(data) {
  return { text: data.get("text") || "" };
}

// Each answer adds one: the field is cleared for the next.
export const clearsAfterSend = true;

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
