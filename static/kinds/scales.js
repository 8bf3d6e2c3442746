// Scales: the phone's ratings, and one line per statement on the presenter's screen.
import { el } from "../dom.js";

export function answer(data) {
  const ratings = {};
  for (const [name, value] of data.entries()) {
    if (name.startsWith("rating-")) ratings[name.slice(7)] = value === "skip" ? "skip" : Number(value);
  }
  return { ratings };
}

export const clearsAfterSend = false;

const mean = (statement) => (statement.mean === null ? "–" : statement.mean.toFixed(1));

// One line per statement: a small histogram over the scale (each value's bar labelled with
// its count, so colour is never the only cue) with the mean marked where it falls.
export function draw(box, results, { labels }) {
  const values = results.max - results.min + 1;
  for (const statement of results.statements) {
    const row = el("div", "scale-row");
    row.append(el("span", "label", statement.text));
    const track = el("div", "scale-track");
    track.style.gridTemplateColumns = `repeat(${values}, 1fr)`;
    const top = Math.max(1, ...statement.distribution);
    statement.distribution.forEach((count, offset) => {
      const cell = el("span", "cell");
      const bar = el("span", "bar-part");
      bar.style.height = `${(100 * count) / top}%`;
      cell.append(el("span", "count", count), bar, el("span", "value", results.min + offset));
      track.append(cell);
    });
    if (statement.mean !== null) {
      const mark = el("span", "mean-mark");
      mark.title = `${labels.mean} ${statement.mean}`;
      mark.style.left = `${(100 * (statement.mean - results.min + 0.5)) / values}%`;
      track.append(mark);
    }
    row.append(track);
    const skipped = statement.skipped ? ` · ${labels.skipped} ${statement.skipped}` : "";
    row.append(el("span", "figure", `${labels.mean} ${mean(statement)} · n = ${statement.count}${skipped}`));
    box.append(row);
  }
}

export function table(results, labels) {
  const values = [];
  for (let v = results.min; v <= results.max; v += 1) values.push(String(v));
  return {
    headers: [labels.statement, "n", labels.mean, ...values, labels.skipped],
    rows: results.statements.map((s) => [s.text, s.count, mean(s), ...s.distribution, s.skipped]),
  };
}

export function summary(results) {
  return results.statements.map((s) => `${s.text}: ${mean(s)} (n = ${s.count})`);
}
