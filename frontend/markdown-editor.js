// The admin's Markdown editor (templates/admin/editor/markdown.html, articles/admin_editor.py):
// the page's text box becomes a CodeMirror editor in Markdown mode, with line numbers, soft
// wrap and a marker on each line an error or warning names. The script also
//   - refreshes the preview a moment after the last keystroke, keeping the preview where it was
//     and in step with the part of the text the cursor is in;
//   - takes the writer to a line when they click "line N" beside an error;
//   - keeps the cursor and the view across a save or an upload (the page comes back with the
//     text as typed when nothing was saved), shows that kept text in the preview, and sends
//     the cursor's line with an upload so the image lands there;
//   - warns before the page is left with text that is not saved.
// Without it the page is a plain form: a text box, a Preview button, Save.
//
// The server's contract: the form #markdown-editor holds the text box #id_markdown (kept in
// step with the editor, so the form posts what is typed), #id_line (the cursor's line, sent
// with an upload), data-kept="1" when the text shown is not what is saved, and
// data-inserted-line when an upload has just put an image on that line. Errors are listed as
// <a class="editor-line" data-line="N"> in #editor-errors; the preview frame shows either the
// page (its warnings in #preview-warnings as "line N: what") or #preview-errors, each <li
// data-line="N">.

import { EditorSelection, EditorState } from "@codemirror/state";
import {
  EditorView,
  drawSelection,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { ensureSyntaxTree, syntaxHighlighting } from "@codemirror/language";
import { markdown } from "@codemirror/lang-markdown";
import { yamlFrontmatter } from "@codemirror/lang-yaml";
import { lintGutter, setDiagnostics } from "@codemirror/lint";
import { classHighlighter } from "@lezer/highlight";
import { colourScheme, pageNonce, typeOverSelection } from "./codemirror-page.js";

const PREVIEW_DELAY_MS = 600;
const LINE_RE = /line (\d+): ([\s\S]*)$/;
// Where the cursor and the view are kept while a save or an upload reloads the page.
const PLACE_KEY = `markdown-editor:${window.location.pathname}`;
const PLACE_MAX_AGE_MS = 5 * 60 * 1000;

const form = document.getElementById("markdown-editor");
const textBox = document.getElementById("id_markdown");
if (form && textBox) start();

function start() {
  const previewButton = document.getElementById("preview-button");
  const frame = document.getElementById("preview-frame");
  const status = document.getElementById("preview-status");
  const lineInput = document.getElementById("id_line");
  const label = document.querySelector("label[for=id_markdown]");
  const kept = form.dataset.kept === "1";

  // --- The editor --------------------------------------------------------------------------

  const [scheme, followScheme] = colourScheme();
  let refreshTimer = null;
  let followTimer = null;
  // Whether the writer has put the cursor somewhere (an upload lands there; otherwise at the end).
  let placed = false;
  const view = new EditorView({
    state: EditorState.create({
      doc: textBox.value,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightSpecialChars(),
        history(),
        drawSelection(),
        highlightActiveLine(),
        // The front matter as YAML (not a paragraph the closing --- would make a heading of),
        // the rest as Markdown.
        yamlFrontmatter({ content: markdown() }),
        // Token classes (tok-heading, ...), coloured in editor.css.
        syntaxHighlighting(classHighlighter),
        EditorView.lineWrapping,
        lintGutter(),
        // Tab is left to the browser: it moves the focus on, as in the text box it replaces.
        keymap.of([...defaultKeymap, ...historyKeymap]),
        EditorView.contentAttributes.of({
          "aria-labelledby": label ? (label.id ||= "id_markdown_label") : "",
          "aria-multiline": "true",
          // Focusable as any text box (contenteditable is, but checkers of the scrolling box
          // around it look for a tabindex).
          tabindex: "0",
        }),
        EditorView.cspNonce.of(pageNonce()),
        typeOverSelection,
        scheme,
        EditorView.updateListener.of((update) => {
          if (update.focusChanged && update.view.hasFocus) placed = true;
          if (update.docChanged) {
            textBox.value = update.state.doc.toString();
            clearTimeout(refreshTimer);
            refreshTimer = setTimeout(refreshPreview, PREVIEW_DELAY_MS);
          } else if (update.selectionSet) {
            clearTimeout(followTimer);
            followTimer = setTimeout(followCursor, 250);
          }
        }),
      ],
    }),
  });
  followScheme(view);
  textBox.hidden = true;
  textBox.after(view.dom);
  if (label) label.addEventListener("click", () => view.focus());
  // The text as the page came with it: the saved one, or (kept) the one posted.
  const shown = view.state.doc;

  // --- Errors and warnings, marked on their lines --------------------------------------------

  function mark(notes) {
    const diagnostics = [];
    for (const { line, message, severity } of notes) {
      if (!(line >= 1 && line <= view.state.doc.lines)) continue;
      const { from, to } = view.state.doc.line(line);
      diagnostics.push({ from, to, severity, message });
    }
    view.dispatch(setDiagnostics(view.state, diagnostics));
  }

  // "line N: what" (or a link to line N followed by ": what") as {line, message, severity}.
  function note(element, severity) {
    const line = Number(element.dataset.line || element.querySelector("[data-line]")?.dataset.line);
    const match = LINE_RE.exec(element.textContent.trim());
    if (match) return { line: Number(match[1]), message: match[2], severity };
    return line ? { line, message: element.textContent.trim(), severity } : null;
  }

  function notesIn(root) {
    const errors = [...root.querySelectorAll("#editor-errors li, #preview-errors li")].map((li) => note(li, "error"));
    const warnings = [...root.querySelectorAll(".messagelist li.warning, #preview-warnings li")].map((li) =>
      note(li, "warning"),
    );
    return [...errors, ...warnings].filter(Boolean);
  }

  function goToLine(number) {
    const line = view.state.doc.line(Math.min(Math.max(number, 1), view.state.doc.lines));
    view.dispatch({
      selection: EditorSelection.range(line.from, line.to),
      effects: EditorView.scrollIntoView(line.from, { y: "center" }),
    });
    view.focus();
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest ? event.target.closest("a.editor-line") : null;
    if (!link) return;
    event.preventDefault();
    goToLine(Number(link.dataset.line));
  });

  // --- The preview ---------------------------------------------------------------------------

  const previewWindow = () => {
    try {
      return frame && frame.contentDocument ? frame.contentWindow : null;
    } catch {
      return null; // not (yet) a page of ours
    }
  };
  let previewScroll = 0;
  // Whether the frame shows a loaded preview (not one still loading, scrolled to its top).
  let previewShown = false;

  function refreshPreview() {
    refreshTimer = null;
    if (!previewButton || !form.requestSubmit) return;
    const win = previewWindow();
    if (win && previewShown) previewScroll = win.scrollY;
    previewShown = false;
    status.textContent = "Updating preview…";
    // The preview needs the text only: a chosen image is sent when it is uploaded.
    const file = document.getElementById("id_image");
    if (file) file.disabled = true;
    form.requestSubmit(previewButton);
    if (file) file.disabled = false;
  }

  // The heading the cursor is under (its text and how many headings with the same text come
  // before it) and how far the cursor is through its section, from 0 to 1.
  function cursorSection() {
    const state = view.state;
    const head = state.selection.main.head;
    const tree = ensureSyntaxTree(state, state.doc.length, 200);
    const headings = [];
    if (tree) {
      tree.iterate({
        enter(node) {
          if (/^ATXHeading\d$/.test(node.name)) headings.push(node.from);
          // Down through the blocks that hold blocks (the front matter's, lists, quotes), not
          // into the text of a heading, a paragraph or code.
          return !/^(ATXHeading|SetextHeading|Paragraph|FencedCode|CodeBlock|Table|HTMLBlock)/.test(node.name);
        },
      });
    }
    let index = -1;
    while (index + 1 < headings.length && headings[index + 1] <= head) index++;
    const start = index >= 0 ? headings[index] : 0;
    const end = index + 1 < headings.length ? headings[index + 1] : state.doc.length;
    const fraction = end > start ? (head - start) / (end - start) : 0;
    if (index < 0) return { text: null, nth: 0, fraction };
    const text = words(state.doc.lineAt(start).text.replace(/^#+|#+\s*$/g, ""));
    let nth = 0;
    for (let n = 0; n < index; n++) if (words(state.doc.lineAt(headings[n]).text.replace(/^#+|#+\s*$/g, "")) === text) nth++;
    return { text, nth, fraction };
  }

  // Letters and digits only, lower case: a heading's Markdown and its rendered text compare
  // equal (no `code` marks, no anchor symbols).
  function words(text) {
    return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");
  }

  // Scroll the preview to the part the cursor is in, unless that part is already in view.
  function followCursor() {
    const win = previewWindow();
    if (!win || !win.document.body) return;
    const doc = win.document;
    const { text, nth, fraction } = cursorSection();
    const headings = [...doc.querySelectorAll("main h1, main h2, main h3, main h4, main h5, main h6")];
    let index = 0;
    if (text !== null) {
      const matching = headings.filter((h) => words(h.textContent) === text);
      const heading = matching[Math.min(nth, matching.length - 1)];
      if (!heading) return; // not shown (a visitor's preview stops at the paywall)
      index = headings.indexOf(heading);
    }
    if (!headings[index]) return;
    // The part runs from its heading to the next one, or to the end of the <section> holding
    // it (a guide's section), or of the page's <main>.
    const heading = headings[index];
    const container = heading.closest("section") || doc.querySelector("main");
    const next = headings[index + 1] && container.contains(headings[index + 1]) ? headings[index + 1] : null;
    const top = heading.getBoundingClientRect().top + win.scrollY;
    const bottom = (next ? next.getBoundingClientRect().top : container.getBoundingClientRect().bottom) + win.scrollY;
    const target = top + fraction * (bottom - top);
    if (target >= win.scrollY + 16 && target <= win.scrollY + win.innerHeight - 32) return;
    win.scrollTo(0, Math.max(0, target - win.innerHeight / 3));
  }

  // The errors the page came with (a refused save's) hold while the text is the one posted:
  // some are found only on saving (a problem's solution is run then, not in the preview).
  const pageNotes = notesIn(document);

  function previewLoaded() {
    if (status) status.textContent = "";
    const win = previewWindow();
    if (!win || win.location.href === "about:blank") return;
    const notes = notesIn(win.document);
    if (view.state.doc.eq(shown)) {
      const seen = new Set(notes.map((n) => `${n.line}:${n.message}`));
      notes.push(...pageNotes.filter((n) => !seen.has(`${n.line}:${n.message}`)));
    }
    mark(notes);
    win.scrollTo(0, previewScroll);
    previewShown = true;
    followCursor();
  }

  if (frame) frame.addEventListener("load", previewLoaded);
  // Enter in the alt text uploads the image (the form's first button, Preview, would take it).
  const alt = document.getElementById("id_alt");
  const upload = form.querySelector("button[name=upload]");
  if (alt && upload) {
    alt.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      form.requestSubmit(upload);
    });
  }
  const select = document.getElementById("id_as");
  if (select) select.addEventListener("change", refreshPreview);

  // --- Keeping the writer's place across a save or an upload --------------------------------

  let leaving = false;
  form.addEventListener("submit", (event) => {
    textBox.value = view.state.doc.toString();
    if (event.submitter === previewButton) return;
    const { head } = view.state.selection.main;
    const line = view.state.doc.lineAt(head);
    if (lineInput && placed) lineInput.value = String(line.number);
    const win = previewWindow();
    // The cursor by its line and that line's text: a save may write the text back otherwise
    // (paragraphs joined, blank lines dropped), so it is found again by its words.
    const place = {
      line: line.number,
      text: line.text,
      column: head - line.from,
      placed,
      preview: win && previewShown ? win.scrollY : 0,
      at: Date.now(),
    };
    try {
      sessionStorage.setItem(PLACE_KEY, JSON.stringify(place));
    } catch {
      // Storage refused (private mode, full): the page reloads at the top, nothing is lost.
    }
    leaving = true;
  });

  function keptPlace() {
    let place = null;
    try {
      place = JSON.parse(sessionStorage.getItem(PLACE_KEY) || "null");
      sessionStorage.removeItem(PLACE_KEY);
    } catch {
      return null;
    }
    return place && Date.now() - place.at < PLACE_MAX_AGE_MS ? place : null;
  }

  // The line holding the kept line's text (its own number first, then the nearest), or null.
  function findLine(place) {
    const doc = view.state.doc;
    if (!place.text.trim()) return place.line <= doc.lines ? doc.line(place.line) : null;
    for (let step = 0; step < doc.lines; step++) {
      for (const number of [place.line - step, place.line + step]) {
        if (number >= 1 && number <= doc.lines && doc.line(number).text.trim() === place.text.trim()) {
          return doc.line(number);
        }
      }
    }
    return null;
  }

  function putCursor(position) {
    view.dispatch({
      selection: EditorSelection.cursor(position),
      effects: EditorView.scrollIntoView(position, { y: "center" }),
    });
    view.focus();
    placed = true;
  }

  const place = keptPlace();
  const inserted = Number(form.dataset.insertedLine);
  if (inserted >= 1 && inserted <= view.state.doc.lines) {
    putCursor(view.state.doc.line(inserted).to);
  } else if (place && place.placed) {
    const line = findLine(place);
    if (line) putCursor(line.from + Math.min(place.column, line.length));
  }
  if (place) previewScroll = place.preview || 0;
  mark(pageNotes);
  // The page came back with text that is not saved: preview that text, not the stored one.
  if (kept) refreshPreview();
  // Otherwise the stored one may have loaded before this script ran (it is a large one).
  else if (frame && frame.contentDocument && frame.contentDocument.readyState === "complete") previewLoaded();

  // --- Leaving with unsaved text -------------------------------------------------------------

  window.addEventListener("pageshow", () => {
    leaving = false;
  });
  window.addEventListener("beforeunload", (event) => {
    if (leaving || (!kept && view.state.doc.eq(shown))) return;
    event.preventDefault();
    event.returnValue = "";
  });
}
