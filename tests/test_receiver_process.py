"""The webhook receiver in a process of its own (conformance/webhooks.py ReceiverProcess), as a serial
run against the in-process reference uses it: deliveries posted over real HTTP are recorded and
read back through the feed, and the process ends when stopped."""

from __future__ import annotations

import httpx

from conformance.webhooks import ReceiverProcess, fetch_deliveries


def test_the_receiver_process_records_deliveries_and_stops() -> None:
    receiver = ReceiverProcess().start()
    proc = receiver._proc
    assert proc is not None
    try:
        answer = httpx.post(receiver.hook_url, json={"event": "entry.create"}, headers={"x-test": "1"}, timeout=10)
        assert answer.status_code == 204
        (delivery,) = fetch_deliveries(receiver.events_url)
        assert delivery["body"] == {"event": "entry.create"} and delivery["headers"]["x-test"] == "1"
        assert delivery["index"] == 0
    finally:
        receiver.stop()
    assert proc.poll() == 0, "the receiver process did not end cleanly when its stdin closed"
    receiver.stop()  # twice: nothing left to do
