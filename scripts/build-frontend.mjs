// Builds the practice runner's, the mock room's and the Markdown editor's browser code into static/build/ (gitignored), where Django's
// staticfiles finds it: `node scripts/build-frontend.mjs` (make run and make test do it through
// static/build/.stamp; the Dockerfile in its node stage).
//
//   static/build/practice.js          the problem page's module (CodeMirror 6 and the runner UI)
//   static/build/mock-room.js         the mock room's shared pad (CodeMirror 6 and its collab)
//   static/build/markdown-editor.js   the admin's Markdown editor (CodeMirror 6, Markdown mode)
//   static/build/runner-worker.js     the Web Worker (Pyodide's loader and the Python harness)
//   static/build/pyodide/<version>/   the Pyodide runtime the worker loads by plain file names:
//                                     only what starting Python with its standard library takes
//
// The runtime's folder is named after the Pyodide version because its files keep their plain
// names (Pyodide asks for them by name): a new version gets a new URL, so no browser pairs a
// new worker with a runtime it cached for a year.

import { copyFile, mkdir, readFile, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "static", "build");
const pyodideDir = join(root, "node_modules", "pyodide");

// The worker imports pyodide.mjs (bundled into runner-worker.js); that loads the rest from the
// runtime folder: the interpreter's JavaScript, the WebAssembly, the standard library and the
// lock file (read at start-up, packages are never loaded).
const RUNTIME = ["pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"];

const { version } = JSON.parse(await readFile(join(pyodideDir, "package.json"), "utf8"));

await rm(out, { recursive: true, force: true });

await esbuild.build({
  absWorkingDir: root,
  entryPoints: {
    practice: "frontend/practice.js",
    "mock-room": "frontend/mock-room.js",
    "markdown-editor": "frontend/markdown-editor.js",
    "runner-worker": "frontend/runner-worker.js",
  },
  outdir: out,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2020",
  minify: true,
  sourcemap: "linked",
  legalComments: "linked",
  // The Python harness is bundled as a string.
  loader: { ".py": "text" },
  // pyodide.mjs imports these only when it runs under Node, never in a browser.
  external: ["node:*", "ws"],
  logLevel: "warning",
});

const runtime = join(out, "pyodide", version);
await mkdir(runtime, { recursive: true });
for (const name of RUNTIME) {
  await copyFile(join(pyodideDir, name), join(runtime, name));
}

const sizes = [];
for (const name of ["practice.js", "mock-room.js", "markdown-editor.js", "runner-worker.js", ...RUNTIME.map((n) => `pyodide/${version}/${n}`)]) {
  const { size } = await stat(join(out, name));
  sizes.push(`${name} ${(size / 1024).toFixed(0)} KiB`);
}
console.log(`static/build: ${sizes.join(", ")}`);
