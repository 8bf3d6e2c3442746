// Word cloud: the phone's answer, and the cloud on the presenter's screen.
import { el } from "../dom.js";

// ---- on the phone -----------------------------------------------------------------------

export function answer(data) {
  return { words: data.getAll("word").filter((w) => w.trim()) };
}

export const limit = (slide) => slide.max_words;

// What the phone shows again after an answer is stored: the words add up.
export function afterAck(mine, value) {
  const words = [...(mine ? mine.words : []), ...value.words];
  return { words, used: words.length };
}

// The same markup as templates/kinds/word_cloud.html.
export function render(slide, { voting, mine, left, texts, t }) {
  const nodes = [];
  const given = mine ? mine.words : [];
  if (given.length) {
    const list = el("p", "given", `${texts.your_words} `);
    for (const word of given) list.append(el("span", "given-item", word), " ");
    nodes.push(list, el("p", "hint count", t("words_given", { used: given.length, limit: slide.max_words })));
  }
  if (left === 0) nodes.push(el("p", "hint done", texts.all_words));
  const fields = left === null ? slide.max_words : left;
  for (let n = 0; n < fields; n += 1) {
    const label = el("label", "word", `${texts.word} ${given.length + n + 1} `);
    const input = el("input");
    Object.assign(input, { type: "text", name: "word", maxLength: slide.max_length, autocomplete: "off", disabled: !voting });
    label.append(input);
    nodes.push(label);
  }
  return nodes;
}

// ---- on the presenter's screen -----------------------------------------------------------

// The word-cloud layout, the same computation as polls/research/cloud.py, so the picture on the
// screen and the exported SVG/PNG are the same: words in order of first appearance along a spiral.
const CLOUD = { width: 1600, height: 900, min: 26, max: 150 };
// Strong colours with at least 7:1 contrast on the screen's background, light or dark.
const PALETTES = {
  light: ["#0b4f9c", "#8a1b61", "#0d5a2b", "#7a4a00", "#3d2a8a", "#6b1111"],
  dark: ["#8cc4ff", "#ffa3d9", "#7fe0a0", "#ffd27a", "#c9b6ff", "#ff9c9c"],
};
let PALETTE = PALETTES.light;

function cloudBox(text, size) {
  const chars = [...text];
  const wide = chars.filter((c) => c.codePointAt(0) > 0x2e80).length;
  return [(chars.length - wide) * 0.6 * size + wide * 1.05 * size + 0.2 * size, 1.15 * size];
}

function placeWords(words, top, scale) {
  const placed = [];
  const boxes = [];
  const aspect = CLOUD.width / CLOUD.height;
  words.forEach((word, index) => {
    let size = scale * (CLOUD.min + (CLOUD.max - CLOUD.min) * Math.sqrt(word.count / top));
    let [w, h] = cloudBox(word.text, size);
    if (w > CLOUD.width) {
      size *= (CLOUD.width / w) * 0.95;
      [w, h] = cloudBox(word.text, size);
    }
    for (let step = 0; step < 3000; step += 1) {
      const angle = 0.3 * step;
      const radius = 2.5 * angle;
      const x = CLOUD.width / 2 + (radius * Math.cos(angle) * aspect) / 1.4;
      const y = CLOUD.height / 2 + (radius * Math.sin(angle)) / 1.4;
      const left = x - w / 2;
      const topEdge = y - h / 2;
      const right = left + w;
      const bottom = topEdge + h;
      if (left < 0 || topEdge < 0 || right > CLOUD.width || bottom > CLOUD.height) {
        if (radius > CLOUD.width) break;
        continue;
      }
      if (boxes.every(([a, b, c, d]) => right <= a || left >= c || bottom <= b || topEdge >= d)) {
        boxes.push([left, topEdge, right, bottom]);
        placed.push({ ...word, x, y, size, colour: PALETTE[index % PALETTE.length] });
        break;
      }
    }
  });
  return placed;
}

function layoutCloud(words) {
  if (!words.length) return [];
  const top = Math.max(...words.map((w) => w.count));
  let scale = 1;
  let placed = [];
  for (let attempt = 0; attempt < 12; attempt += 1) {
    placed = placeWords(words, top, scale);
    if (placed.length === words.length) return placed;
    scale *= 0.85;
  }
  return placed;
}

const SVG = "http://www.w3.org/2000/svg";

// Hidden words never reach the audience's screen: they are listed in the console only.
export function draw(box, results, { slideId, moderate }) {
  PALETTE = document.body.classList.contains("theme-dark") ? PALETTES.dark : PALETTES.light;
  const visible = results.words.filter((w) => !w.hidden).sort((a, b) => a.order - b.order);
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${CLOUD.width} ${CLOUD.height}`);
  svg.setAttribute("class", "cloud");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", visible.map((w) => `${w.text}: ${w.count}`).join(", "));
  for (const word of layoutCloud(visible)) {
    const text = document.createElementNS(SVG, "text");
    text.setAttribute("x", word.x.toFixed(1));
    text.setAttribute("y", word.y.toFixed(1));
    text.setAttribute("font-size", word.size.toFixed(1));
    text.setAttribute("fill", word.colour);
    text.setAttribute("text-anchor", "middle");
    text.setAttribute("dominant-baseline", "central");
    text.setAttribute("class", "word");
    text.textContent = word.text;
    const title = document.createElementNS(SVG, "title");
    title.textContent = `${word.text}: ${word.count}`;
    text.append(title);
    text.addEventListener("click", () => moderate(slideId, word.key, false));
    svg.append(text);
  }
  box.append(svg);
}

export function hidden(results) {
  return results.words.filter((w) => w.hidden).map((w) => ({ item: w.key, text: `${w.text} (${w.count})` }));
}

export function table(results, labels) {
  return {
    headers: [labels.word, labels.count],
    rows: results.words.filter((w) => !w.hidden).map((w) => [w.text, w.count]),
  };
}

export function summary(results) {
  return results.words.filter((w) => !w.hidden).slice(0, 5).map((w) => `${w.text}: ${w.count}`);
}
