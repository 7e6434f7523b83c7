// A synthetic pyinstrument session file (.pyisession) of realistic shape,
// for the import benchmark and for tests that need a big file.
//
// MakeSyntheticPythonSession() takes the stacks and samples of
// MakeSyntheticSession() (synthetic_session.h) and gives its frames the
// names a Python program has: functions and methods of an application under
// /home/dev/app, library code under a virtualenv's site-packages, a
// __tracebackhide__ helper now and then, "<module>" of main.py as the frame
// that started the profiler. PyiSessionJson() writes a session the way
// pyinstrument's Session.save() does (json.dump with Python's default
// separators, "\u0000"/"\u0001" escapes in frame strings, a current-line
// attribute on every frame), so the importer sees what it sees in the field.
//
//   SyntheticSessionOptions options;
//   options.samples = 250'000;           // about 195 MB of JSON
//   const Session session = MakeSyntheticPythonSession(options);
//   const std::string json = PyiSessionJson(session);
//
// Importing the JSON gives back the samples of `session` (thread 0), with
// the same function, file, line, class (FrameInfo::module) and flags for
// every frame of every sample, and the same durations.

#ifndef PYI_BENCHMARKS_SYNTHETIC_PYISESSION_H_
#define PYI_BENCHMARKS_SYNTHETIC_PYISESSION_H_

#include <string>

#include "benchmarks/synthetic_session.h"
#include "lib/session/session.h"

namespace pyi {

// One thread (pyinstrument sessions have one); options.threads is ignored.
Session MakeSyntheticPythonSession(SyntheticSessionOptions options = {});

// The .pyisession text of `session`'s first thread. The frame flagged
// kFrameProfiler at the top of the stacks goes into start_call_stack, which
// is how pyinstrument marks the stem above the profiler's start.
std::string PyiSessionJson(const Session& session);

}  // namespace pyi

#endif  // PYI_BENCHMARKS_SYNTHETIC_PYISESSION_H_
