#include "lib/formats/chrome_trace.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/base/json_writer.h"

namespace pyi {
namespace {

std::string Quoted(absl::string_view text) {
  std::string out;
  JsonWriter::AppendQuoted(text, &out);
  return out;
}

// `ns` as microseconds with exactly three decimals: 1234567 -> 1234.567.
void AppendMicros(int64_t ns, BufferedOutput& out) {
  uint64_t magnitude = static_cast<uint64_t>(ns);
  if (ns < 0) {
    out.Append('-');
    magnitude = 0 - magnitude;
  }
  out.AppendUint(magnitude / 1000);
  const unsigned fraction = static_cast<unsigned>(magnitude % 1000);
  const char digits[4] = {'.', static_cast<char>('0' + fraction / 100),
                          static_cast<char>('0' + fraction / 10 % 10),
                          static_cast<char>('0' + fraction % 10)};
  out.Append(absl::string_view(digits, 4));
}

class ThreadWriter {
 public:
  ThreadWriter(const Session& session, const ThreadSamples& thread,
               std::vector<std::string>* frame_suffixes, BufferedOutput* out)
      : session_(session),
        thread_(thread),
        suffixes_(*frame_suffixes),
        out_(*out),
        prefix_(absl::StrCat(",\n{\"ph\":\"X\",\"pid\":1,\"tid\":", thread.id,
                             ",\"ts\":")) {}

  void Run() {
    depth_.resize(thread_.nodes.size());
    depth_[0] = 0;
    for (size_t n = 1; n < thread_.nodes.size(); ++n) {
      depth_[n] = depth_[thread_.nodes[n].parent] + 1;
    }
    int64_t now = thread_.start_offset_ns;
    uint32_t current = kEmptyStackNode;
    for (size_t i = 0; i < thread_.sample_nodes.size(); ++i) {
      const uint32_t node = thread_.sample_nodes[i];
      if (node != current) {
        MoveTo(current, node, now);
        current = node;
      }
      now += thread_.sample_durations_ns[i];
    }
    CloseAbove(0, now);
  }

 private:
  // Closes the spans below the deepest frame `from` and `to` share, then
  // opens `to`'s frames below it.
  void MoveTo(uint32_t from, uint32_t to, int64_t now) {
    uint32_t a = from, b = to;
    while (depth_[a] > depth_[b]) a = thread_.nodes[a].parent;
    while (depth_[b] > depth_[a]) b = thread_.nodes[b].parent;
    while (a != b) {
      a = thread_.nodes[a].parent;
      b = thread_.nodes[b].parent;
    }
    CloseAbove(depth_[a], now);
    const size_t base = open_.size();
    for (uint32_t n = to; n != a; n = thread_.nodes[n].parent) {
      open_.push_back({n, now});
    }
    std::reverse(open_.begin() + base, open_.end());
  }

  void CloseAbove(uint32_t depth, int64_t now) {
    while (open_.size() > depth) {
      const OpenSpan span = open_.back();
      open_.pop_back();
      out_.Append(prefix_);
      AppendMicros(span.start_ns, out_);
      out_.Append(",\"dur\":");
      AppendMicros(now - span.start_ns, out_);
      out_.Append(Suffix(thread_.nodes[span.node].frame));
    }
  }

  const std::string& Suffix(uint32_t frame) {
    std::string& suffix = suffixes_[frame];
    if (suffix.empty()) {
      const FrameInfo& info = session_.frames[frame];
      suffix = absl::StrCat(",\"name\":", Quoted(session_.String(info.function)),
                            ",\"args\":{\"file\":",
                            Quoted(session_.String(info.file)),
                            ",\"line\":", info.line);
      if (info.module != 0) {
        absl::StrAppend(&suffix, ",\"module\":",
                        Quoted(session_.String(info.module)));
      }
      suffix += "}}";
    }
    return suffix;
  }

  struct OpenSpan {
    uint32_t node;
    int64_t start_ns;
  };

  const Session& session_;
  const ThreadSamples& thread_;
  std::vector<std::string>& suffixes_;
  BufferedOutput& out_;
  const std::string prefix_;
  std::vector<uint32_t> depth_;
  std::vector<OpenSpan> open_;  // the current stack, root first
};

}  // namespace

absl::Status WriteChromeTrace(const ValidSession& valid, OutputStream& stream) {
  const Session& session = *valid;
  BufferedOutput out(&stream);
  const std::string& process = !session.target_description.empty()
                                   ? session.target_description
                                   : session.program;
  out.Append(
      "{\"traceEvents\":[\n"
      "{\"ph\":\"M\",\"pid\":1,\"tid\":0,\"name\":\"process_name\","
      "\"args\":{\"name\":");
  out.Append(Quoted(process.empty() ? "libpyinstrument" : process));
  out.Append("}}");
  for (const ThreadSamples& thread : session.threads) {
    out.Append(",\n{\"ph\":\"M\",\"pid\":1,\"tid\":");
    out.AppendUint(thread.id);
    out.Append(",\"name\":\"thread_name\",\"args\":{\"name\":");
    out.Append(Quoted(thread.name));
    out.Append("}}");
  }
  std::vector<std::string> frame_suffixes(session.frames.size());
  for (const ThreadSamples& thread : session.threads) {
    ThreadWriter(session, thread, &frame_suffixes, &out).Run();
  }
  out.Append("\n],\"displayTimeUnit\":\"ns\",\"otherData\":{");
  out.Append("\"generator\":\"libpyinstrument\",\"start_time_unix_ns\":");
  out.AppendInt(session.start_time_unix_ns);
  out.Append(",\"duration_ns\":");
  out.AppendInt(session.duration_ns);
  out.Append(",\"interval_ns\":");
  out.AppendInt(session.interval_ns);
  out.Append("}}\n");
  return out.Flush();
}

}  // namespace pyi
