// Small helpers shared by the pages and the slide kinds' modules.
// Participant text is only ever set with textContent, never parsed as HTML.
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = String(text);
  return node;
}

// How the phone and the screen draw each reaction the protocol knows.
export const REACTION_EMOJI = { heart: "❤️", thumbs_up: "👍", clap: "👏", laugh: "😂", question: "❓" };

// What is left of a countdown, m:ss, from milliseconds (a started second counts whole).
export function minutesSeconds(milliseconds) {
  const seconds = Math.ceil(milliseconds / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

// Bars as the screen draws them: a row per item, each bar as long as its value's share of the
// largest, the figure beside it (rows: [{label, value, figure, className}]).
export function bars(rows) {
  const top = Math.max(1, ...rows.map((r) => r.value));
  const box = el("div", "bars");
  box.style.setProperty("--options", String(rows.length));
  for (const { label, value, figure, className } of rows) {
    const row = el("div", className ? `bar-row ${className}` : "bar-row");
    const track = el("div", "bar-track");
    const bar = el("div", "bar");
    bar.style.width = `${(100 * value) / top}%`;
    track.append(bar);
    row.append(el("span", "label", label), track, el("span", "figure", figure));
    box.append(row);
  }
  return box;
}
