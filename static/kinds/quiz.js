// Quiz: the phone picks one option (and once, a name for the leaderboard); the screen shows how
// many answered, then, once the presenter reveals it, the right answer and who chose what.
import { bars, el } from "../dom.js";

// ---- on the phone -----------------------------------------------------------------------

const NAME = `polls-player-${window.location.pathname.split("/")[1] || ""}`;
function storedName() {
  try {
    return localStorage.getItem(NAME);
  } catch (error) {
    return null;
  }
}

export function answer(data) {
  const value = { choice: Number(data.get("choice")) };
  if (data.has("name")) {
    const name = String(data.get("name")).trim();
    try {
      localStorage.setItem(NAME, name);
    } catch (error) {
      // Private mode: asked again next time.
    }
    if (name) value.name = name;
  }
  if (data.get("choice") === null) value.choice = null;
  return value;
}

export const limit = () => 1;

export const afterAck = (mine, value) => ({ choice: value.choice, used: 1 });

// What the phone learns once the presenter reveals the answer.
function outcome(slide, mine, t, texts) {
  const box = el("p", "quiz-outcome");
  box.setAttribute("role", "status");
  if (!mine || mine.correct === undefined) {
    box.textContent = texts.quiz_not_answered;
  } else if (mine.correct) {
    box.classList.add("right");
    box.textContent = t("quiz_right", { points: mine.score });
  } else {
    box.classList.add("wrong");
    box.textContent = t("quiz_wrong", { answer: slide.correct.join(" · ") });
  }
  return box;
}

// The same markup as templates/kinds/quiz.html: an option per line, a name for the
// leaderboard the first time, and the outcome once revealed.
export function render(slide, { voting, mine, texts, t, revealed }) {
  const nodes = [];
  if (revealed) nodes.push(outcome(slide, mine, t, texts));
  const chosen = mine ? mine.choice : null;
  const box = el("fieldset", "choices quiz-options");
  box.append(el("legend", "", texts.choose_one));
  slide.options.forEach((option, index) => {
    const label = el("label", "choice");
    if (revealed && slide.correct.includes(option)) label.classList.add("right");
    const input = el("input");
    Object.assign(input, {
      type: "radio", name: "choice", value: String(index), checked: chosen === index,
      disabled: !voting || chosen !== null,
    });
    label.append(input, " ", el("span", "", option));
    if (revealed && slide.correct.includes(option)) label.append(el("span", "quiz-mark", ` ✓ ${texts.quiz_right_answer}`));
    box.append(label);
  });
  nodes.push(box);
  if (chosen === null && voting) {
    const name = storedName();
    if (name === null) {
      const label = el("label", "", texts.quiz_name);
      label.htmlFor = "quiz-name";
      const input = el("input");
      Object.assign(input, { type: "text", id: "quiz-name", name: "name", maxLength: 24, autocomplete: "nickname" });
      input.setAttribute("aria-describedby", "quiz-name-hint");
      const hint = el("p", "hint", t("quiz_name_hint", { name: document.getElementById("participant").dataset.player }));
      hint.id = "quiz-name-hint";
      nodes.push(label, input, hint);
    } else {
      nodes.push(el("p", "hint", t("quiz_playing_as", { name: name || document.getElementById("participant").dataset.player })));
    }
  }
  return nodes;
}

// ---- on the presenter's screen -----------------------------------------------------------

// Before the reveal: the options and how many have answered (nothing that gives the answer
// away); after it: bars, the right options marked.
export function draw(box, results, { labels, fmt, revealed }) {
  const shown = bars(results.options.map((o) => ({
    label: revealed && o.correct ? `✓ ${o.text}` : o.text,
    value: revealed ? o.count : 0,
    figure: revealed ? fmt.integer(o.count) : "",
    className: revealed && o.correct ? "right" : "",
  })));
  shown.classList.add("quiz-bars");
  shown.style.setProperty("--options", String(results.options.length + 1));
  const total = el("p", "quiz-count", labels.answers.replace("%(count)s", fmt.integer(results.answered)));
  box.append(total, shown);
}

export function hidden() {
  return [];
}

export function table(results, labels, fmt) {
  return {
    headers: [labels.option, labels.count],
    rows: results.options.map((o) => [o.text, fmt.integer(o.count)]),
  };
}

export function summary(results, labels, fmt) {
  return results.options.map((o) => `${o.text}: ${fmt.integer(o.count)}`);
}
