"""moto as the local DynamoDB + SQS endpoint, with DynamoDB requests serialised.

moto's threaded server does not serialise DynamoDB writes: concurrent TransactWriteItems lose updates
(about one run in ten oversells a 50-slot server with 200 racing orders). Real DynamoDB is atomic per item
and per transaction, so this launcher runs requests whose X-Amz-Target starts with `DynamoDB_` one at a
time under a lock; everything else (SQS long polls above all) stays concurrent.

Usage: moto_server.py HOST PORT
"""

import sys
import threading

from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

_dynamodb_lock = threading.Lock()


class SerialisedDynamoDB:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith("DynamoDB_"):
            with _dynamodb_lock:
                # Materialise the body inside the lock: the work happens while it is iterated.
                return list(self.app(environ, start_response))
        return self.app(environ, start_response)


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    app = SerialisedDynamoDB(DomainDispatcherApplication(create_backend_app))
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


if __name__ == "__main__":
    main()
