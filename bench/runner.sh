#!/usr/bin/env bash
# The practice runner in Chromium against gunicorn with production settings: the time from Run to
# the first test result, on a cold page (a first visit: nothing cached, Python still loading when
# Run is pressed) and on a warm one (Python loaded), and on a revisit (the browser's cache holds
# Pyodide, the worker starts again). Prints the median of BENCH_ROUNDS rounds, in milliseconds.
source "$(dirname "$0")/common.sh"
make -s static/build/.stamp
bench_prepare_database
bench_start_server
"$PY" bench/runner.py "$BASE" "${BENCH_ROUNDS:-5}"
