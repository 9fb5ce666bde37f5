#!/usr/bin/env python3
"""core.interval_timer_sensor: raises a core.intervaltimer event for each active trigger instance.

Environment: PACKSMITH_SENSOR_TRIGGERS (JSON array of {id, ref, config}), PACKSMITH_API_URL,
PACKSMITH_API_TOKEN, optionally PACKSMITH_SENSOR_REF and PACKSMITH_SENSOR_CONFIG (JSON object).
Each timer counts from the sensor's start; missed firings (e.g. after a suspend) collapse into one.

  interval_timer_sensor.py                       run until SIGTERM, POSTing to $PACKSMITH_API_URL/v1/events
  interval_timer_sensor.py --once [--start T] [--now T]
                                                 print which timers are due at T (no network, no token needed)
"""
import argparse
import datetime
import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request

TRIGGER_REF = "core.intervaltimer"
DEFAULT_SENSOR_REF = "core.interval_timer_sensor"
UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600}
EXIT_CONFIG = 2
EXIT_UNAUTHORIZED = 3


def log(message):
    print(message, flush=True)


def iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc).isoformat().replace("+00:00", "Z")


def parse_time(text):
    """Epoch seconds or an ISO 8601 timestamp (a timestamp without an offset is UTC)."""
    try:
        return float(text)
    except ValueError:
        pass
    moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()


def interval_seconds(config):
    unit = config.get("unit", "seconds")
    interval = config.get("interval", 60)
    if unit not in UNIT_SECONDS:
        raise ValueError("unit must be one of seconds, minutes, hours (got %r)" % (unit,))
    if isinstance(interval, bool) or not isinstance(interval, (int, str)):
        raise ValueError("interval must be a positive integer")
    try:
        interval = int(interval)
    except ValueError:
        raise ValueError("interval must be a positive integer") from None
    if interval < 1:
        raise ValueError("interval must be a positive integer")
    return interval * UNIT_SECONDS[unit]


