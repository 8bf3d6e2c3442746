// 2×2 grid: the phone rates items on two axes, the screen plots each item's mean with its spread.
import { el } from "../dom.js";

// ---- on the phone -----------------------------------------------------------------------

// Items rated on either axis are sent; one rated on a single axis is refused with the reason.
export function answer(data) {
  const ratings = {};
  for (const [name, value] of data.entries()) {
    const match = /^([xy])-(\d+)$/.exec(name);
    if (!match) continue;
    const point = ratings[match[2]] || (ratings[match[2]] = [null, null]);
    point[match[1] === "x" ? 0 : 1] = Number(value);
  }
  return { ratings };
}

export const limit = () => 0;

// A rating replaces the last one of its item; items not rated now keep theirs.
export const afterAck = (mine, value) => ({ ratings: { ...(mine ? mine.ratings : {}), ...value.ratings } });

// The same markup as templates/kinds/grid.html.
export function render(slide, { voting, mine }) {
  const ratings = mine ? mine.ratings : {};
  const points = slide.max - slide.min + 1;
  return slide.items.map((item, index) => {
    const chosen = ratings[String(index)] || [null, null];
    const box = el("fieldset", "grid-item");
    box.append(el("legend", "", item));
    [["x", slide.x_label], ["y", slide.y_label]].forEach(([axis, label], axisIndex) => {
      const group = el("fieldset", `scale grid-axis points-${points}`);
      group.append(el("legend", "", label));
      const options = el("div", "scale-options");
      for (let value = slide.min; value <= slide.max; value += 1) {
        const option = el("label", "scale-option");
        const input = el("input");
        Object.assign(input, {
          type: "radio", name: `${axis}-${index}`, value: String(value),
          checked: chosen[axisIndex] === value, disabled: !voting,
        });
        option.append(input, el("span", "point", String(value)));
        options.append(option);
      }
      group.append(options);
      box.append(group);
    });
    return box;
  });
}

// ---- on the presenter's screen -----------------------------------------------------------

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attributes = {}, text = undefined) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

const overlaps = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const inside = (a, area) => a.x >= area.x && a.y >= area.y && a.x + a.width <= area.x + area.width && a.y + a.height <= area.y + area.height;

// Each label takes the first place around its dot (right, left, above, below, the corners,
// then further out with a line to its dot) that overlaps no dot and no label placed before.
function placeLabels(labels, dots, area, gap) {
  const placed = [];
  const taken = dots.map((d) => ({ x: d.x - d.r, y: d.y - d.r, width: 2 * d.r, height: 2 * d.r }));
  for (const label of labels) {
    const { width, height } = label.node.getBBox();
    const { x, y, r } = label.dot;
    let best = null;
    for (let ring = 1; ring <= 8 && !best; ring += 1) {
      const d = r + gap * ring * ring;
      const spots = [
        [x + d, y - height / 2], [x - d - width, y - height / 2],
        [x - width / 2, y - d - height], [x - width / 2, y + d],
        [x + d * 0.7, y - d * 0.7 - height], [x - d * 0.7 - width, y - d * 0.7 - height],
        [x + d * 0.7, y + d * 0.7], [x - d * 0.7 - width, y + d * 0.7],
      ];
      for (const [left, top] of spots) {
        const box = { x: left, y: top, width, height };
        if (inside(box, area) && !taken.some((t) => overlaps(t, box))) {
          best = { box, ring };
          break;
        }
      }
    }
    if (!best) best = { box: { x: Math.min(x + r + gap, area.x + area.width - width), y: y - height / 2, width, height }, ring: 1 };
    const { box, ring } = best;
    label.node.setAttribute("x", box.x);
    label.node.setAttribute("y", box.y + height * 0.8);
    taken.push(box);
    placed.push(box);
    if (ring > 1) {
      const end = [Math.max(box.x, Math.min(x, box.x + width)), Math.max(box.y, Math.min(y, box.y + height))];
      label.node.before(svg("line", { x1: x, y1: y, x2: end[0], y2: end[1], class: "grid-leader" }));
    }
  }
  return placed;
}

