// The practice problem page: an editor for the reader's Python, a Run button that runs it
// against the problem's tests in a Web Worker (runner-worker.js, Pyodide), the results, the
// solve recorded when every test passes; and the hint and solution forms sent without leaving
// the page. Without this script the page still shows the problem, its hints and its solution
// (plain forms), and says that running code needs JavaScript.
//
// Mounted on <section id="runner"> with these data attributes (the server's contract):
//   data-session      GET: {code, starter, time_limit_seconds, cases: [{source, hidden}],
//                     signed_in, solved, due, and the help asked for since the last solve:
//                     hints: [html], hints_total, solution: html or null}, or 403 {error}
//                     when the reader may not run it
//   data-code         POST code=...: keep the reader's last code (signed-in readers)
//   data-solves       POST code=...: record a solve -> {solved, due, message}
//   data-worker       the worker script's URL
//   data-pyodide      the folder the build copies Pyodide into (static/build/pyodide/)
//   data-time-limit   seconds a run may take before the page stops it

import { EditorState } from "@codemirror/state";
import {
  EditorView,
  drawSelection,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { bracketMatching, indentOnInput, indentUnit, syntaxHighlighting } from "@codemirror/language";
import { python } from "@codemirror/lang-python";
import { classHighlighter } from "@lezer/highlight";
import { colourScheme, pageNonce, typeOverSelection } from "./codemirror-page.js";

const STATUS_WORDS = { passed: "Passed", failed: "Failed", error: "Error", timeout: "Timed out" };

// --- Requests ------------------------------------------------------------------------------

function csrfToken() {
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

function jsonHeaders() {
  return { Accept: "application/json", "X-CSRFToken": csrfToken() };
}

// A form-encoded POST (URLSearchParams sets the content type), the way the server's forms post.
function post(url, body) {
  return fetch(url, {
    method: "POST",
    headers: jsonHeaders(),
    body: new URLSearchParams(body),
    credentials: "same-origin",
  });
}

// --- DOM helpers ---------------------------------------------------------------------------

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "className") node.className = value;
    else if (name === "hidden") node.hidden = Boolean(value);
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

function seconds(n) {
  return n === 1 ? "1 second" : `${n} seconds`;
}

// Load the worker once the page itself is usable: Pyodide is megabytes and seconds of work.
function whenPageIsIdle(callback) {
  const idle = () =>
    "requestIdleCallback" in window ? requestIdleCallback(callback, { timeout: 2000 }) : setTimeout(callback, 0);
  if (document.readyState === "complete") idle();
  else window.addEventListener("load", idle, { once: true });
}

// --- The editor ----------------------------------------------------------------------------

function createEditor(parent, doc, describedBy) {
  const [scheme, followScheme] = colourScheme();
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightSpecialChars(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        highlightActiveLine(),
        python(),
        indentUnit.of("    "),
        // Token classes (tok-keyword, ...), coloured in site.css for light and dark.
        syntaxHighlighting(classHighlighter),
        // Tab indents, as a Python editor should; it does not trap keyboard users: CodeMirror's
        // own escape hatch applies (Escape, then Tab within two seconds, moves focus on; Ctrl-M,
        // or Shift-Alt-M on a Mac, makes Tab move focus until pressed again), and the hint under
        // the editor says so.
        keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
        EditorView.contentAttributes.of({ "aria-label": "Your code", "aria-describedby": describedBy }),
        EditorView.cspNonce.of(pageNonce()),
        typeOverSelection,
        scheme,
      ],
    }),
  });
  followScheme(view);
  return view;
}

function setCode(view, code) {
  // One ordinary change, so Undo brings back what was replaced.
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: code } });
}

// --- The runner ----------------------------------------------------------------------------

class Runner {
  constructor(root, session) {
    this.root = root;
    this.session = session;
    this.cases = session.cases || [];
    const limit = Number(session.time_limit_seconds) || Number(root.dataset.timeLimit);
    this.timeLimit = limit > 0 ? limit : 10;
    this.worker = null;
    this.ready = false;
    this.run = null; // the run in progress: {id, statuses, timer}
    this.runs = 0;
    this.build();
  }

  build() {
    const hintId = "runner-keys";
    this.editorBox = element("div", { className: "runner-editor" });
    this.runButton = element("button", { type: "button", className: "button", "aria-disabled": "true" }, "Loading Python…");
    this.resetButton = element("button", { type: "button", className: "button button-quiet" }, "Reset to starter");
    this.status = element("p", { className: "runner-status", role: "status" });
    this.results = element("ol", { className: "run-results", "aria-live": "polite" });
    this.output = element("pre", { className: "runner-output-text" });
    this.outputBox = element(
      "div",
      { className: "runner-output", hidden: true },
      element("p", { className: "runner-output-label" }, "What your code printed"),
      this.output,
    );
    const box = element(
      "div",
      { className: "runner-body" },
      this.editorBox,
      element(
        "p",
        { className: "runner-keys help", id: hintId },
        "Tab indents. To leave the editor from the keyboard, press Esc, then Tab.",
      ),
      element("div", { className: "button-group" }, this.runButton, this.resetButton),
      this.status,
      this.results,
      this.outputBox,
    );
    const placeholder = this.root.querySelector(".runner-needs-js");
    if (placeholder) placeholder.replaceWith(box);
    else this.root.append(box);
    this.view = createEditor(this.editorBox, this.session.code ?? this.session.starter ?? "", hintId);
    if (this.session.solved) this.status.textContent = solvedNote(this.session.due);
    this.runButton.addEventListener("click", () => this.start());
    this.resetButton.addEventListener("click", () => {
      setCode(this.view, this.session.starter ?? "");
      this.view.focus();
    });
  }

