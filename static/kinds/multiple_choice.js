// Multiple choice: the phone's answer, and the bars on the presenter's screen.
import { el } from "../dom.js";

// ---- on the phone -----------------------------------------------------------------------

export function answer(data) {
  return { choices: data.getAll("choice").map(Number) };
}

export const limit = () => 0;

export const afterAck = (mine, value) => ({ choices: value.choices });

// The same markup as templates/kinds/multiple_choice.html.
export function render(slide, { voting, mine, texts }) {
  const chosen = mine ? mine.choices : [];
  const box = el("fieldset", "choices");
  box.append(el("legend", "", slide.multiple ? texts.choose_several : texts.choose_one));
  slide.options.forEach((option, index) => {
    const label = el("label", "choice");
    const input = el("input");
    Object.assign(input, {
      type: slide.multiple ? "checkbox" : "radio", name: "choice", value: String(index),
      checked: chosen.includes(index), disabled: !voting,
    });
    label.append(input, " ", el("span", "", option));
    box.append(label);
  });
  return [box];
}

// ---- on the presenter's screen -----------------------------------------------------------

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
