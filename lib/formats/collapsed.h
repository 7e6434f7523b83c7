// Collapsed stacks ("folded") export, the input of Brendan Gregg's
// flamegraph.pl, inferno and speedscope's importer.
//
// One line per distinct stack per thread: the frames from the root to the
// leaf joined by ';', a space, and a count:
//
//   main (app.c:1);work (app.c:20) 20
//   main (app.c:1) 10
//
// A frame is written as "function (file:line)" (py-spy's spelling), or just
// the function when the file is unknown. When the session has several
// threads, each stack starts with its thread's name ("thread <id>" if it has
// none). No reader of this format knows an escape, so characters that would
// break a line apart are percent-encoded: ';' as %3B, newline as %0A,
// carriage return as %0D and '%' itself as %25. Readers then split frames
// correctly, and the original name can still be decoded.
//
// Lines come in each thread's stack-trie order (the order stacks first
// appeared); flamegraph.pl sorts its input itself.
//
// Example:
//
//   pyi::CollapsedOptions options;
//   options.value = pyi::CollapsedOptions::Value::kMicroseconds;
//   PYI_RETURN_IF_ERROR(pyi::WriteCollapsed(session, out, options));
//
// Thread safety: thread-safe (no shared state).

#ifndef PYI_LIB_FORMATS_COLLAPSED_H_
#define PYI_LIB_FORMATS_COLLAPSED_H_

#include "absl/status/status.h"
#include "lib/base/output.h"
#include "lib/session/session.h"

namespace pyi {

struct CollapsedOptions {
  enum class Value {
    kSamples,       // the number of samples (the usual flame graph input)
    kMicroseconds,  // total time, rounded to whole microseconds; stacks
                    // that round to 0 are left out
  };
  Value value = Value::kSamples;
};

// Writes `session` as collapsed stacks to `out`. Returns `out`'s first
// error.
absl::Status WriteCollapsed(const ValidSession& session, OutputStream& out,
                            CollapsedOptions options = {});

}  // namespace pyi

#endif  // PYI_LIB_FORMATS_COLLAPSED_H_
