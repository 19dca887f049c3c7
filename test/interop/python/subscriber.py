"""A CloudEvents subscriber built on the CloudEvents Python SDK and the standard library's HTTP server.

Prints {"listening": PORT} once, then one JSON line per event received:
{"received": {attributes..., "data": ...}, "mode": "binary"|"structured"}.
Replies to com.example.py.order with a com.example.py.confirmed event (binary mode, via the SDK);
answers anything else with 202 and no body.
"""

import base64
import json
import sys
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cloudevents.core.bindings.http import HTTPMessage, from_http, to_binary
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

FORMAT = JSONFormat()
# Requests are handled on several threads; one line must never interleave with another.
OUTPUT = threading.Lock()


def emit(record):
    line = json.dumps(record) + "\n"
    with OUTPUT:
        sys.stdout.write(line)
        sys.stdout.flush()


def printable(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return {"base64": base64.b64encode(value).decode()}
    return value


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(length)
        headers = {name.lower(): value for name, value in self.headers.items()}
        mode = "structured" if headers.get("content-type", "").startswith("application/cloudevents+json") else "binary"
        try:
            event = from_http(HTTPMessage(headers=headers, body=body), FORMAT)
        except Exception as error:  # report what the SDK could not read, and refuse the delivery
            emit({"error": repr(error), "mode": mode})
            self.send_response(400)
            self.send_header("content-length", "0")
            self.end_headers()
            return
        received = {name: printable(value) for name, value in event.get_attributes().items()}
        received["data"] = printable(event.get_data())
        emit({"received": received, "mode": mode})

        if event.get_type() == "com.example.py.order":
            reply = CloudEvent(
                {
                    "type": "com.example.py.confirmed",
                    "source": "/python/subscriber",
                    "id": f"confirm-{event.get_id()}-{mode}",
                    "datacontenttype": "application/json",
                },
                {"order": event.get_id(), "seenAs": mode},
            )
            message = to_binary(reply, FORMAT)
            self.send_response(200)
            for name, value in message.headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(message.body)))
            self.end_headers()
            self.wfile.write(message.body)
            return
        self.send_response(202)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format, *args):
        pass


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    emit({"listening": server.server_address[1]})
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
