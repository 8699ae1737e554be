"""A problem's solution checked against its own tests with CPython, at import and on every save
in the admin: a problem whose solution fails a case is refused, naming the case's line. The code
is an editor's, run in a process of its own: isolated mode (no site packages of ours imported),
an empty environment, a scratch directory, limits on its CPU time, memory and file writes, an
audit hook that refuses files, sockets and processes, and stopped at the problem's time limit.
Readers' code never runs on the server (it runs in their browser)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

from .problem_format import ProblemData

# Runs in the child, which has none of the web process's environment (no secrets to read). The
# child answers on a copy of its stdout taken before the solution runs (what the solution prints
# goes nowhere, so it cannot fake an answer), then installs an audit hook (PEP 578) that refuses
# what a solution has no need for: opening any file but the standard library's, for reading;
# sockets, processes, signals, ctypes, and changing files or the environment. One JSON line: an
# entry a case, "passed" or what went wrong; or what the solution itself raised.
RUNNER = r"""
import io, json, os, resource, sys, sysconfig
given = json.loads(sys.stdin.read())
# Its own limits, taken first: CPU time, memory, and no file written.
resource.setrlimit(resource.RLIMIT_CPU, (given["seconds"] + 1, given["seconds"] + 1))
resource.setrlimit(resource.RLIMIT_AS, (given["memory"], given["memory"]))
resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
answer = os.fdopen(os.dup(1), "w")
sys.stdout = sys.stderr = io.StringIO()
READABLE = tuple(
    os.path.realpath(sysconfig.get_paths()[name]) + os.sep for name in ("stdlib", "platstdlib")
)
REFUSED = (
    "socket.", "subprocess.", "os.system", "os.exec", "os.spawn", "os.posix_spawn", "os.fork",
    "os.kill", "os.putenv", "os.unsetenv", "os.remove", "os.rename", "os.rmdir", "os.mkdir",
    "os.chmod", "os.chown", "os.link", "os.symlink", "os.truncate",
    "ctypes.", "shutil.", "urllib.", "webbrowser.", "sys.addaudithook", "signal.",
)

def guard(event, args):
    if event == "open":
        path, mode = args[0], args[1]
        readable = isinstance(path, (str, bytes)) and (mode or "r") in ("r", "rb")
        real = os.path.realpath(os.fsdecode(path)) if readable else ""
        if not real.startswith(READABLE):
            raise PermissionError(f"a solution may not open {os.fsdecode(path)!r}" if readable
                                  else "a solution may not open files")
    elif event in ("os.listdir", "os.scandir"):
        # The import system lists the standard library's folders; nothing else is listed.
        folder = os.path.realpath(os.fsdecode(args[0] if args[0] is not None else ".")) + os.sep
        if not folder.startswith(READABLE):
            raise PermissionError("a solution may not list folders")
    elif event.startswith(REFUSED):
        raise PermissionError(f"a solution may not use {event}")

sys.addaudithook(guard)
namespace = {"__name__": "solution"}
results = []
try:
    exec(compile(given["solution"], "solution", "exec"), namespace)
except BaseException as exc:
    answer.write(json.dumps({"solution": f"{type(exc).__name__}: {exc}"[:300]}) + "\n")
    answer.flush()
    os._exit(0)
for case in given["cases"]:
    try:
        exec(compile(case, "case", "exec"), dict(namespace))
        results.append("passed")
    except AssertionError:
        results.append("failed")
    except BaseException as exc:
        results.append(f"{type(exc).__name__}: {exc}"[:300])
answer.write(json.dumps({"cases": results}) + "\n")
answer.flush()
os._exit(0)
"""
# The child's whole environment: no variable of the web process's (its secrets among them).
CHILD_ENV = {"PATH": os.defpath, "LANG": "C.UTF-8", "PYTHONHASHSEED": "0"}
MEMORY_BYTES = 1024 * 2**20


def solution_errors(problem: ProblemData, source: str) -> list[str]:
    """Why the solution does not pass every case of its tests and hidden tests (each naming the
    file and the case's line), or an empty list."""
    return [f"{source}:{line}: {message}" for line, message in solution_failures(problem)]


def solution_failures(problem: ProblemData) -> list[tuple[int, str]]:
    """Why the solution does not pass every case of its tests and hidden tests, each with its
    line in the file (the case's, or the solution's when the solution itself failed)."""
    cases = [(kind, case) for kind in ("tests", "hidden-tests") for case in problem.cases(kind)]
    given = {
        "solution": problem.code["solution"],
        "cases": [case.source for _, case in cases],
        "seconds": problem.time_limit_seconds,
        "memory": MEMORY_BYTES,
    }
    where = problem.code_lines["solution"]
    try:
        with tempfile.TemporaryDirectory() as workdir:
            done = subprocess.run(
                [sys.executable, "-I", "-c", RUNNER],
                input=json.dumps(given),
                capture_output=True,
                text=True,
                timeout=problem.time_limit_seconds + 1,
                env=CHILD_ENV,
                cwd=workdir,
            )
    except subprocess.TimeoutExpired:
        return [
            (
                where,
                "the solution did not finish its tests within time_limit_seconds "
                f"({problem.time_limit_seconds} s)",
            )
        ]
    try:
        outcome = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        last = done.stderr.strip().splitlines()[-1:] or ["no output"]
        return [(where, f"the solution stopped the check: {last[0][:300]}")]
    if not isinstance(outcome, dict):
        return [(where, "the solution's check gave no answer")]
    if "solution" in outcome:
        return [(where, f"the solution raised {outcome['solution']}")]
    if len(outcome.get("cases") or []) != len(cases):
        return [(where, "the solution's check gave no answer")]
    return [
        (
            case.line,
            f"the solution fails this {kind[:-1].replace('-', ' ')} case: {case.source} "
            f"({'assertion failed' if result == 'failed' else result})",
        )
        for (kind, case), result in zip(cases, outcome["cases"], strict=True)
        if result != "passed"
    ]