class Timer:
    def __init__(self, instance_id, trigger_ref, period, start):
        self.instance_id = instance_id
        self.trigger_ref = trigger_ref
        self.period = period
        self.next_fire = start + period
        self.count = 0

    def is_due(self, now):
        return self.next_fire <= now

    def fire(self, now):
        """Marks this firing; returns the scheduled time it stands for."""
        scheduled = self.next_fire + ((now - self.next_fire) // self.period) * self.period
        self.next_fire = scheduled + self.period
        self.count += 1
        return scheduled


def load_timers(raw, start):
    """Timers for the instances in `raw`, plus the instances that could not be used and why."""
    timers, invalid = [], []
    try:
        instances = json.loads(raw) if raw and raw.strip() else []
    except json.JSONDecodeError as exc:
        raise ValueError("PACKSMITH_SENSOR_TRIGGERS is not valid JSON: %s" % exc.msg) from None
    if not isinstance(instances, list):
        raise ValueError("PACKSMITH_SENSOR_TRIGGERS must be a JSON array")
    for position, instance in enumerate(instances):
        if not isinstance(instance, dict) or instance.get("id") is None:
            invalid.append({"trigger_instance_id": None, "error": "instance %d has no id" % position})
            continue
        instance_id = str(instance["id"])
        # `ref` may name the trigger or the rule behind the instance; only a trigger ref is used as one.
        trigger_ref = instance.get("trigger_ref") or TRIGGER_REF
        if instance.get("ref") == TRIGGER_REF:
            trigger_ref = TRIGGER_REF
        if trigger_ref != TRIGGER_REF:
            invalid.append({"trigger_instance_id": instance_id, "error": "not a %s instance" % TRIGGER_REF})
            continue
        config = instance.get("config") or {}
        try:
            if not isinstance(config, dict):
                raise ValueError("config must be an object")
            timers.append(Timer(instance_id, trigger_ref, interval_seconds(config), start))
        except ValueError as exc:
            invalid.append({"trigger_instance_id": instance_id, "error": str(exc)})
    return timers, invalid


def payload(timer, fired_at, sensor_ref):
    return {
        "type": "interval",
        "interval_seconds": timer.period,
        "fired_at": iso(fired_at),
        "execution_count": timer.count,
        "sensor_ref": sensor_ref,
    }


def plan(timers, invalid, start, now):
    """What --once prints: the timers due at `now` and when the others fire next."""
    due, waiting = [], []
    for timer in timers:
        entry = {"trigger_instance_id": timer.instance_id, "trigger_ref": timer.trigger_ref,
                 "interval_seconds": timer.period}
        if timer.is_due(now):
            entry["scheduled_at"] = iso(timer.fire(now))
            entry["next_fire_at"] = iso(timer.next_fire)
            due.append(entry)
        else:
            entry["next_fire_at"] = iso(timer.next_fire)
            waiting.append(entry)
    return {"start": iso(start), "now": iso(now), "due": due, "waiting": waiting, "invalid": invalid}


class Emitter:
    def __init__(self, api_url, token):
        self.url = api_url.rstrip("/") + "/v1/events"
        self.token = token

    def emit(self, trigger_ref, body_payload, instance_id):
        body = json.dumps({"trigger_ref": trigger_ref, "payload": body_payload,
                           "trigger_instance_id": instance_id}).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Authorization": "Bearer " + self.token, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code


def run(timers, emitter, sensor_ref, check_interval, stop):
    while not stop.is_set():
        now = time.time()
        for timer in timers:
            if not timer.is_due(now):
                continue
            timer.fire(now)
            try:
                status = emitter.emit(timer.trigger_ref, payload(timer, now, sensor_ref), timer.instance_id)
            except (urllib.error.URLError, OSError) as exc:
                log("WARN: event for instance %s not sent: %s" % (timer.instance_id, getattr(exc, "reason", exc)))
                continue
            if status in (401, 403):
                # The token expired or was revoked; exiting lets the manager restart us with a fresh one.
                print("ERROR: the events API answered %d; stopping" % status, file=sys.stderr)
                return EXIT_UNAUTHORIZED
            if 200 <= status < 300:
                log("fired %s for instance %s (#%d)" % (timer.trigger_ref, timer.instance_id, timer.count))
            else:
                log("WARN: event for instance %s rejected with HTTP %d" % (timer.instance_id, status))
        wait = min(timer.next_fire for timer in timers) - time.time()
        stop.wait(max(0.0, min(wait, check_interval)))
    return 0


def main(argv):
    parser = argparse.ArgumentParser(description="Raises core.intervaltimer events.")
    parser.add_argument("--once", action="store_true", help="print the due timers as JSON and exit")
    parser.add_argument("--start", help="when the timers started (epoch seconds or ISO 8601; default: now)")
    parser.add_argument("--now", help="the time to evaluate (epoch seconds or ISO 8601; default: now)")
    args = parser.parse_args(argv)

    try:
        now = parse_time(args.now) if args.now else time.time()
        start = parse_time(args.start) if args.start else now
    except ValueError as exc:
        print("ERROR: bad --start/--now: %s" % exc, file=sys.stderr)
        return EXIT_CONFIG
    try:
        timers, invalid = load_timers(os.environ.get("PACKSMITH_SENSOR_TRIGGERS", ""), start)
    except ValueError as exc:
        print("ERROR: %s" % exc, file=sys.stderr)
        return EXIT_CONFIG
    for problem in invalid:
        print("WARN: skipping instance %s: %s" % (problem["trigger_instance_id"], problem["error"]), file=sys.stderr)

    if args.once:
        print(json.dumps(plan(timers, invalid, start, now), indent=2))
        return 0

    api_url = os.environ.get("PACKSMITH_API_URL")
    token = os.environ.get("PACKSMITH_API_TOKEN")
    if not api_url or not token:
        print("ERROR: PACKSMITH_API_URL and PACKSMITH_API_TOKEN must be set", file=sys.stderr)
        return EXIT_CONFIG
    if not timers:
        log("no active %s instances; nothing to do" % TRIGGER_REF)
        return 0
    try:
        sensor_config = json.loads(os.environ.get("PACKSMITH_SENSOR_CONFIG") or "{}")
        check_interval = float(sensor_config.get("check_interval_seconds", 1))
    except (ValueError, TypeError, AttributeError):
        print("ERROR: PACKSMITH_SENSOR_CONFIG must be a JSON object", file=sys.stderr)
        return EXIT_CONFIG

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    sensor_ref = os.environ.get("PACKSMITH_SENSOR_REF") or DEFAULT_SENSOR_REF
    log("watching %d interval timer(s)" % len(timers))
    return run(timers, Emitter(api_url, token), sensor_ref, max(0.1, check_interval), stop)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
