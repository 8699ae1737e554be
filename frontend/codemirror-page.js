// What every CodeMirror editor on our pages needs from the page (the practice runner, the mock
// room's pad, the admin's Markdown editor): the nonce its styles carry, the reader's colour
// scheme, and typing over a selection without an inline style.

import { Compartment } from "@codemirror/state";
import { EditorView } from "@codemirror/view";

// CodeMirror puts its own styles in a <style> element: with a CSP nonce for styles (the page's
// policy allows one) it carries the page's nonce, read from this module's own <script nonce>
// (the attribute is hidden from the DOM, the property is not).
export function pageNonce() {
  const script = document.querySelector("script[nonce]");
  return script ? script.nonce : "";
}

// CodeMirror's own light or dark look (selection, cursor, active line) follows the reader's
// colour scheme, as site.css does: the extension, and a function to call with the view.
export function colourScheme() {
  const dark = window.matchMedia("(prefers-color-scheme: dark)");
  const scheme = new Compartment();
  const follow = (view) =>
    dark.addEventListener("change", (event) => {
      view.dispatch({ effects: scheme.reconfigure(EditorView.darkTheme.of(event.matches)) });
    });
  return [scheme.of(EditorView.darkTheme.of(dark.matches)), follow];
}

// Text typed over a selection is put in by CodeMirror rather than by the browser: Chrome, left
// to do it, wraps the new text in an element with a style attribute (the deleted text's
// colour), which the page's policy blocks and reports as a violation.
export const typeOverSelection = EditorView.domEventHandlers({
  beforeinput(event, view) {
    if (event.inputType !== "insertText" || event.isComposing || !event.data) return false;
    if (view.state.selection.ranges.every((range) => range.empty)) return false;
    event.preventDefault();
    view.dispatch(view.state.replaceSelection(event.data), { userEvent: "input.type", scrollIntoView: true });
    return true;
  },
});
