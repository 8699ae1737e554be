"""Measure the practice runner in Chromium (bench/runner.sh starts the site): a free problem's
page as a visitor, Run pressed as soon as the editor is there, and again once Python is loaded.

    python bench/runner.py BASE_URL ROUNDS
"""

from __future__ import annotations

import statistics
import sys
import time

from playwright.sync_api import Page, expect, sync_playwright

PROBLEM = "/problems/pair-with-target-sum/"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RUN = "#runner .button-group button >> nth=0"
FIRST_RESULT = "#runner .run-results li"


def run_to_first_result(page: Page) -> float:
    """Milliseconds from pressing Run to the first test case's result on the page."""
    start = time.perf_counter()
    page.click(RUN)
    page.wait_for_selector(FIRST_RESULT, timeout=120_000)
    return (time.perf_counter() - start) * 1000


def wait_until_ready(page: Page) -> None:
    # A locator, not wait_for_function: the page's policy forbids evaluating strings.
    expect(page.locator(RUN)).to_have_text("Run", timeout=120_000)


def one_round(browser, base: str) -> dict[str, float]:
    figures = {}
    context = browser.new_context()  # an empty cache: a first visit
    page = context.new_page()
    start = time.perf_counter()
    page.goto(base + PROBLEM)
    page.wait_for_selector("#runner .runner-editor .cm-content")
    figures["page usable (editor shown)"] = (time.perf_counter() - start) * 1000
    figures["cold: Run to first result"] = run_to_first_result(page)
    figures["cold: navigation to first result"] = (time.perf_counter() - start) * 1000
    warm = []
    for _ in range(3):
        wait_until_ready(page)
        warm.append(run_to_first_result(page))
    figures["warm: Run to first result"] = statistics.median(warm)
    # A revisit: the browser's cache has Pyodide; the page and its worker start again.
    start = time.perf_counter()
    page.reload()
    page.wait_for_selector("#runner .runner-editor .cm-content")
    figures["revisit: Run to first result"] = run_to_first_result(page)
    context.close()
    return figures


def main() -> None:
    base, rounds = sys.argv[1], int(sys.argv[2])
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        results = [one_round(browser, base) for _ in range(rounds)]
        browser.close()
    print(f"practice runner, {PROBLEM}, median of {rounds} rounds (ms)")
    for name in results[0]:
        values = sorted(r[name] for r in results)
        low, high = values[0], values[-1]
        median = statistics.median(values)
        print(f"  {name:<36} {median:>8.0f}   (min {low:.0f}, max {high:.0f})")


if __name__ == "__main__":
    main()
