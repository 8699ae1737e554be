// The practice runner's Web Worker: Python (Pyodide) off the page's main thread, so the page
// stays responsive while the reader's code runs and can stop it by terminating this worker.
//
// Started by practice.js as a module worker, with the URL of the folder the build copied the
// Pyodide files into in its query (?pyodide=<url ending in "/">). The Pyodide files sit in a
// subfolder named after the Pyodide version (scripts/build-frontend.mjs), so a new version is
// at a new URL and a browser never pairs this script with an older cached runtime.
//
// Protocol (practice.js owns the time limit and the rendering):
//   page -> worker  {type: "run", id, code, cases: [{source, hidden}]}
//   worker -> page  {type: "ready", version, bootMs} once Python has started (at worker start)
//                   {type: "case", id, index, status: "passed"|"failed"|"error", message}
//                     for each case in order, then
//                   {type: "done", id, output}             (what the code printed)
//                or {type: "error", id, message, output}   the reader's code itself did not run
//                   (a syntax error, an exception at the top level): no case ran
//                   {type: "failed", message}              Python could not start or broke down;
//                                                          the page starts a new worker
// A hidden case's message carries no value from the reader's code (harness.py).

import { loadPyodide, version } from "pyodide";
import HARNESS from "./harness.py";

const started = performance.now();

// A policy that forbids what Pyodide needs (compiling WebAssembly) leaves loadPyodide waiting
// for ever: say so, and the page gives up (see alphacode/worker_policy.py for the policy).
self.addEventListener("securitypolicyviolation", (event) => {
  self.postMessage({ type: "failed", message: `Python was blocked by the site's policy (${event.effectiveDirective}).` });
});
const base = new URL(self.location.href).searchParams.get("pyodide") || "pyodide/";
const indexURL = new URL(`${version}/`, new URL(base, self.location.href)).href;

const harness = loadPyodide({
  indexURL,
  // Python's own start-up chatter is not the reader's; during a run, print() goes to the
  // harness's buffer instead.
  stdout: () => {},
  stderr: () => {},
  // input() has no keyboard here: it raises EOFError.
  stdin: () => null,
}).then((pyodide) => {
  pyodide.FS.writeFile("/home/pyodide/_practice_harness.py", HARNESS);
  pyodide.runPython("import sys; sys.path.insert(0, '/home/pyodide')");
  return pyodide.pyimport("_practice_harness");
});

harness.then(
  () => self.postMessage({ type: "ready", version, bootMs: Math.round(performance.now() - started) }),
  (error) => self.postMessage({ type: "failed", message: `Python did not start: ${error}` }),
);

function run({ id, code, cases }, py) {
  const start = JSON.parse(py.start(code));
  if (start.error) {
    self.postMessage({ type: "error", id, message: start.error, output: py.finish() });
    return;
  }
  cases.forEach(({ source, hidden }, index) => {
    const { status, message } = JSON.parse(py.check(source, Boolean(hidden)));
    // Posted one by one: if the page's time limit stops a later case, these are kept.
    self.postMessage({ type: "case", id, index, status, message });
  });
  self.postMessage({ type: "done", id, output: py.finish() });
}

// Runs are synchronous, so the next message is handled only once this one is done.
self.addEventListener("message", async (event) => {
  const message = event.data;
  if (!message || message.type !== "run") return;
  let py;
  try {
    py = await harness;
  } catch {
    return; // "failed" was posted
  }
  try {
    run(message, py);
  } catch (error) {
    // The harness catches whatever the reader's code raises, so this is Python itself failing
    // (a fatal error in Pyodide, memory): this worker is done for.
    self.postMessage({ type: "failed", message: `Python stopped: ${error}` });
  }
});
