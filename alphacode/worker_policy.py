"""The Content-Security-Policy of the practice runner's Web Worker script.

The worker (static/build/runner-worker.js, built from frontend/) runs under the policy of its
own script's response, not the page's, so the problem page's `csp_override` cannot reach it;
and the site's policy, which Django's CSP middleware adds to every response (static files
included, since WhiteNoise serves them inside it), forbids compiling WebAssembly, which Pyodide
must do. This middleware, between the CSP middleware and WhiteNoise, gives the worker's
responses the site's policy with 'wasm-unsafe-eval' added to script-src and nothing else: no
'unsafe-eval', and the worker still loads scripts and connects to our own origin only. The CSP
middleware keeps a policy a response already has.

A middleware rather than WhiteNoise's per-file headers (WHITENOISE_ADD_HEADERS_FUNCTION):
WhiteNoise's 304 Not Modified answers carry no such header, the CSP middleware would add the
site's policy to them, and a browser revalidating its cached worker script would take that
policy in place of the worker's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.csp import CSP, build_policy

# The worker's URL, as collected (runner-worker.<hash>.js) or not (runner-worker.js).
WORKER = re.compile(r"/build/runner-worker(\.[0-9a-f]{12})?\.js$")


def worker_policy() -> str:
    config: dict[str, Any] = dict(settings.SECURE_CSP)
    script_src: list[str] = list(config.get("script-src") or [CSP.SELF])
    # A nonce means nothing to a worker: with none given, build_policy drops the placeholder.
    config["script-src"] = [*script_src, CSP.WASM_UNSAFE_EVAL]
    return build_policy(config)


class RunnerWorkerPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if WORKER.search(request.path_info) and request.path.startswith(settings.STATIC_URL):
            response[str(CSP.HEADER_ENFORCE)] = worker_policy()
        return response
