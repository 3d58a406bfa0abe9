#!/usr/bin/env python3
"""A micro-order burst detector for `surveil score`, in plain Python.

It reads the public event stream as JSON Lines on standard input (see
docs/detector-protocol.md) and writes one alert per line on standard
output. The rule: an API key that sends at least RATE orders and cancels
within one second, at least half of the orders at the smallest size seen so
far on their instrument, is flagged for `micro_burst`, at most once per
COOLDOWN_NS. The score is the number of messages in the window over RATE.

Only the standard library is used. Run it by hand with

    surveil generate small --out data
    surveil score --dataset data --detector-cmd "python3 examples/detectors/burst.py"
"""

import collections
import json
import sys

SECOND_NS = 1_000_000_000
RATE = 60
COOLDOWN_NS = 10 * SECOND_NS


def main():
    smallest = {}  # instrument -> the smallest order size seen, in lots
    windows = collections.defaultdict(collections.deque)  # key -> (time, is_small_order)
    last_alert = {}  # key -> time of its last alert
    out = sys.stdout

    for number, line in enumerate(sys.stdin, start=1):
        try:
            event = json.loads(line)
        except json.JSONDecodeError as error:
            print(f"burst.py: input line {number} is not JSON: {error}", file=sys.stderr)
            return 1

        kind = event["type"]
        key = event.get("key")
        if kind == "accepted":
            qty, instrument = event["qty"], event["instrument"]
            smallest[instrument] = min(qty, smallest.get(instrument, qty))
            small = qty <= smallest[instrument]
        elif kind == "cancelled" and event.get("cancel_reason") == "requested":
            small = None
        else:
            continue
        if key is None:
            continue

        now = event["time_ns"]
        window = windows[key]
        window.append((now, small))
        while window and window[0][0] <= now - SECOND_NS:
            window.popleft()
        if len(window) < RATE or now - last_alert.get(key, -COOLDOWN_NS) < COOLDOWN_NS:
            continue
        orders = [s for _, s in window if s is not None]
        if orders and 2 * sum(orders) >= len(orders):
            last_alert[key] = now
            alert = {"time_ns": now, "kind": "micro_burst", "key": key, "score": len(window) / RATE}
            out.write(json.dumps(alert) + "\n")

    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