// The plane as wide and tall as the screen allows: ticks on both axes, the middle lines that
// make the four quadrants, each item's mean as a dot with an ellipse of one standard deviation
// each way, and its name beside it where it covers no other name and no dot.
export function draw(box, results) {
  const hint = box.querySelector(":scope > .hint");
  const width = Math.max(1, box.clientWidth);
  const height = Math.max(1, box.clientHeight - (hint ? hint.offsetHeight : 0));
  const W = 1000;
  const H = Math.round((W * height) / width);
  const font = Math.max(12, Math.min(W, H) / 26);
  const plane = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "grid-plane", role: "img" });
  plane.style.height = `${height}px`;
  const area = { x: font * 3.2, y: font * 0.6, width: W - font * 3.8, height: H - font * 3.8 };
  const span = results.max - results.min;
  const sx = (value) => area.x + ((value - results.min) / span) * area.width;
  const sy = (value) => area.y + area.height - ((value - results.min) / span) * area.height;
  const middle = (results.min + results.max) / 2;
  plane.append(
    svg("rect", { ...area, class: "grid-area" }),
    svg("line", { x1: sx(middle), y1: area.y, x2: sx(middle), y2: area.y + area.height, class: "grid-middle" }),
    svg("line", { x1: area.x, y1: sy(middle), x2: area.x + area.width, y2: sy(middle), class: "grid-middle" }),
  );
  for (let value = results.min; value <= results.max; value += 1) {
    plane.append(
      svg("text", { x: sx(value), y: area.y + area.height + font * 1.2, "font-size": font * 0.8, class: "grid-tick", "text-anchor": "middle" }, value),
      svg("text", { x: area.x - font * 0.4, y: sy(value) + font * 0.3, "font-size": font * 0.8, class: "grid-tick", "text-anchor": "end" }, value),
    );
  }
  plane.append(
    svg("text", { x: area.x + area.width / 2, y: H - font * 0.5, "font-size": font, class: "grid-axis-label", "text-anchor": "middle" }, `${results.x_label} →`),
    svg("text", { x: font * 1.1, y: area.y + area.height / 2, "font-size": font, class: "grid-axis-label", "text-anchor": "middle", transform: `rotate(-90 ${font * 1.1} ${area.y + area.height / 2})` }, `${results.y_label} →`),
  );
  box.append(plane);
  const rated = results.items.filter((item) => item.count > 0);
  const dots = rated.map((item) => ({ x: sx(item.x), y: sy(item.y), r: font * 0.45, item }));
  const scale = { x: area.width / span, y: area.height / span };
  for (const dot of dots) {
    plane.append(svg("ellipse", { cx: dot.x, cy: dot.y, rx: Math.max(dot.r, dot.item.sd_x * scale.x), ry: Math.max(dot.r, dot.item.sd_y * scale.y), class: "grid-spread" }));
  }
  for (const dot of dots) plane.append(svg("circle", { cx: dot.x, cy: dot.y, r: dot.r, class: "grid-dot" }));
  const labels = dots.map((dot) => {
    const node = svg("text", { "font-size": font, class: "grid-label" }, dot.item.text);
    plane.append(node);
    return { node, dot };
  });
  placeLabels(labels, dots, area, font * 0.4);
  plane.setAttribute("aria-label", rated.map((i) => `${i.text}: ${i.x}, ${i.y}`).join("; "));
}

export function hidden() {
  return [];
}

const figure = (value, fmt) => (value === null ? "–" : fmt.number(value));

export function table(results, labels, fmt) {
  return {
    headers: [labels.item, "n", results.x_label, results.y_label],
    rows: results.items.map((i) => [i.text, fmt.integer(i.count), figure(i.x, fmt), figure(i.y, fmt)]),
  };
}

export function summary(results, labels, fmt) {
  return results.items.map((i) => `${i.text}: ${figure(i.x, fmt)} · ${figure(i.y, fmt)} (n = ${fmt.integer(i.count)})`);
}
