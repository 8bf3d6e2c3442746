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

// ---- on the presenter's screen -----------------------------------------------------------

// Each word's place and size come from the server (polls/kinds/cloud_layout.py), the same
// for the research export: a word keeps its place while the cloud grows, sizes change
// smoothly, and the whole cloud is fitted to the screen by one transform.
const CANVAS = { width: 1600, height: 900 };
// Strong colours with at least 7:1 contrast on the screen's background, light or dark.
const PALETTES = {
  light: ["#0b4f9c", "#8a1b61", "#0d5a2b", "#7a4a00", "#3d2a8a", "#6b1111"],
  dark: ["#8cc4ff", "#ffa3d9", "#7fe0a0", "#ffd27a", "#c9b6ff", "#ff9c9c"],
};
const SVG = "http://www.w3.org/2000/svg";

// The same as fit() in polls/kinds/cloud_layout.py: the cloud's box, centred, with a margin.
function fit([left, top, right, bottom]) {
  const width = Math.max(right - left, 1);
  const height = Math.max(bottom - top, 1);
  const scale = Math.min((CANVAS.width * 0.94) / width, (CANVAS.height * 0.94) / height, 2);
  return [scale, CANVAS.width / 2 - (scale * (left + right)) / 2, CANVAS.height / 2 - (scale * (top + bottom)) / 2];
}

// The screen keeps its cloud between updates, so words can grow in place.
export const keepsBox = true;
let cloud = null;

function newCloud(box, slideId) {
  box.replaceChildren();
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${CANVAS.width} ${CANVAS.height}`);
  svg.setAttribute("class", "cloud");
  svg.setAttribute("role", "img");
  const group = document.createElementNS(SVG, "g");
  svg.append(group);
  box.append(svg);
  return { slideId, svg, group, nodes: new Map() };
}

// Hidden words never reach the audience's screen: they are listed in the console only.
export function draw(box, results, { slideId, moderate }) {
  const palette = document.body.classList.contains("theme-dark") ? PALETTES.dark : PALETTES.light;
  if (!cloud || cloud.slideId !== slideId || !box.contains(cloud.svg)) cloud = newCloud(box, slideId);
  const visible = results.words.filter((w) => !w.hidden).sort((a, b) => a.order - b.order);
  const [scale, dx, dy] = fit(results.view);
  cloud.group.style.transform = `translate(${dx}px, ${dy}px) scale(${scale})`;
  const shown = new Set();
  visible.forEach((word, index) => {
    let node = cloud.nodes.get(word.key);
    if (!node) {
      node = document.createElementNS(SVG, "text");
      node.setAttribute("class", "word");
      node.setAttribute("text-anchor", "middle");
      node.setAttribute("dominant-baseline", "central");
      node.append(document.createTextNode(""), document.createElementNS(SVG, "title"));
      node.addEventListener("click", () => moderate(slideId, word.key, false));
      cloud.group.append(node);
      cloud.nodes.set(word.key, node);
    }
    node.setAttribute("x", String(word.x));
    node.setAttribute("y", String(word.y));
    node.style.fontSize = `${word.size}px`;
    node.setAttribute("fill", palette[index % palette.length]);
    node.firstChild.nodeValue = word.text;
    node.lastChild.textContent = `${word.text}: ${word.count}`;
    shown.add(word.key);
  });
  for (const [key, node] of cloud.nodes) {
    if (!shown.has(key)) {
      node.remove();
      cloud.nodes.delete(key);
    }
  }
  cloud.svg.setAttribute("aria-label", visible.map((w) => `${w.text}: ${w.count}`).join(", "));
}

export function hidden(results) {
  return results.words.filter((w) => w.hidden).map((w) => ({ item: w.key, text: `${w.text} (${w.count})` }));
}

// Swearing shown on the screen (profanity: flag), for the console to hide with one click.
export function flagged(results) {
  const marked = new Set(results.flagged || []);
  return results.words.filter((w) => marked.has(w.key)).map((w) => ({ item: w.key, text: `${w.text} (${w.count})` }));
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
