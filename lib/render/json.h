// The JSON renderer: a Session in pyinstrument's JSON schema.
//
// Output (compact, one line, UTF-8), for a one-thread session:
//
//   {"start_time":1700000000.25,"duration":0.03,"sample_count":30,
//    "target_description":"demo","cpu_time":0.025,"program":"./demo",
//    "root_frame":{"function":"main","file_path_short":"app.c",
//      "file_path":"/src/app.c","line_no":1,"time":0.03,"await_time":0,
//      "is_application_code":true,"children":[...]}}
//
// Session fields are pyinstrument's: start_time (Unix seconds), duration,
// cpu_time (seconds), sample_count (of the whole session), and
// target_description; "program" is added. Times are decimal seconds written
// exactly from the session's nanoseconds.
//
// Frames carry pyinstrument's fields:
//   function, file_path, line_no: the frame identity;
//   file_path_short: library files relative to their library root,
//     application files relative to the directory all application files of
//     the session share (the console's rule);
//   time: the node's total time; await_time: always 0 (no async tracking);
//   is_application_code: !Session::IsLibraryFrame;
//   children: in the processed tree's order;
//   group_id: present on members of a library group (GroupLibraryFrames),
//     the group's index as a string, as pyinstrument's ids are strings;
//   class_name: present when the frame's `module` field is set. The library
//     stores "module, or class for methods" in one field and cannot tell the
//     two apart, so class_name carries it as recorded.
// `[self]` nodes are frames named "[self]" with an empty path, as in
// pyinstrument. Members that the console folds into "[N frames hidden]" are
// all written, each with its group_id, so a viewer can fold or expand them.
//
// The tree is the console's: the aggregated tree (or the timeline) after
// ConsoleProcessors / TimelineProcessors (lib/tree/processors.h). When the
// thread's tree has exactly one frame at the top and no time outside it,
// that frame is root_frame (pyinstrument's shape); otherwise root_frame is a
// synthetic "[root]" frame holding the top-level frames; a thread without
// samples has root_frame null.
//
// Several threads: root_frame is the first selected thread's, and a
// "threads" list holds {id, name, sample_count, duration, root_frame} for
// every selected thread. With one selected thread there is no list.
//
// Example:
//
//   pyi::JsonOptions options;
//   absl::Status status = pyi::ParseJsonOptions("thread=main", &options);
//   if (!status.ok()) return status;
//   std::string json;
//   status = pyi::RenderJson(session, options, &json);

#ifndef PYI_LIB_RENDER_JSON_H_
#define PYI_LIB_RENDER_JSON_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "lib/session/session.h"

namespace pyi {

struct JsonOptions {
  // Threads to write, matched against a thread's name or decimal id; empty:
  // every thread.
  std::vector<std::string> threads;
  // Skip the processors that hide or filter (see ConsoleProcessors).
  bool show_all = false;
  // Chronological tree instead of the aggregated one.
  bool timeline = false;
  // Nodes under this share of the thread's time are left out.
  double threshold_percent = 1.0;
};

// Parses "key=value,key=value" into `options`; a comma inside a value is
// written "\,". Keys: thread (a name or id, or "all"; may repeat), threads
// (names or ids separated by ';', or "all"), show_all, timeline
// (true/false, 1/0, yes/no, on/off; a bare key means true), threshold
// (percent, 0 to 100). An unknown key or bad value gives
// absl::InvalidArgumentError naming it.
absl::Status ParseJsonOptions(absl::string_view spec, JsonOptions* options);

// The keys ParseJsonOptions takes ("threads" is another spelling of
// "thread"): for help texts and the docs.
std::vector<std::string> JsonOptionKeys();

// Appends the JSON of `session` to `out`. Returns an ArgumentError
// (lib/base/status.h), leaving `out` as it was, when options.threads names no
// thread of the session.
absl::Status RenderJson(const ValidSession& session, const JsonOptions& options,
                        std::string* out);

}  // namespace pyi

#endif  // PYI_LIB_RENDER_JSON_H_
