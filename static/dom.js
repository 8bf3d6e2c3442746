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
