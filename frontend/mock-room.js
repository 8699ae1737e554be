// The mock room's shared pad: a CodeMirror 6 editor per round, kept in step with the other
// member through the server (mocks.consumers) with CodeMirror's collab protocol. The server is
// the authority: a push is taken only at the pad's current version; when it is refused the
// editor pulls what it missed, collab rebases the local edits over it, and they go again.
// Without this script the page shows the pad's text as it was saved (read-only).
//
// Mounted on each <div class="pad" data-socket="/ws/mocks/<booking>/<round>/" data-label="<id of
// the pad's heading, which names the editor>">.

import { ChangeSet, Compartment, EditorState } from "@codemirror/state";
import { EditorView, drawSelection, keymap, lineNumbers } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { indentUnit } from "@codemirror/language";
import { python } from "@codemirror/lang-python";
import { collab, getSyncedVersion, receiveUpdates, sendableUpdates } from "@codemirror/collab";
import { pageNonce } from "./codemirror-page.js";

const NONCE = pageNonce();

function socketUrl(path) {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}${path}`;
}

class Pad {
  constructor(root) {
    this.root = root;
    this.path = root.dataset.socket;
    this.view = null;
    this.inFlight = false;
    this.editable = new Compartment();
    this.retry = 500;
    this.status = document.createElement("p");
    this.status.className = "pad-status meta";
    this.status.setAttribute("role", "status");
    this.connect();
  }

  say(text) {
    if (this.status.textContent !== text) this.status.textContent = text;
  }

  connect() {
    this.socket = new WebSocket(socketUrl(this.path));
    this.socket.addEventListener("message", (event) => this.receive(JSON.parse(event.data)));
    this.socket.addEventListener("open", () => {
      this.retry = 500;
    });
    this.socket.addEventListener("close", () => {
      this.inFlight = false;
      if (this.closed) return;
      this.say("Connection lost: reconnecting… Your edits are kept and sent when it is back.");
      setTimeout(() => this.connect(), this.retry);
      this.retry = Math.min(this.retry * 2, 10000);
    });
  }

  send(message) {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  receive(message) {
    if (!this.view && message.type !== "hello") return; // the server says hello first
    if (message.type === "hello") {
      if (!this.view) this.mount(message.doc, message.version, message.editable);
      // Back after a lost connection: catch up from where this editor stands.
      else this.send({ type: "pull", version: getSyncedVersion(this.view.state) });
      this.say(message.editable ? "Live: you both edit this pad." : "Read-only: the mock is over.");
      if (!message.editable) this.readOnly();
    } else if (message.type === "changes") {
      this.apply(message.version, message.updates);
      if (message.own) this.inFlight = false;
      this.push();
    } else if (message.type === "rejected") {
      this.inFlight = false;
      this.send({ type: "pull", version: getSyncedVersion(this.view.state) });
    } else if (message.type === "error") {
      this.inFlight = false;
      this.say(message.message);
      if (message.readOnly) this.readOnly();
      else setTimeout(() => this.push(), 1000);
    }
  }

  // Updates that apply at `version`: those this editor has already are skipped; a gap (a
  // message missed) is filled by a pull.
  apply(version, updates) {
    const synced = getSyncedVersion(this.view.state);
    if (version > synced) {
      this.send({ type: "pull", version: synced });
      return;
    }
    const fresh = updates.slice(synced - version);
    if (!fresh.length) return;
    this.view.dispatch(
      receiveUpdates(
        this.view.state,
        fresh.map((u) => ({ changes: ChangeSet.fromJSON(u.changes), clientID: u.clientID })),
      ),
    );
  }

  push() {
    if (this.inFlight || !this.view || this.closed) return;
    const updates = sendableUpdates(this.view.state);
    if (!updates.length) return;
    this.inFlight = true;
    this.send({
      type: "push",
      version: getSyncedVersion(this.view.state),
      updates: updates.map((u) => ({ clientID: u.clientID, changes: u.changes.toJSON() })),
    });
  }

  readOnly() {
    this.closed = true;
    this.root.classList.add("is-read-only");
    if (this.view) {
      this.view.dispatch({ effects: this.editable.reconfigure(EditorState.readOnly.of(true)) });
    }
  }

  mount(doc, version, editable) {
    const pad = this;
    const label = this.root.dataset.label;
    const view = new EditorView({
      state: EditorState.create({
        doc,
        extensions: [
          lineNumbers(),
          history(),
          drawSelection(),
          indentUnit.of("    "),
          python(),
          keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
          collab({ startVersion: version }),
          this.editable.of(EditorState.readOnly.of(!editable)),
          EditorView.contentAttributes.of({ "aria-labelledby": label, "aria-multiline": "true" }),
          EditorView.cspNonce.of(NONCE),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) pad.push();
          }),
        ],
      }),
    });
    this.root.replaceChildren(view.dom, this.status);
    this.view = view;
  }
}

for (const root of document.querySelectorAll(".pad[data-socket]")) {
  new Pad(root);
}
