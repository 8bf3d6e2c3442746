// Leaderboard: the top players on the screen, moving from where they stood after the question
// before to where they stand now; each phone its own place.
import { el } from "../dom.js";

// ---- on the phone -----------------------------------------------------------------------

export const answer = () => ({});
export const limit = () => 0;
export const afterAck = (mine) => mine;
export const personal = true;

// The same markup as templates/kinds/leaderboard.html.
export function render(slide, { mine, texts, t }) {
  const nodes = [el("h1", "", slide.title || texts.leaderboard)];
  if (mine && mine.rank) {
    const place = el("p", "leaderboard-place");
    place.append(el("span", "leaderboard-rank", t("board_place", { rank: mine.rank, of: mine.of })));
    place.append(el("span", "leaderboard-score", t("board_score", { score: mine.score, name: mine.name })));
    nodes.push(place);
  } else {
    nodes.push(el("p", "hint", texts.board_none));
  }
  return nodes;
}

// ---- on the presenter's screen -----------------------------------------------------------

// Where each player's row stood when the board was last drawn: a new draw moves rows from
// there (or, the first time, from their place before the last question) to their place now.
const drawnAt = new Map();
const reduced = () => window.matchMedia("(prefers-reduced-motion: reduce)").matches;

export function draw(box, results, { labels, fmt, slideId }) {
  if (!results.top.length) {
    box.append(el("p", "hint", labels.noPlayers));
    return;
  }
  const list = el("ol", "leaderboard");
  list.style.setProperty("--rows", String(Math.max(5, results.top.length)));
  const rows = results.top.map((player, index) => {
    const row = el("li", "leaderboard-row");
    row.dataset.player = player.id;
    row.append(
      el("span", "leaderboard-rank", `${fmt.integer(player.rank)}.`),
      el("span", "leaderboard-name", player.name),
      el("span", "leaderboard-score", fmt.integer(player.score)),
    );
    if (player.before !== null && player.before !== player.rank) {
      const arrow = el("span", player.before > player.rank ? "up" : "down", player.before > player.rank ? "▲" : "▼");
      arrow.setAttribute("aria-hidden", "true");
      row.querySelector(".leaderboard-rank").append(arrow);
    }
    list.append(row);
    return [row, player, index];
  });
  box.append(el("p", "leaderboard-count", labels.players.replace("%(count)s", fmt.integer(results.players))), list);
  const key = (id) => `${slideId}:${id}`;
  const moves = rows.map(([row, player, index]) => {
    const was = drawnAt.has(key(player.id)) ? drawnAt.get(key(player.id))
      : player.before !== null ? Math.min(player.before - 1, results.top.length) : results.top.length;
    drawnAt.set(key(player.id), index);
    return [row, was - index];
  });
  if (reduced() || moves.every(([, by]) => by === 0)) return;
  const height = rows[0][0].getBoundingClientRect().height;
  for (const [row, by] of moves) {
    row.style.transform = `translateY(${by * height}px)`;
    if (by) row.style.zIndex = "1";
  }
  void list.offsetHeight; // from where they were, without a transition
  for (const [row] of moves) {
    row.style.transition = "transform 1.2s ease-in-out";
    row.style.transform = "";
  }
}

export function hidden() {
  return [];
}

export function table(results, labels, fmt) {
  return {
    headers: ["#", labels.leaderboard, labels.points],
    rows: results.top.map((p) => [fmt.integer(p.rank), p.name, fmt.integer(p.score)]),
  };
}

export function summary(results, labels, fmt) {
  return results.top.map((p) => `${p.rank}. ${p.name}: ${fmt.integer(p.score)}`);
}
