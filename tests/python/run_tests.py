"""Runs unittest files and writes their results as JUnit XML.

    python3 run_tests.py test_a.py test_b.py

Bazel reads the XML from $XML_OUTPUT_FILE (tools/ci_summary.py counts its
<testcase> elements); without it, only the console output is written. Exits
non-zero when a test failed or a file could not be loaded.
"""

import importlib.util
import os
import sys
import time
import traceback
import unittest
import xml.etree.ElementTree as ElementTree


class JUnitResult(unittest.TextTestResult):
    """A TextTestResult that also remembers each case's outcome and time."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cases = []  # (test id, seconds, kind, message)
        self._started = 0.0

    def startTest(self, test):
        self._started = time.perf_counter()
        super().startTest(test)

    def _record(self, test, kind, message=""):
        self.cases.append((test.id(), time.perf_counter() - self._started,
                           kind, message))

    def addSuccess(self, test):
        super().addSuccess(test)
        self._record(test, "passed")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._record(test, "failure", self._exc_info_to_string(err, test))

    def addError(self, test, err):
        super().addError(test, err)
        self._record(test, "error", self._exc_info_to_string(err, test))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._record(test, "skipped", reason)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._record(test, "passed")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._record(test, "failure", "unexpected success")


def write_junit(path, suites):
    root = ElementTree.Element("testsuites")
    for name, cases in suites:
        suite = ElementTree.SubElement(root, "testsuite", name=name,
                                       tests=str(len(cases)))
        for test_id, seconds, kind, message in cases:
            classname, _, case_name = test_id.rpartition(".")
            case = ElementTree.SubElement(suite, "testcase", name=case_name,
                                          classname=classname,
                                          time=f"{seconds:.3f}")
            if kind in ("failure", "error"):
                ElementTree.SubElement(case, kind, message=message[:200]).text = message
            elif kind == "skipped":
                ElementTree.SubElement(case, "skipped", message=message)
    ElementTree.ElementTree(root).write(path, encoding="utf-8",
                                        xml_declaration=True)


def main(files):
    suites = []
    ok = True
    for path in files:
        name = os.path.splitext(os.path.basename(path))[0]
        try:
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            suite = unittest.defaultTestLoader.loadTestsFromModule(module)
        except Exception:
            traceback.print_exc()
            suites.append((name, [(f"{name}.load", 0.0, "error",
                                   traceback.format_exc())]))
            ok = False
            continue
        runner = unittest.TextTestRunner(verbosity=2, resultclass=JUnitResult,
                                         stream=sys.stdout)
        result = runner.run(suite)
        suites.append((name, result.cases))
        ok = ok and result.wasSuccessful() and result.testsRun > 0
    xml = os.environ.get("XML_OUTPUT_FILE")
    if xml:
        write_junit(xml, suites)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
