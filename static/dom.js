// Small helpers shared by the pages and the slide kinds' modules.
// Participant text is only ever set with textContent, never parsed as HTML.
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = String(text);
  return node;
}
