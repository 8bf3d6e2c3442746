// 100 points: the phone spreads points over the options, the screen shows the mean per option.
import { bars, el } from "../dom.js";

// ---- on the phone -----------------------------------------------------------------------

export function answer(data) {
  const points = [];
  for (const [name, value] of data.entries()) {
    if (name.startsWith("points-")) points[Number(name.slice(7))] = Number(value || 0);
  }
  return { points: Array.from(points, (given) => (Number.isFinite(given) ? given : -1)) };
}

export const limit = () => 0;

export const afterAck = (mine, value) => ({ points: value.points });

// The same markup as templates/kinds/hundred_points.html: a number per option, which works
// without script; enhance() adds steppers and the running total.
export function render(slide, { voting, mine, t }) {
  const given = mine && Array.isArray(mine.points) && mine.points.length === slide.options.length
    ? mine.points : slide.options.map(() => 0);
  const box = el("fieldset", "spread");
  box.dataset.points = String(slide.points);
  box.append(el("legend", "", t("points_legend", { points: slide.points })));
  slide.options.forEach((option, index) => {
    const row = el("div", "spread-row");
    const label = el("label", "spread-label", option);
    label.htmlFor = `points-${index}`;
    const wrap = el("span", "spread-input");
    const input = el("input");
    Object.assign(input, {
      id: `points-${index}`, name: `points-${index}`, type: "number", inputMode: "numeric",
      min: "0", max: String(slide.points), step: "1", value: String(given[index]), disabled: !voting,
    });
    wrap.append(input);
    row.append(label, wrap);
    box.append(row);
  });
  const total = el("p", "spread-total", t("points_exactly", { points: slide.points }));
  total.setAttribute("aria-live", "polite");
  box.append(total);
  return [box];
}

// Steppers of a tenth of the points beside each number (never past what is left, never below
// 0) and a running total that says how many are left or too many.
export function enhance(form, { t }) {
  const box = form.querySelector("fieldset.spread");
  if (!box || box.dataset.enhanced) return;
  box.dataset.enhanced = "1";
  const budget = Number(box.dataset.points);
  const step = Math.max(1, Math.round(budget / 10));
  const inputs = [...box.querySelectorAll("input[type=number]")];
  const total = box.querySelector(".spread-total");
  const value = (input) => Math.max(0, Math.floor(Number(input.value) || 0));
  const left = () => budget - inputs.reduce((sum, input) => sum + value(input), 0);

  function update() {
    const rest = left();
    total.textContent = rest === 0 ? t("points_done", { points: budget })
      : rest > 0 ? t("points_left", { left: rest, points: budget }) : t("points_over", { over: -rest });
    total.dataset.state = rest === 0 ? "done" : rest > 0 ? "left" : "over";
    for (const input of inputs) {
      const row = input.closest(".spread-row");
      row.querySelector(".spread-less").disabled = input.disabled || value(input) === 0;
      row.querySelector(".spread-more").disabled = input.disabled || rest <= 0;
    }
  }

  for (const input of inputs) {
    const option = input.closest(".spread-row").querySelector("label").textContent;
    const less = el("button", "spread-less", "−");
    const more = el("button", "spread-more", "+");
    less.type = more.type = "button";
    less.setAttribute("aria-label", t("points_less", { option }));
    more.setAttribute("aria-label", t("points_more", { option }));
    const change = (by) => {
      input.value = String(Math.max(0, value(input) + by));
      input.dispatchEvent(new Event("input", { bubbles: true }));
    };
    less.addEventListener("click", () => change(-Math.min(step, value(input))));
    more.addEventListener("click", () => change(Math.min(step, Math.max(0, left()))));
    input.before(less);
    input.after(more);
    input.addEventListener("input", update);
  }
  form.addEventListener("polls:voting", update);
  update();
}

// ---- on the presenter's screen -----------------------------------------------------------

const mean = (option, fmt) => (option.mean === null ? "–" : fmt.number(option.mean));

// One bar per option, most points first, as long as its mean share of the points.
export function draw(box, results, { labels, fmt }) {
  const wrap = el("div", "spread-results");
  wrap.append(el("p", "spread-caption", labels.meanPoints.replace("%(points)s", fmt.integer(results.points))));
  wrap.append(bars(results.options.map((o) => ({ label: o.text, value: o.total, figure: mean(o, fmt) }))));
  box.append(wrap);
}

export function hidden() {
  return [];
}

export function table(results, labels, fmt) {
  return {
    headers: [labels.option, labels.mean, labels.total],
    rows: results.options.map((o) => [o.text, mean(o, fmt), fmt.integer(o.total)]),
  };
}

export function summary(results, labels, fmt) {
  return results.options.map((o) => `${o.text}: ${mean(o, fmt)}`);
}
