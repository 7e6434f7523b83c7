#include "lib/session/combine.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/base/status.h"

namespace pyi {
namespace {

// Collects distinct non-empty strings in first-seen order.
class DistinctList {
 public:
  void Add(const std::string& text) {
    if (!text.empty() && seen_.insert(text).second) items_.push_back(text);
  }
  const std::vector<std::string>& items() const { return items_; }

 private:
  absl::flat_hash_set<std::string> seen_;
  std::vector<std::string> items_;
};

absl::Status Overflow(absl::string_view what) {
  return ArgumentError(
      absl::StrCat("cannot combine: the sessions' ", what,
                   " add up past the largest representable time"));
}

// floor(a / b) and a - b * floor(a / b) for b > 0, also for negative a.
int64_t FloorMod(int64_t a, int64_t b) {
  const int64_t mod = a % b;
  return mod < 0 ? mod + b : mod;
}

}  // namespace

absl::StatusOr<ValidSession> CombineSessions(
    absl::Span<const Session> sessions) {
  std::vector<const Session*> pointers;
  pointers.reserve(sessions.size());
  for (const Session& session : sessions) pointers.push_back(&session);
  return CombineSessions(absl::MakeConstSpan(pointers));
}

absl::StatusOr<ValidSession> CombineSessions(
    absl::Span<const Session* const> sessions) {
  if (sessions.empty()) {
    return ArgumentError("cannot combine: no sessions given");
  }
  for (size_t i = 0; i < sessions.size(); ++i) {
    if (sessions[i] == nullptr) {
      return ArgumentError(
          absl::StrCat("cannot combine: session ", i, " is null"));
    }
    PYI_RETURN_IF_ERROR(ValidateSession(*sessions[i]));
    if (sessions[i]->clock != sessions[0]->clock) {
      return ArgumentError(
          "cannot combine sessions timed with different clocks");
    }
  }
  std::vector<const Session*> ordered(sessions.begin(), sessions.end());
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const Session* a, const Session* b) {
                     return a->start_time_unix_ns < b->start_time_unix_ns;
                   });

  Session combined;
  const Session& first = *ordered.front();
  combined.start_time_unix_ns = first.start_time_unix_ns;
  combined.clock = first.clock;
  combined.library_version = first.library_version;
  combined.interval_ns = 0;
  combined.timing_ticks = uint64_t{0};
  SessionBuilder builder(&combined);
  DistinctList targets, programs, roots;
  // (id, name) -> index into combined.threads.
  absl::flat_hash_map<std::pair<uint64_t, std::string>, size_t> thread_index;

  for (const Session* session : ordered) {
    if (__builtin_add_overflow(combined.duration_ns, session->duration_ns,
                               &combined.duration_ns)) {
      return Overflow("durations");
    }
    if (__builtin_add_overflow(combined.cpu_time_ns, session->cpu_time_ns,
                               &combined.cpu_time_ns)) {
      return Overflow("CPU times");
    }
    combined.interval_ns = std::max(combined.interval_ns, session->interval_ns);
    if (combined.timing_ticks.has_value() && session->timing_ticks.has_value()) {
      if (__builtin_add_overflow(*combined.timing_ticks,
                                 *session->timing_ticks,
                                 &*combined.timing_ticks)) {
        return Overflow("timing ticks");
      }
    } else {
      combined.timing_ticks.reset();
    }
    targets.Add(session->target_description);
    programs.Add(session->program);
    for (const std::string& root : session->library_roots) roots.Add(root);

    std::vector<uint32_t> frame_map(session->frames.size());
    for (size_t f = 0; f < session->frames.size(); ++f) {
      const FrameInfo& info = session->frames[f];
      frame_map[f] = builder.InternFrame(
          session->String(info.function), session->String(info.file),
          info.line, session->String(info.module), info.flags);
    }

    int64_t session_offset = 0;  // this session's start in combined time
    if (__builtin_sub_overflow(session->start_time_unix_ns,
                               combined.start_time_unix_ns, &session_offset)) {
      return Overflow("start times");
    }
    for (const ThreadSamples& thread : session->threads) {
      const auto key = std::make_pair(thread.id, thread.name);
      auto [it, inserted] =
          thread_index.try_emplace(key, combined.threads.size());
      if (inserted) {
        ThreadSamples& added = builder.AddThread(thread.id, thread.name);
        if (__builtin_add_overflow(session_offset, thread.start_offset_ns,
                                   &added.start_offset_ns)) {
          return Overflow("start times");
        }
      }
      ThreadSamples& target = combined.threads[it->second];
      target.dropped_samples += thread.dropped_samples;
      target.unbalanced_exits += thread.unbalanced_exits;
      // Parents come before children, so each parent is mapped already.
      std::vector<uint32_t> node_map(thread.nodes.size(), kEmptyStackNode);
      for (size_t n = 1; n < thread.nodes.size(); ++n) {
        const StackNode& node = thread.nodes[n];
        node_map[n] = builder.InternChild(target, node_map[node.parent],
                                          frame_map[node.frame]);
      }
      target.sample_nodes.reserve(target.sample_nodes.size() +
                                  thread.sample_nodes.size());
      target.sample_durations_ns.reserve(target.sample_durations_ns.size() +
                                         thread.sample_durations_ns.size());
      for (size_t s = 0; s < thread.sample_nodes.size(); ++s) {
        target.sample_nodes.push_back(node_map[thread.sample_nodes[s]]);
        target.sample_durations_ns.push_back(thread.sample_durations_ns[s]);
      }
    }
  }
  combined.target_description = absl::StrJoin(targets.items(), "; ");
  combined.program = absl::StrJoin(programs.items(), "; ");
  combined.library_roots = roots.items();

  // Merged threads may now overflow their time sums; say so rather than hand
  // out a session every later stage would refuse.
  absl::StatusOr<ValidSession> valid = ValidSession::Check(std::move(combined));
  if (!valid.ok()) {
    return ArgumentError(
        absl::StrCat("cannot combine: ", valid.status().message()));
  }
  return valid;
}

