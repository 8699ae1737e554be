"""The practice runner's harness: Python that runs inside Pyodide, in the reader's browser.

runner-worker.js writes this file into Pyodide's file system as a module and calls it: start()
runs the reader's code once in a fresh namespace, check() runs one test case (a single
`assert ...` statement) in that namespace, finish() hands back what the code printed. Each
answer is a JSON string, so no Python object is left for JavaScript to free.

For `assert <left> <op> <right>` (one comparison) the two sides are evaluated here, once each
and in Python's order, so a failure can say what the left side was: "`f([1, 2], 3)` returned
`[]`". A hidden case's answer carries no value and no text of the reader's exception: the page
shows only its status, and the values would give the hidden inputs away.
"""

from __future__ import annotations

import ast
import builtins
import io
import json
import operator
import sys
from collections.abc import Callable
from typing import Any

MAX_REPR = 200  # characters of a value shown in a failure message
MAX_OUTPUT = 10_000  # characters of printed output kept for the page

COMPARISONS: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
    ast.In: lambda left, right: left in right,
    ast.NotIn: lambda left, right: left not in right,
}


class CappedOutput(io.TextIOBase):
    """sys.stdout and sys.stderr while the reader's code runs: keeps the first MAX_OUTPUT
    characters (a print in a loop must not fill the worker's memory), or drops everything."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.truncated = False
        self.muted = False

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if self.muted:
            return len(text)
        room = MAX_OUTPUT - self.size
        if len(text) > room:
            text, self.truncated = text[: max(room, 0)], True
        self.parts.append(text)
        self.size += len(text)
        return len(text)

    def value(self) -> str:
        return "".join(self.parts) + ("\n[output cut short]" if self.truncated else "")


namespace: dict[str, Any] = {}
output = CappedOutput()


def short_repr(value: object) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # noqa: BLE001 - a broken __repr__ is the reader's, not ours
        return f"<{type(value).__name__} whose repr raised {type(exc).__name__}>"
    return text if len(text) <= MAX_REPR else text[: MAX_REPR - 1] + "…"


def last_line(exc: BaseException) -> str:
    """The last line of the traceback, as Python prints it: "NameError: name 'x' is not
    defined"; a syntax error also says its line."""
    if isinstance(exc, SyntaxError) and exc.lineno:
        return f"{type(exc).__name__}: {exc.msg} (line {exc.lineno})"
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text.splitlines()[-1] if text else type(exc).__name__


def run_quietly(call: Callable[[], Any], *, mute: bool = False) -> Any:
    """Run the reader's code with print going to `output` (or nowhere, for hidden cases)."""
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = output
    output.muted = mute
    try:
        return call()
    finally:
        sys.stdout, sys.stderr = saved
        output.muted = False


def start(code: str) -> str:
    """A fresh namespace with the reader's code run in it: {"error": message or null}."""
    global namespace, output  # one run at a time: its state lives here
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    output = CappedOutput()
    try:
        compiled = compile(code, "<your code>", "exec")
        run_quietly(lambda: exec(compiled, namespace))
    except BaseException as exc:  # noqa: BLE001 - SystemExit and all: the reader's code failed
        return json.dumps({"error": last_line(exc)})
    return json.dumps({"error": None})


def single_comparison(source: str) -> ast.Compare | None:
    """The comparison of `assert <left> <op> <right>` (one operator), else None."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Assert):
        return None
    test = tree.body[0].test
    if (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and type(test.ops[0]) in COMPARISONS
        and tree.body[0].msg is None
    ):
        return test
    return None


def evaluate(node: ast.expr) -> Any:
    expression = ast.Expression(body=node)
    return eval(compile(expression, "<test>", "eval"), namespace)


def check(source: str, hidden: bool) -> str:
    """Run one case: {"status": "passed"|"failed"|"error", "message": str}."""
    comparison = single_comparison(source)
    try:
        if comparison is None:
            run_quietly(lambda: exec(source, namespace), mute=hidden)
            return json.dumps({"status": "passed", "message": ""})
        left = run_quietly(lambda: evaluate(comparison.left), mute=hidden)
        right = run_quietly(lambda: evaluate(comparison.comparators[0]), mute=hidden)
        compare = COMPARISONS[type(comparison.ops[0])]
        if run_quietly(lambda: bool(compare(left, right)), mute=hidden):
            return json.dumps({"status": "passed", "message": ""})
    except AssertionError as exc:
        message = "assertion failed" if hidden or not str(exc) else f"assertion failed: {exc}"
        return json.dumps({"status": "failed", "message": message})
    except BaseException as exc:  # noqa: BLE001 - whatever the reader's code raised
        message = type(exc).__name__ if hidden else last_line(exc)
        return json.dumps({"status": "error", "message": message})
    if hidden:
        return json.dumps({"status": "failed", "message": ""})
    expression = ast.get_source_segment(source, comparison.left) or ast.unparse(comparison.left)
    verb = "returned" if isinstance(comparison.left, ast.Call) else "was"
    return json.dumps(
        {"status": "failed", "message": f"`{expression}` {verb} `{short_repr(left)}`"}
    )


def finish() -> str:
    """What the reader's code printed during this run (hidden cases' output left out)."""
    return output.value()
