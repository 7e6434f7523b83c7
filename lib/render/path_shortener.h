// Short file paths for reports, shared by the console and JSON renderers.
//
// Library files are shown relative to their (longest matching) library root;
// application files relative to the longest directory that the application
// files being shown all share, so a one-directory program shows bare file
// names. A path outside both stays whole.
//
//   pyi::PathShortener paths(session, frames_in_the_report);
//   absl::string_view shown = paths.Short(frame);  // "physics/step.cc"

#ifndef PYI_LIB_RENDER_PATH_SHORTENER_H_
#define PYI_LIB_RENDER_PATH_SHORTENER_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "lib/session/session.h"

namespace pyi {

class PathShortener {
 public:
  // Only the files of `shown` decide the shared application directory, so
  // frames a report leaves out (the profiler's entry frames, say) cannot stop
  // it from shortening. `session` must outlive the shortener.
  PathShortener(const Session& session, absl::Span<const uint32_t> shown);

  // The same, over every frame of the session.
  explicit PathShortener(const Session& session);

  // The short form of `frame`'s file; a view into the session's strings.
  absl::string_view Short(uint32_t frame) const;

 private:
  void Add(uint32_t frame, bool* first);

  const Session& session_;
  std::string app_dir_;
};

}  // namespace pyi

#endif  // PYI_LIB_RENDER_PATH_SHORTENER_H_