absl::StatusOr<ValidSession> ResampleSession(const Session& session,
                                             int64_t new_interval_ns) {
  if (new_interval_ns <= 0 || new_interval_ns <= session.interval_ns) {
    return ArgumentError(absl::StrCat(
        "cannot resample to an interval of ", new_interval_ns,
        " ns: it must be coarser than the session's ", session.interval_ns,
        " ns"));
  }
  PYI_RETURN_IF_ERROR(ValidateSession(session));
  const int64_t bucket = new_interval_ns;
  Session out = session;
  out.interval_ns = bucket;
  for (ThreadSamples& thread : out.threads) {
    std::vector<uint32_t> nodes;
    std::vector<int64_t> durations;
    // The current bucket's stacks with their time, in the order reached;
    // `slot` finds a stack's entry.
    std::vector<std::pair<uint32_t, int64_t>> times;
    absl::flat_hash_map<uint32_t, size_t> slot;
    int64_t bucket_time = 0;
    const auto add = [&](uint32_t node, int64_t ns) {
      auto [it, inserted] = slot.try_emplace(node, times.size());
      if (inserted) times.emplace_back(node, 0);
      times[it->second].second += ns;
      bucket_time += ns;
    };
    const auto flush = [&] {
      if (bucket_time == 0) return;
      size_t best = 0;
      for (size_t i = 1; i < times.size(); ++i) {
        if (times[i].second > times[best].second) best = i;
      }
      nodes.push_back(times[best].first);
      durations.push_back(bucket_time);
      times.clear();
      slot.clear();
      bucket_time = 0;
    };

    // `t` never passes the thread's end time, which ValidateSession proved
    // representable.
    int64_t t = thread.start_offset_ns;
    for (size_t s = 0; s < thread.sample_nodes.size(); ++s) {
      const uint32_t node = thread.sample_nodes[s];
      int64_t left = thread.sample_durations_ns[s];
      while (left > 0) {
        const int64_t room = bucket - FloorMod(t, bucket);
        if (left < room) {
          add(node, left);
          t += left;
          break;
        }
        add(node, room);
        flush();
        t += room;
        left -= room;
        const int64_t whole = left / bucket;
        if (whole > 0) {
          nodes.push_back(node);
          durations.push_back(whole * bucket);
          t += whole * bucket;
          left -= whole * bucket;
        }
      }
    }
    flush();
    thread.sample_nodes = std::move(nodes);
    thread.sample_durations_ns = std::move(durations);
  }
  // Totals, offsets and tries are kept, so this holds; checking it is what
  // makes the result a ValidSession.
  return ValidSession::Check(std::move(out));
}

}  // namespace pyi
