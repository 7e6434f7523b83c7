#include "lib/formats/speedscope.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "lib/base/json_writer.h"
#include "lib/base/version.h"

namespace pyi {
namespace {

constexpr uint32_t kUnmapped = UINT32_MAX;

class SpeedscopeWriter {
 public:
  SpeedscopeWriter(const Session& session, OutputStream& stream)
      : session_(session), out_(&stream) {}

  absl::Status Write() {
    MapFrames();
    Raw("{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\"");
    Raw(",\"exporter\":");
    Quoted(absl::StrCat("libpyinstrument ", kLibraryVersion));
    Raw(",\"name\":");
    if (!session_.target_description.empty()) {
      Quoted(session_.target_description);
    } else if (!session_.program.empty()) {
      Quoted(session_.program);
    } else {
      Quoted("libpyinstrument profile");
    }
    Raw(",\"activeProfileIndex\":");
    Raw(absl::AlphaNum(ActiveProfile()).Piece());
    WriteFrames();
    Raw(",\"profiles\":[");
    for (size_t t = 0; t < session_.threads.size(); ++t) {
      if (t > 0) Raw(",");
      WriteProfile(session_.threads[t]);
    }
    Raw("]}\n");
    return out_.Flush();
  }

 private:
  // Gives every frame a stack node uses its speedscope index, deduplicating
  // by what speedscope shows: (name, file, line). Session frames can differ
  // only in flags (a hidden and a visible call of one function), which
  // speedscope has no use for.
  void MapFrames() {
    speedscope_index_.assign(session_.frames.size(), kUnmapped);
    absl::flat_hash_map<std::tuple<std::string, uint32_t, uint32_t>, uint32_t>
        seen;
    for (const ThreadSamples& thread : session_.threads) {
      for (size_t n = 1; n < thread.nodes.size(); ++n) {
        const uint32_t frame = thread.nodes[n].frame;
        if (speedscope_index_[frame] != kUnmapped) continue;
        const FrameInfo& info = session_.frames[frame];
        auto [it, inserted] = seen.try_emplace(
            std::make_tuple(DisplayName(frame), info.file, info.line),
            static_cast<uint32_t>(shared_frames_.size()));
        if (inserted) shared_frames_.push_back(frame);
        speedscope_index_[frame] = it->second;
      }
    }
  }

  std::string DisplayName(uint32_t frame) const {
    const FrameInfo& info = session_.frames[frame];
    std::string name;
    if (info.module != 0) name = absl::StrCat(session_.String(info.module), ".");
    const std::string& function = session_.String(info.function);
    name += function.empty() ? "<unknown>" : function;
    return name;
  }

  size_t ActiveProfile() const {
    size_t best = 0;
    int64_t best_ns = -1;
    for (size_t t = 0; t < session_.threads.size(); ++t) {
      const int64_t ns = session_.threads[t].TotalDurationNs();
      if (ns > best_ns) {
        best = t;
        best_ns = ns;
      }
    }
    return best;
  }

  void WriteFrames() {
    Raw(",\"shared\":{\"frames\":[");
    for (size_t i = 0; i < shared_frames_.size(); ++i) {
      const uint32_t frame = shared_frames_[i];
      const FrameInfo& info = session_.frames[frame];
      Raw(i > 0 ? ",{\"name\":" : "{\"name\":");
      Quoted(DisplayName(frame));
      if (info.file != 0) {
        Raw(",\"file\":");
        Quoted(session_.String(info.file));
      }
      if (info.line != 0) {
        Raw(",\"line\":");
        Raw(absl::AlphaNum(info.line).Piece());
      }
      Raw("}");
    }
    Raw("]}");
  }

  void WriteProfile(const ThreadSamples& thread) {
    Raw("{\"type\":\"sampled\",\"name\":");
    const std::string id = absl::StrCat("(id ", thread.id, ")");
    Quoted(thread.name.empty() ? absl::StrCat("thread ", id)
                               : absl::StrCat(thread.name, " ", id));
    Raw(",\"unit\":\"nanoseconds\",\"startValue\":");
    Raw(absl::AlphaNum(thread.start_offset_ns).Piece());
    Raw(",\"endValue\":");
    // A ValidSession's threads end before int64 overflows.
    Raw(absl::AlphaNum(thread.start_offset_ns + thread.TotalDurationNs())
            .Piece());
    Raw(",\"samples\":[");
    std::vector<uint32_t> stack;
    for (size_t s = 0; s < thread.sample_nodes.size(); ++s) {
      // Walk leaf to root into a reused buffer: materialising every distinct
      // stack would cost depth squared for a deep recursion.
      stack.clear();
      for (uint32_t node = thread.sample_nodes[s]; node != kEmptyStackNode;
           node = thread.nodes[node].parent) {
        stack.push_back(speedscope_index_[thread.nodes[node].frame]);
      }
      Raw(s > 0 ? ",[" : "[");
      for (size_t i = stack.size(); i-- > 0;) {
        Raw(absl::AlphaNum(stack[i]).Piece());
        if (i > 0) Raw(",");
      }
      Raw("]");
    }
    Raw("],\"weights\":[");
    for (size_t s = 0; s < thread.sample_durations_ns.size(); ++s) {
      if (s > 0) Raw(",");
      Raw(absl::AlphaNum(thread.sample_durations_ns[s]).Piece());
    }
    Raw("]}");
  }

  void Raw(absl::string_view text) { out_.Append(text); }

  // Session strings are bytes; JsonWriter's quoting makes them valid JSON
  // and valid UTF-8.
  void Quoted(absl::string_view text) {
    scratch_.clear();
    JsonWriter::AppendQuoted(text, &scratch_);
    out_.Append(scratch_);
  }

  const Session& session_;
  BufferedOutput out_;
  std::vector<uint32_t> speedscope_index_;  // session frame -> shared index
  std::vector<uint32_t> shared_frames_;     // shared index -> session frame
  std::string scratch_;
};

}  // namespace

absl::Status WriteSpeedscope(const ValidSession& session, OutputStream& out) {
  return SpeedscopeWriter(*session, out).Write();
}

}  // namespace pyi
