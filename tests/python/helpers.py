"""Shared helpers of the Python binding's tests: workloads with a known call
structure and queries on pyinstrument-schema JSON trees."""

import json
import time


def spin(seconds):
    """Burns CPU in this frame (no calls) for `seconds` of wall time."""
    end = time.perf_counter() + seconds
    x = 0
    while time.perf_counter() < end:
        for i in range(200):
            x += i
    return x


def threads_of(report):
    """{thread name or id: root_frame} of a JSON report."""
    data = json.loads(report) if isinstance(report, str) else report
    if "threads" in data:
        return {thread["name"]: thread["root_frame"]
                for thread in data["threads"]}
    return {"": data["root_frame"]}


def paths(frame, prefix=()):
    """Every root-to-node path of function names (with class names as
    "Class.function"), with the node's time."""
    if frame is None:
        return {}
    name = frame["function"]
    if frame.get("class_name"):
        name = frame["class_name"] + "." + name
    path = prefix + (name,)
    result = {path: frame["time"]}
    for child in frame.get("children", []):
        for sub, seconds in paths(child, path).items():
            result[sub] = result.get(sub, 0) + seconds
    return result


def time_under(frame, *suffix):
    """Total time of nodes whose path ends with `suffix`."""
    return sum(seconds for path, seconds in paths(frame).items()
               if path[-len(suffix):] == suffix)


def has_path(frame, *names):
    """True if the names occur, in order, as consecutive frames of a path."""
    for path in paths(frame):
        for start in range(len(path) - len(names) + 1):
            if path[start:start + len(names)] == names:
                return True
    return False
