// Text only: its title and body on the phone while everyone waits; no answers, no results.
import { el } from "../dom.js";

export const limit = () => 0;

export function answer() {
  return {};
}

export const afterAck = (mine) => mine;

// The same markup as templates/kinds/content.html.
export function render(slide) {
  if (slide.layout === "quote") {
    const quote = el("blockquote", "slide-quote");
    quote.append(el("p", "", slide.body));
    return [quote, el("p", "quote-by", slide.title)];
  }
  const nodes = [el("h1", slide.layout === "number" ? "big-number" : "", slide.title)];
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
