#!/usr/bin/env python3
"""Writes the .pyisession test files next to this script.

The files are what pyinstrument's Session.save() writes (json.dump of
Session.to_json()) for two small, hand-designed runs; generating them keeps
the frame strings ("function\\0file\\0line" plus "\\1"-separated attributes)
and JSON escaping exactly as pyinstrument produces them. Run it again after
editing the runs below; the golden console outputs in pyisession_test.cc
describe these files.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def frame(function, path, line, *attributes):
    info = f"{function}\x00{path}\x00{line}"
    for attribute in attributes:
        info += "\x01" + attribute
    return info


def save(name, session):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(session, f)


# A Profiler() started inside main() of an application in /home/dev/app,
# with pandas and numpy from a virtualenv and a __tracebackhide__ helper.
APP = "/home/dev/app"
SITE = "/home/dev/app/.venv/lib/python3.11/site-packages"
module = frame("<module>", f"{APP}/main.py", 1, "l31")
main = frame("main", f"{APP}/main.py", 20, "l24")
load_data = frame("load_data", f"{APP}/data.py", 8, "l12")
read_csv = frame("read_csv", f"{SITE}/pandas/io/parsers/readers.py", 912, "l1026")
read = frame("_read", f"{SITE}/pandas/io/parsers/readers.py", 605, "l620")
reader_read = frame("read", f"{SITE}/pandas/io/parsers/readers.py", 1700,
                    "cTextFileReader", "l1778")
fit = frame("fit", f"{APP}/model.py", 30, "cModel", "l41")
step = frame("_step", f"{APP}/model.py", 55, "cModel", "l60")
forward = frame("_forward", f"{APP}/model.py", 70, "cModel", "l72")
wrapreduction = frame("_wrapreduction", f"{SITE}/numpy/core/fromnumeric.py",
                      71, "l88")
np_reduce = frame("_sum", f"{SITE}/numpy/core/_methods.py", 47, "l49")
parser_read = frame("read", f"{SITE}/pandas/io/parsers/c_parser_wrapper.py",
                    222, "cCParserWrapper", "l234")
np_sum = frame("sum", f"{SITE}/numpy/core/fromnumeric.py", 2177, "l2313")
check = frame("_check_finite", f"{APP}/validate.py", 5, "h1", "l9")
is_finite = frame("is_finite", f"{APP}/validate.py", 14, "l15")
report = frame("report", f"{APP}/main.py", 40, "l44")

records = []


def sample(stack, time, count=1):
    for _ in range(count):
        records.append([list(stack), time])


sample([module, main], 0.0010005)
sample([module, main, load_data, read_csv, read, reader_read, parser_read], 0.0010021, 8)
sample([module, main, load_data], 0.0009987, 2)
sample([module, main, fit, step], 0.0010003, 12)
sample([module, main, fit, step, forward], 0.0010011, 14)
sample([module, main, fit, step, np_sum, wrapreduction, np_reduce], 0.0009996, 6)
sample([module, main, fit, check, is_finite], 0.0010008, 5)
sample([module, main, load_data, read_csv, read, reader_read, parser_read], 0.0010002, 4)
sample([module, main, report], 0.0010001, 2)

save("app.pyisession", {
    "start_time": 1714557600.25,
    "duration": 0.0545,
    "min_interval": 0.001,
    "max_interval": 0.001,
    "sample_count": len(records),
    "start_call_stack": [module, frame("main", f"{APP}/main.py", 20, "l23")],
    "target_description": f"Profile at {APP}/main.py:23",
    "cpu_time": 0.0521,
    "sys_path": [APP, "/usr/lib/python311.zip", "/usr/lib/python3.11",
                 "/usr/lib/python3.11/lib-dynload", SITE],
    "sys_prefixes": [f"{APP}/.venv", "/usr", f"{APP}/.venv", "/usr"],
    "frame_records": records,
})

# `pyinstrument wordcount.py` with pyinstrument installed in the system: the
# stack opens with the console script, pyinstrument's __main__, the exec of
# the run_path call and runpy, all of which pyinstrument's report trims.
records = []
DIST = "/usr/lib/python3/dist-packages"
TOOL = "/home/dev/tool"
entry = frame("<module>", "/usr/bin/pyinstrument", 1, "l33")
cli_main = frame("main", f"{DIST}/pyinstrument/__main__.py", 38, "l347")
exec_string = frame("<module>", "<string>", 1, "l1")
run_path = frame("run_path", "<frozen runpy>", 262, "l291")
run_module_code = frame("_run_module_code", "<frozen runpy>", 91, "l98")
run_code = frame("_run_code", "<frozen runpy>", 64, "l88")
script = frame("<module>", f"{TOOL}/wordcount.py", 1, "l30")
count_words = frame("count_words", f"{TOOL}/wordcount.py", 12, "l18")
tokenize = frame("tokenize", f"{TOOL}/wordcount.py", 5, "l7")
loads = frame("loads", "/usr/lib/python3.11/json/__init__.py", 299, "l346")
decode = frame("decode", "/usr/lib/python3.11/json/decoder.py", 332, "l337",
               "cJSONDecoder")
raw_decode = frame("raw_decode", "/usr/lib/python3.11/json/decoder.py", 343,
                   "l353", "cJSONDecoder")
stem = [entry, cli_main, exec_string, run_path, run_module_code, run_code,
        script]
sample(stem + [loads, decode, raw_decode], 0.00102, 3)
sample(stem + [count_words, tokenize], 0.00099, 12)
sample(stem + [count_words], 0.00101, 3)
sample(stem, 0.001, 1)

save("cli.pyisession", {
    "start_time": 1714561200.5,
    "duration": 0.0193,
    "min_interval": 0.001,
    "max_interval": 0.001,
    "sample_count": len(records),
    "start_call_stack": [entry, frame("main", f"{DIST}/pyinstrument/__main__.py",
                                      38, "l344")],
    "target_description": "Program: wordcount.py",
    "cpu_time": 0.0188,
    "sys_path": [TOOL, "/usr/lib/python311.zip", "/usr/lib/python3.11",
                 "/usr/lib/python3.11/lib-dynload",
                 "/usr/local/lib/python3.11/dist-packages", DIST],
    "sys_prefixes": ["/usr", "/usr", "/usr", "/usr"],
    "frame_records": records,
})
