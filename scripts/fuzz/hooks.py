"""Schemathesis hooks for scripts/fuzz-api.sh.

Customer routes are rate limited per customer (60 calls a minute, orders 10), so one customer's token would
see mostly 429s: the customer run takes its tokens in turn from FUZZ_TOKENS (one per line, each a customer of
its own), which keeps every customer under its limits and the routes' logic under test.
"""

import itertools
import os

import schemathesis


def _tokens():
    path = os.environ.get("FUZZ_TOKENS")
    if not path:
        return None
    with open(path) as f:
        tokens = [line.strip() for line in f if line.strip()]
    if not tokens:
        raise RuntimeError(f"FUZZ_TOKENS names {path}, which holds no token")
    return itertools.cycle(tokens)


_TOKENS = _tokens()

if _TOKENS is not None:

    @schemathesis.auth(refresh_interval=None)
    class RotatingCustomers:
        def get(self, case, context):
            return next(_TOKENS)

        def set(self, case, data, context):
            case.headers = case.headers or {}
            case.headers["Authorization"] = f"Bearer {data}"
