"""moto as the local AWS endpoint (DynamoDB, SQS, Secrets Manager...), with DynamoDB requests serialised and
TransactWriteItems' ClientRequestToken honoured.

moto's threaded server does not serialise DynamoDB writes: concurrent TransactWriteItems lose updates
(about one run in ten oversells a 50-slot server with 200 racing orders). Real DynamoDB is atomic per item
and per transaction, so this launcher runs requests whose X-Amz-Target starts with `DynamoDB_` one at a
time under a lock; everything else (SQS long polls above all) stays concurrent.

moto ignores ClientRequestToken. DynamoDB answers a TransactWriteItems whose token it committed in the last
10 minutes with success, writing nothing (and refuses the token with other items); the adapter relies on it to
learn a lost answer's real outcome, so the emulator does the same here.

Usage: moto_server.py HOST PORT
"""

import io
import json
import sys
import threading
import time

from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

_dynamodb_lock = threading.Lock()
TOKEN_WINDOW_SECONDS = 600


class SerialisedDynamoDB:
    def __init__(self, app):
        self.app = app
        # token -> (items as sent, when committed, status, headers, body)
        self.committed = {}

    def __call__(self, environ, start_response):
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith("DynamoDB_"):
            with _dynamodb_lock:
                if target.endswith(".TransactWriteItems"):
                    return self.transact(environ, start_response)
                # Materialise the body inside the lock: the work happens while it is iterated.
                return list(self.app(environ, start_response))
        return self.app(environ, start_response)

    def transact(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        request = json.loads(body or b"{}")
        token = request.get("ClientRequestToken")
        items = json.dumps(request.get("TransactItems"), sort_keys=True)
        now = time.monotonic()
        self.committed = {t: c for t, c in self.committed.items() if now - c[1] < TOKEN_WINDOW_SECONDS}
        if token and token in self.committed:
            sent, _, status, headers, answer = self.committed[token]
            if sent != items:
                error = {"__type": "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
                         "message": "The request uses the same client token as a previous, but non-identical request."}
                start_response("400 Bad Request", [("Content-Type", "application/x-amz-json-1.0")])
                return [json.dumps(error).encode()]
            start_response(status, headers)
            return [answer]
        answered = {}

        def remember(status, headers, exc_info=None):
            answered["status"], answered["headers"] = status, headers
            return start_response(status, headers, exc_info)

        answer = b"".join(self.app(environ, remember))
        if token and answered.get("status", "").startswith("200"):
            self.committed[token] = (items, now, answered["status"], answered["headers"], answer)
        return [answer]


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    app = SerialisedDynamoDB(DomainDispatcherApplication(create_backend_app))
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


if __name__ == "__main__":
    main()
