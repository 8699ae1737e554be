"""A problem's solution checked against its own tests with CPython, at import: a problem whose
solution fails a case is refused, naming the case's line. The code is an editor's, run in a
process of its own (isolated mode, no site packages of ours imported) that is stopped at the
problem's time limit; readers' code never runs on the server (it runs in their browser)."""

from __future__ import annotations

import json
import subprocess
import sys

from .problem_format import ProblemData

# Runs in the child: the solution, then each case in the solution's namespace; one JSON line of
# results on stdout, an entry a case: "passed", or what went wrong.
RUNNER = r"""
import json, sys, traceback
given = json.loads(sys.stdin.read())
namespace = {"__name__": "solution"}
results = []
try:
    exec(compile(given["solution"], "solution", "exec"), namespace)
except BaseException as exc:
    print(json.dumps({"solution": f"{type(exc).__name__}: {exc}"}))
    raise SystemExit
for case in given["cases"]:
    try:
        exec(compile(case, "case", "exec"), dict(namespace))
        results.append("passed")
    except AssertionError:
        results.append("failed")
    except BaseException as exc:
        results.append(f"{type(exc).__name__}: {exc}")
print(json.dumps({"cases": results}))
"""


def solution_errors(problem: ProblemData, source: str) -> list[str]:
    """Why the solution does not pass every case of its tests and hidden tests (each naming the
    file and the case's line), or an empty list."""
    return [f"{source}:{line}: {message}" for line, message in solution_failures(problem)]


def solution_failures(problem: ProblemData) -> list[tuple[int, str]]:
    """Why the solution does not pass every case of its tests and hidden tests, each with its
    line in the file (the case's, or the solution's when the solution itself failed)."""
    cases = [(kind, case) for kind in ("tests", "hidden-tests") for case in problem.cases(kind)]
    given = {"solution": problem.code["solution"], "cases": [case.source for _, case in cases]}
    where = problem.code_lines["solution"]
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", RUNNER],
            input=json.dumps(given),
            capture_output=True,
            text=True,
            timeout=problem.time_limit_seconds + 1,
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
        return [(where, f"the solution stopped the check: {last[0]}")]
    if "solution" in outcome:
        return [(where, f"the solution raised {outcome['solution']}")]
    return [
        (
            case.line,
            f"the solution fails this {kind[:-1].replace('-', ' ')} case: {case.source} "
            f"({'assertion failed' if result == 'failed' else result})",
        )
        for (kind, case), result in zip(cases, outcome["cases"], strict=True)
        if result != "passed"
    ]
