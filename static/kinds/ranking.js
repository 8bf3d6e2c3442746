// Ranking: the phone puts the options in order, the screen shows them by mean place.
import { el } from "../dom.js";

// ---- on the phone -----------------------------------------------------------------------

// Each option's place, as its menu says: sent as the order, first place first.
export function answer(data) {
  const places = [];
  for (const [name, value] of data.entries()) {
    if (name.startsWith("rank-")) places.push([Number(value), Number(name.slice(5))]);
  }
  places.sort((a, b) => a[0] - b[0]);
  return { order: places.map(([, option]) => option) };
}

export const limit = () => 0;

export const afterAck = (mine, value) => ({ order: value.order });

// The options in the order the person gave them last, or as the slide lists them.
function ordered(slide, mine) {
  const listed = slide.options.map((_, index) => index);
  return mine && Array.isArray(mine.order) && mine.order.length === listed.length ? mine.order : listed;
}

// The same markup as templates/kinds/ranking.html: a place menu per option, which works
// without script; enhance() adds moving by buttons and by dragging.
export function render(slide, { voting, mine, texts, t }) {
  const box = el("fieldset", "ranking");
  box.append(el("legend", "", texts.rank_legend));
  const list = el("ol", "rank-list");
  ordered(slide, mine).forEach((option, place) => {
    const item = el("li", "rank-item");
    const label = el("label", "rank-place");
    label.append(el("span", "visually-hidden", t("rank_place_of", { option: slide.options[option] })));
    const menu = el("select");
    Object.assign(menu, { name: `rank-${option}`, disabled: !voting });
    for (let value = 1; value <= slide.options.length; value += 1) {
      const choice = el("option", "", String(value));
      Object.assign(choice, { value: String(value), selected: value === place + 1 });
      menu.append(choice);
    }
    label.append(menu);
    item.append(label, el("span", "rank-text", slide.options[option]));
    list.append(item);
  });
  box.append(list);
  return [box];
}

// Moving an option: its menu, two buttons (one place up or down) and a handle to drag. Every
// move renumbers the menus and is said aloud; focus stays on what was used.
export function enhance(form, { texts, t }) {
  const list = form.querySelector(".rank-list");
  if (!list || list.dataset.enhanced) return;
  list.dataset.enhanced = "1";
  const status = el("p", "visually-hidden");
  status.setAttribute("aria-live", "polite");
  list.after(status);
  const items = () => [...list.children];
  const textOf = (item) => item.querySelector(".rank-text").textContent;

  function renumber(moved) {
    items().forEach((item, place) => {
      item.querySelector("select").value = String(place + 1);
      item.querySelector(".rank-up").disabled = place === 0 || item.querySelector("select").disabled;
      item.querySelector(".rank-down").disabled = place === items().length - 1 || item.querySelector("select").disabled;
    });
    if (moved) {
      status.textContent = t("rank_moved", { option: textOf(moved), place: items().indexOf(moved) + 1, count: items().length });
      form.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  function moveTo(item, place, focus) {
    const others = items().filter((other) => other !== item);
    list.insertBefore(item, others[place] || null);
    renumber(item);
    if (focus) {
      const target = item.querySelector(focus);
      (target.disabled ? item.querySelector("select") : target).focus();
    }
  }

  for (const item of items()) {
    const menu = item.querySelector("select");
    const option = textOf(item);
    const up = el("button", "rank-up", "↑");
    const down = el("button", "rank-down", "↓");
    up.type = down.type = "button";
    up.setAttribute("aria-label", t("rank_up", { option }));
    down.setAttribute("aria-label", t("rank_down", { option }));
    up.addEventListener("click", () => moveTo(item, items().indexOf(item) - 1, ".rank-up"));
    down.addEventListener("click", () => moveTo(item, items().indexOf(item) + 1, ".rank-down"));
    menu.addEventListener("change", () => moveTo(item, Number(menu.value) - 1, "select"));
    const handle = el("span", "rank-handle", "⠿");
    handle.setAttribute("aria-hidden", "true");
    handle.addEventListener("pointerdown", (event) => drag(event, item));
    item.prepend(handle);
    item.append(up, down);
  }
  renumber(null);
  form.addEventListener("polls:voting", () => renumber(null));

  // Dragging by the handle: the option follows the finger and takes the place it is over.
  function drag(event, item) {
    if (item.querySelector("select").disabled) return;
    event.preventDefault();
    const handle = event.currentTarget;
    handle.setPointerCapture(event.pointerId);
    item.classList.add("dragging");
    const follow = (move) => {
      const over = items().find((other) => {
        const box = other.getBoundingClientRect();
        return other !== item && move.clientY >= box.top && move.clientY <= box.bottom;
      });
      if (over) list.insertBefore(item, items().indexOf(over) > items().indexOf(item) ? over.nextSibling : over);
    };
    const stop = () => {
      item.classList.remove("dragging");
      handle.removeEventListener("pointermove", follow);
      renumber(item);
    };
    handle.addEventListener("pointermove", follow);
    handle.addEventListener("pointerup", stop, { once: true });
    handle.addEventListener("pointercancel", stop, { once: true });
  }
}

// ---- on the presenter's screen -----------------------------------------------------------

const place = (option, fmt) => (option.mean_rank === null ? "–" : fmt.number(option.mean_rank));

// One line per option, best first: how often it was put in each place (a bar per place with
// its count), the mean place as a large figure and as a marker under the places.
export function draw(box, results, { labels, fmt }) {
  const size = results.options.length;
  const list = el("div", "scales-results ranking-results");
  list.style.setProperty("--rows", String(size));
  const legend = el("div", "scale-row scale-legend");
  legend.append(el("span"), el("span", "scale-ends", labels.places), el("span", "scale-ends", labels.meanPlace));
  list.append(legend);
  results.options.forEach((option, position) => {
    const row = el("div", "scale-row");
    const track = el("div", "scale-track");
    track.style.gridTemplateColumns = `repeat(${size}, 1fr)`;
    const top = Math.max(1, ...option.ranks);
    option.ranks.forEach((count, offset) => {
      const cell = el("span", "cell");
      const bar = el("span", "bar-part");
      bar.style.height = `${(100 * count) / top}%`;
      cell.append(el("span", "count", fmt.integer(count)), bar, el("span", "value", `${fmt.integer(offset + 1)}.`));
      track.append(cell);
    });
    if (option.mean_rank !== null) {
      const mark = el("span", "mean-mark");
      mark.style.left = `${(100 * (option.mean_rank - 0.5)) / size}%`;
      track.append(mark);
    }
    const graph = el("div", "scale-graph");
    graph.append(track);
    const figure = el("div", "scale-figure");
    figure.append(el("span", "mean", place(option, fmt)));
    row.append(el("span", "label", `${position + 1}. ${option.text}`), graph, figure);
    list.append(row);
  });
  box.append(list);
}

export function hidden() {
  return [];
}

export function table(results, labels, fmt) {
  const places = results.options.map((_, offset) => `${fmt.integer(offset + 1)}.`);
  return {
    headers: [labels.option, labels.meanPlace, ...places],
    rows: results.options.map((o) => [o.text, place(o, fmt), ...o.ranks.map(fmt.integer)]),
  };
}

export function summary(results, labels, fmt) {
  return results.options.map((o, position) => `${position + 1}. ${o.text} (${labels.meanPlace} ${place(o, fmt)})`);
}
