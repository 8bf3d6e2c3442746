// Multiple choice: the phone's answer, and the bars on the presenter's screen.
import { el } from "../dom.js";

export function answer(data) {
  return { choices: data.getAll("choice").map(Number) };
}

export const clearsAfterSend = false;

export function draw(box, results) {
  const top = Math.max(1, ...results.options.map((o) => o.count));
  for (const option of results.options) {
    const row = el("div", "bar-row");
    row.append(el("span", "label", option.text));
    const bar = el("div", "bar");
    bar.style.width = `${(100 * option.count) / top}%`;
    row.append(bar, el("span", "figure", `${option.count} (${option.percent}%)`));
    box.append(row);
  }
}

export function table(results, labels) {
  return {
    headers: [labels.option, labels.count, labels.percent],
    rows: results.options.map((o) => [o.text, o.count, `${o.percent}%`]),
  };
}

export function summary(results) {
  return results.options.map((o) => `${o.text}: ${o.count} (${o.percent}%)`);
}
