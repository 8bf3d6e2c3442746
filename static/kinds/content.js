// Text only: its title and body on the phone while everyone waits; no answers, no results.
import { el } from "../dom.js";

export const limit = () => 0;

export function answer() {
  return {};
}

export const afterAck = (mine) => mine;

// The same markup as templates/kinds/content.html.
export function render(slide) {
  const nodes = [el("h1", "", slide.title)];
  if (slide.body) nodes.push(el("p", "body", slide.body));
  return nodes;
}

export function draw() {}

export function hidden() {
  return [];
}

export function table() {
  return null;
}

export function summary(results) {
  return [`n = ${results.answered}`];
}
