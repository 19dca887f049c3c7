"""Posts CloudEvents to a broker with the CloudEvents Python SDK, and prints what the broker answered.

Usage: producer.py URL. One JSON line per event: {"id", "api", "mode", "status", "body"}.
Uses the SDK's current API (cloudevents.core) for binary and structured mode, and its v1
compatibility API (cloudevents.v1, the API of SDK 1.x) for one more structured event.
"""

import json
import sys
import urllib.error
import urllib.request
from datetime import datetime, timezone

from cloudevents.core.bindings.http import to_binary, to_structured
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from cloudevents.v1 import conversion as v1_conversion
from cloudevents.v1.http import CloudEvent as V1CloudEvent

TIME = datetime(2026, 3, 1, 12, 30, 0, 250000, tzinfo=timezone.utc)


def post(url, headers, body):
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def main():
    url = sys.argv[1]
    fmt = JSONFormat()
    events = [
        (
            "binary",
            CloudEvent(
                {
                    "type": "com.example.py.order",
                    "source": "/python/producer",
                    "id": "py-bin-1",
                    "time": TIME,
                    "subject": "order 1 — Zoë & Co",
                    "datacontenttype": "application/json",
                    "region": "eu-west",
                    "partitionkey": "customer-1",
                },
                {"amount": 12.5, "items": ["a", "b"], "note": "ünïcode"},
            ),
        ),
        (
            "structured",
            CloudEvent(
                {
                    "type": "com.example.py.order",
                    "source": "/python/producer",
                    "id": "py-str-1",
                    "time": TIME,
                    "datacontenttype": "application/json",
                    "region": "us-east",
                },
                {"amount": 99, "items": []},
            ),
        ),
        (
            "binary",
            CloudEvent(
                {
                    "type": "com.example.py.note",
                    "source": "/python/producer",
                    "id": "py-text-1",
                    "datacontenttype": "text/plain",
                },
                "hello from python",
            ),
        ),
        (
            "structured",
            CloudEvent(
                {
                    "type": "com.example.py.blob",
                    "source": "/python/producer",
                    "id": "py-bytes-1",
                    "datacontenttype": "application/octet-stream",
                },
                b"\x00\x01\xfe\xff",
            ),
        ),
    ]
    for mode, event in events:
        message = to_binary(event, fmt) if mode == "binary" else to_structured(event, fmt)
        status, body = post(url, message.headers, message.body)
        print(json.dumps({"id": event.get_id(), "api": "core", "mode": mode, "status": status, "body": body}), flush=True)

    legacy = V1CloudEvent(
        {"type": "com.example.py.legacy", "source": "/python/producer-v1", "id": "py-v1-1"},
        {"from": "sdk 1.x api"},
    )
    headers, body = v1_conversion.to_structured(legacy)
    status, answer = post(url, headers, body)
    print(json.dumps({"id": "py-v1-1", "api": "v1", "mode": "structured", "status": status, "body": answer}), flush=True)


if __name__ == "__main__":
    main()