  // --- The worker's life: started when the page is idle, replaced when stopped -------------

  startWorker() {
    this.ready = false;
    // Not off: a press while Python loads is kept, and runs as soon as it is ready (start()).
    this.setButton("Loading Python…", false);
    const url = new URL(this.root.dataset.worker, document.baseURI);
    url.searchParams.set("pyodide", new URL(this.root.dataset.pyodide, document.baseURI).href);
    const worker = new Worker(url, { type: "module" });
    worker.addEventListener("message", (event) => {
      if (worker === this.worker) this.receive(event.data);
    });
    worker.addEventListener("error", (event) => {
      event.preventDefault();
      if (worker === this.worker) this.broken("Python could not start in this browser.");
    });
    this.worker = worker;
  }

  stopWorker() {
    if (this.worker) this.worker.terminate();
    this.worker = null;
    this.ready = false;
  }

  // aria-disabled rather than disabled: a disabled button loses the keyboard focus, and Run
  // is off while a run is going, often with focus on it. While Python loads (or restarts after
  // the time limit) Run stays on and a press waits for Python (start()).
  setButton(text, disabled) {
    this.runButton.textContent = text;
    this.runButton.setAttribute("aria-disabled", String(disabled));
  }

  // --- A run -----------------------------------------------------------------------------

  start() {
    if (this.run) return;
    if (!this.ready) {
      // Pressed while Python loads: the run starts as soon as it is ready (and the worker now,
      // if the page had not got round to it yet). Not when Python could not start at all.
      if (this.unavailable) return;
      this.pending = true;
      if (!this.worker) this.startWorker();
      this.status.textContent = "Python is still loading: your code runs as soon as it is ready.";
      return;
    }
    const code = this.view.state.doc.toString();
    if (this.session.signed_in && this.root.dataset.code) {
      // Kept for next time; a failure here must not get in the way of running.
      post(this.root.dataset.code, { code }).catch(() => {});
    }
    this.runs += 1;
    this.run = {
      id: this.runs,
      code,
      statuses: [],
      timer: setTimeout(() => this.timedOut(), this.timeLimit * 1000),
    };
    this.results.replaceChildren();
    this.outputBox.hidden = true;
    this.status.textContent = "Running your code…";
    this.setButton("Running…", true);
    this.worker.postMessage({
      type: "run",
      id: this.run.id,
      code,
      cases: this.cases.map(({ source, hidden }) => ({ source, hidden: Boolean(hidden) })),
    });
  }

  receive(message) {
    const run = this.run;
    switch (message.type) {
      case "ready":
        this.ready = true;
        this.setButton("Run", false);
        if (this.pending) {
          this.pending = false;
          this.start();
        }
        break;
      case "case":
        if (run && message.id === run.id) this.show(message.index, message.status, message.message);
        break;
      case "done":
        if (run && message.id === run.id) this.finish(message.output);
        break;
      case "error":
        // The reader's code itself did not run: every case is an error, with its message.
        if (run && message.id === run.id) {
          this.cases.forEach((_, index) => this.show(index, "error", message.message));
          this.finish(message.output);
        }
        break;
      case "failed":
        this.broken(message.message);
        break;
    }
  }

  // One result; results arrive in case order.
  show(index, status, message) {
    const testCase = this.cases[index];
    this.run.statuses[index] = status;
    const item = element(
      "li",
      { className: `run-case run-${status}` },
      element("strong", { className: "run-status" }, STATUS_WORDS[status]),
      " ",
    );
    if (testCase.hidden) {
      // Never the source or the value: only which hidden test it was.
      const number = this.cases.slice(0, index + 1).filter((c) => c.hidden).length;
      item.append(`Hidden test ${number}`);
    } else {
      item.append(element("code", { className: "run-source" }, testCase.source));
      if (message) item.append(" ", element("span", { className: "run-message" }, message));
    }
    this.results.append(item);
  }

  timedOut() {
    const run = this.run;
    if (!run) return;
    this.stopWorker();
    this.cases.forEach((_, index) => {
      if (!run.statuses[index]) this.show(index, "timeout", "");
    });
    this.run = null;
    this.status.textContent = `Stopped after ${seconds(this.timeLimit)}: the time limit.`;
    this.startWorker();
  }

