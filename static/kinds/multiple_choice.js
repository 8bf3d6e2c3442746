// Multiple choice: the phone's answer, and the bars on the presenter's screen.
import { bars, el } from "../dom.js";

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

// One bar per option, as tall as the screen allows, with the count and share in large type.
export function draw(box, results, { fmt }) {
  box.append(bars(results.options.map((o) => ({
    label: o.text, value: o.count, figure: `${fmt.integer(o.count)} · ${fmt.percent(o.percent)}`,
  }))));
}

export function hidden() {
  return [];
}

export function table(results, labels, fmt) {
  return {
    headers: [labels.option, labels.count, labels.percent],
    rows: results.options.map((o) => [o.text, fmt.integer(o.count), fmt.percent(o.percent)]),
  };
}

export function summary(results, labels, fmt) {
  return results.options.map((o) => `${o.text}: ${fmt.integer(o.count)} (${fmt.percent(o.percent)})`);
}
