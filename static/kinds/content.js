// Text only: no answers, no results; the title and body are the slide itself.
export const clearsAfterSend = false;

export function answer() {
  return {};
}

export function draw() {}

export function table() {
  return null;
}

export function summary(results) {
  return [`n = ${results.answered}`];
}