  // Python broke down during a run: whatever had not finished is an error, and a new worker
  // is started. If it never started, it would not start the next time either.
  broken(reason) {
    const run = this.run;
    const started = this.ready;
    this.stopWorker();
    this.status.textContent = reason;
    if (run) {
      clearTimeout(run.timer);
      this.cases.forEach((_, index) => {
        if (!run.statuses[index]) this.show(index, "error", reason);
      });
      this.run = null;
    }
    if (started) this.startWorker();
    else {
      this.unavailable = true;
      this.pending = false;
      this.setButton("Run is unavailable", true);
    }
  }

  finish(output) {
    const run = this.run;
    clearTimeout(run.timer);
    this.run = null;
    this.setButton("Run", false);
    if (output) {
      this.output.textContent = output;
      this.outputBox.hidden = false;
    }
    const total = this.cases.length;
    const passed = run.statuses.filter((status) => status === "passed").length;
    if (passed < total || total === 0) {
      this.status.textContent = `${passed} of ${total} tests passed.`;
      return;
    }
    const allPassed = `All ${total} tests passed.`;
    if (!this.session.signed_in) {
      this.status.textContent = `${allPassed} Sign in to keep your solves.`;
      return;
    }
    this.status.textContent = allPassed;
    this.recordSolve(run.code, allPassed);
  }

  async recordSolve(code, allPassed) {
    try {
      const response = await post(this.root.dataset.solves, { code });
      const body = await response.json();
      if (!response.ok) throw new Error(body.error || response.statusText);
      this.session.solved = body.solved;
      this.session.due = body.due;
      this.status.textContent = `${allPassed} ${body.message}`;
    } catch {
      this.status.textContent = `${allPassed} The solve could not be saved: run it again to retry.`;
    }
  }
}

// What a reader who solved the problem before (on any device) is told when the page opens.
function solvedNote(due) {
  if (!due) return "You have solved this problem.";
  const day = new Date(`${due}T00:00:00`).toLocaleDateString(document.documentElement.lang || "en", {
    weekday: "long",
    day: "numeric",
    month: "long",
  });
  return `You have solved this problem. It comes back to be re-solved on ${day}.`;
}

async function mountRunner(root) {
  const say = (text) => {
    const note = element("p", { className: "runner-message notice" }, text);
    const placeholder = root.querySelector(".runner-needs-js");
    if (placeholder) placeholder.replaceWith(note);
    else root.append(note);
  };
  let response;
  let session;
  try {
    response = await fetch(root.dataset.session, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    session = await response.json();
  } catch {
    say("The code runner could not load. Check your connection, then reload the page.");
    return;
  }
  if (!response.ok) {
    // 403 {error}: this reader may not run this problem; the server says why.
    say(session.error || "The code runner could not load. Reload the page to try again.");
    return;
  }
  const runner = new Runner(root, session);
  showHelpAskedFor(session);
  whenPageIsIdle(() => {
    if (!runner.worker) runner.startWorker();
  });
}

// The page is the same for every reader (the server caches it): the hints and the solution
// this reader already asked for come with the session, and are shown as if just asked for.
function showHelpAskedFor(session) {
  const hints = document.getElementById("hints-shown");
  if (hints && Array.isArray(session.hints) && session.hints.length) {
    hints.replaceChildren();
    session.hints.forEach((html) => hints.insertAdjacentHTML("beforeend", html));
    if (session.hints.length >= session.hints_total) hideForm("form.hint-form");
  }
  const solution = document.getElementById("solution-shown");
  if (solution && session.solution) {
    solution.innerHTML = session.solution;
    hideForm("form.solution-form");
  }
}

function hideForm(selector) {
  const form = document.querySelector(selector);
  if (form) form.hidden = true;
}

// --- Hints and the solution: the server's forms, sent without leaving the page ------------

function enhanceHelpForms() {
  document.querySelectorAll("form.hint-form, form.solution-form").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (form.dataset.sending) return; // one request at a time (a double click)
      form.dataset.sending = "1";
      const body = new FormData(form, event.submitter || undefined);
      let answer;
      try {
        const response = await post(form.action, body);
        if (!response.ok) throw new Error(response.statusText);
        answer = await response.json();
      } catch {
        // Leave it to the plain form: the server answers it with a page.
        form.submit();
        return;
      } finally {
        delete form.dataset.sending;
      }
      // The HTML is rendered by our own server's templates, escaped there.
      const hint = form.classList.contains("hint-form");
      const target = document.getElementById(hint ? "hints-shown" : "solution-shown");
      if (hint) target.insertAdjacentHTML("beforeend", answer.html);
      else target.innerHTML = answer.html;
      if (!hint || answer.number >= answer.total) {
        form.hidden = true;
        // The button that had focus is gone: focus what it brought.
        const shown = target.lastElementChild || target;
        shown.tabIndex = -1;
        shown.focus();
      }
    });
  });
}

const root = document.getElementById("runner");
if (root) mountRunner(root);
enhanceHelpForms();
