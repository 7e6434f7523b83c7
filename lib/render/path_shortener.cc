#include "lib/render/path_shortener.h"

#include <algorithm>
#include <vector>

#include "absl/strings/match.h"

namespace pyi {
namespace {

bool IsSeparator(char c) { return c == '/' || c == '\\'; }

}  // namespace

PathShortener::PathShortener(const Session& session,
                             absl::Span<const uint32_t> shown)
    : session_(session) {
  bool first = true;
  std::vector<uint8_t> seen(session.frames.size(), 0);
  for (uint32_t frame : shown) {
    if (seen[frame]) continue;
    seen[frame] = 1;
    Add(frame, &first);
  }
  // Stripping only the filesystem root would shorten nothing useful.
  if (app_dir_.size() <= 1) app_dir_.clear();
}

PathShortener::PathShortener(const Session& session) : session_(session) {
  bool first = true;
  for (uint32_t frame = 0; frame < session.frames.size(); ++frame) {
    Add(frame, &first);
  }
  if (app_dir_.size() <= 1) app_dir_.clear();
}

void PathShortener::Add(uint32_t frame, bool* first) {
  const std::string& file = session_.FilePath(frame);
  // Names without a directory ("<string>", "app.c") have nothing to shorten
  // and must not collapse the shared prefix to nothing.
  if (std::none_of(file.begin(), file.end(), IsSeparator)) return;
  if (session_.IsLibraryFrame(frame)) return;
  absl::string_view dir(file);
  while (!dir.empty() && !IsSeparator(dir.back())) dir.remove_suffix(1);
  if (*first) {
    app_dir_ = std::string(dir);
    *first = false;
    return;
  }
  size_t common = 0;
  while (common < app_dir_.size() && common < dir.size() &&
         app_dir_[common] == dir[common]) {
    ++common;
  }
  while (common > 0 && !IsSeparator(app_dir_[common - 1])) --common;
  app_dir_.resize(common);
}

absl::string_view PathShortener::Short(uint32_t frame) const {
  absl::string_view file = session_.FilePath(frame);
  absl::string_view root;
  for (const std::string& candidate : session_.library_roots) {
    if (!candidate.empty() && candidate.size() > root.size() &&
        absl::StartsWith(file, candidate)) {
      root = candidate;
    }
  }
  if (root.empty()) root = app_dir_;
  if (root.empty() || !absl::StartsWith(file, root)) return file;
  absl::string_view rest = file.substr(root.size());
  while (!rest.empty() && IsSeparator(rest.front())) rest.remove_prefix(1);
  return rest.empty() ? file : rest;
}

}  // namespace pyi
