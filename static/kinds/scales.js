// Scales: the phone's ratings, and one line per statement on the presenter's screen.
import { el } from "../dom.js";

// ---- on the phone -----------------------------------------------------------------------

export function answer(data) {
  const ratings = {};
  for (const [name, value] of data.entries()) {
    if (name.startsWith("rating-")) ratings[name.slice(7)] = value === "skip" ? "skip" : Number(value);
  }
  return { ratings };
}

export const limit = () => 0;

// A rating replaces the last one of its statement; statements not rated now keep theirs.
export const afterAck = (mine, value) => ({ ratings: { ...(mine ? mine.ratings : {}), ...value.ratings } });

function radio(name, value, checked, voting) {
  const input = el("input");
  Object.assign(input, { type: "radio", name, value: String(value), checked, disabled: !voting });
  return input;
}

// The same markup as templates/kinds/scales.html.
export function render(slide, { voting, mine, texts }) {
  const ratings = mine ? mine.ratings : {};
  const points = slide.max - slide.min + 1;
  return slide.statements.map((statement, index) => {
    const chosen = ratings[String(index)];
    const box = el("fieldset", `scale points-${points}`);
    box.append(el("legend", "", statement));
    const options = el("div", "scale-options");
    for (let value = slide.min; value <= slide.max; value += 1) {
      const label = el("label", "scale-option");
      const point = el("span", "point", String(value));
      const end = value === slide.min ? slide.min_label : value === slide.max ? slide.max_label : "";
      if (end) point.append(el("span", "point-label", ` ${end}`));
      label.append(radio(`rating-${index}`, value, chosen === value, voting), point);
      options.append(label);
    }
    box.append(options);
    if (slide.min_label || slide.max_label) {
      const ends = el("div", "scale-labels");
      ends.setAttribute("aria-hidden", "true");
      ends.append(el("span", "", slide.min_label), el("span", "", slide.max_label));
      box.append(ends);
    }
    if (slide.allow_skip) {
      const skip = el("label", "skip");
      skip.append(radio(`rating-${index}`, "skip", chosen === "skip", voting), ` ${texts.skip}`);
      box.append(skip);
    }
    return box;
  });
}

// ---- on the presenter's screen -----------------------------------------------------------

const mean = (statement, fmt) => (statement.mean === null ? "–" : fmt.number(statement.mean));

// One line per statement, as wide as the screen: a histogram over the scale (each value's bar
// with its count above it, so colour is never the only cue), the mean as a large figure beside
// it and as a marker under the axis, where it never covers a count; n and skipped on one line.
// The slide's end labels stand once, over the ends of the scale.
export function draw(box, results, { labels, fmt, slide }) {
  const values = results.max - results.min + 1;
  const list = el("div", "scales-results");
  list.style.setProperty("--rows", String(results.statements.length));
  if (slide && (slide.min_label || slide.max_label)) {
    const legend = el("div", "scale-row scale-legend");
    const ends = el("div", "scale-ends");
    ends.append(el("span", "", slide.min_label || ""), el("span", "", slide.max_label || ""));
    legend.append(el("span"), ends, el("span"));
    list.append(legend);
  }
  for (const statement of results.statements) {
    const row = el("div", "scale-row");
    const track = el("div", "scale-track");
    track.style.gridTemplateColumns = `repeat(${values}, 1fr)`;
    const top = Math.max(1, ...statement.distribution);
    statement.distribution.forEach((count, offset) => {
      const cell = el("span", "cell");
      const bar = el("span", "bar-part");
      bar.style.height = `${(100 * count) / top}%`;
      cell.append(el("span", "count", fmt.integer(count)), bar, el("span", "value", fmt.integer(results.min + offset)));
      track.append(cell);
    });
    if (statement.mean !== null) {
      const mark = el("span", "mean-mark");
      mark.title = `${labels.mean} ${mean(statement, fmt)}`;
      mark.style.left = `${(100 * (statement.mean - results.min + 0.5)) / values}%`;
      track.append(mark);
    }
    const graph = el("div", "scale-graph");
    graph.append(track);
    const figure = el("div", "scale-figure");
    const skipped = statement.skipped ? ` · ${labels.skipped} ${fmt.integer(statement.skipped)}` : "";
    figure.append(
      el("span", "mean", mean(statement, fmt)),
      el("span", "n", `n\u00a0=\u00a0${fmt.integer(statement.count)}${skipped}`),
    );
    row.append(el("span", "label", statement.text), graph, figure);
    list.append(row);
  }
  box.append(list);
}

export function hidden() {
  return [];
}

export function table(results, labels, fmt) {
  const values = [];
  for (let v = results.min; v <= results.max; v += 1) values.push(fmt.integer(v));
  return {
    headers: [labels.statement, "n", labels.mean, ...values, labels.skipped],
    rows: results.statements.map((s) => [s.text, s.count, mean(s, fmt), ...s.distribution, s.skipped]),
  };
}

export function summary(results, labels, fmt) {
  return results.statements.map((s) => `${s.text}: ${mean(s, fmt)} (n = ${fmt.integer(s.count)})`);
}
