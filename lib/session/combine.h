// Session operations: combining several sessions into one, and resampling a
// session to a coarser interval.
//
// Combining is pyinstrument's `Session.combine`: profiles of several runs (or
// of several processes of one job) become one report. Resampling shrinks a
// long, finely sampled session for storage or for a viewer, while keeping
// each thread's total time exact.
//
// Example:
//
//   std::vector<pyi::Session> runs = ...;  // e.g. loaded with LoadSession
//   absl::StatusOr<pyi::ValidSession> all = pyi::CombineSessions(runs);
//   if (!all.ok()) return all.status();
//   absl::StatusOr<pyi::ValidSession> coarse =
//       pyi::ResampleSession(*all, /*new_interval_ns=*/10'000'000);
//
// Both functions validate their inputs (ValidateSession) and return a new
// ValidSession; the inputs are not changed. Thread safety: thread-safe (no
// shared state).

#ifndef PYI_LIB_SESSION_COMBINE_H_
#define PYI_LIB_SESSION_COMBINE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/session/session.h"

namespace pyi {

// Combines `sessions` into one:
//   - sessions are taken in order of start time (stable for ties);
//     start_time is the earliest, duration and cpu_time are the sums (what
//     pyinstrument does: the combined profile accounts for every run's time,
//     not the wall-clock span, which may include gaps between runs);
//   - strings and frames are re-interned into fresh tables;
//   - threads with the same id AND name are merged: their stack tries are
//     merged and the later session's samples are appended after the earlier
//     one's, so samples stay in time order. The gap between the runs is not
//     kept (a sample records a duration, not a time), so the timeline of a
//     merged thread closes the gaps up. Counters (dropped samples,
//     unbalanced exits) are summed. Other threads are kept as they are, in
//     order of first appearance, with their start offsets moved to the
//     combined session's start;
//   - library roots are the union (first-seen order); target descriptions
//     and programs are the distinct non-empty ones joined with "; ";
//     library_version is the earliest session's;
//   - interval_ns is the largest: the combined session resolves time no
//     better than its coarsest part;
//   - timing_ticks is the sum when every session has it, else absent.
// Errors: absl::InvalidArgumentError for no sessions, sessions timed with
// different clocks (wall time and CPU time do not add up) or a combination
// whose times overflow int64; ValidateSession's error (absl::DataLossError)
// for a damaged input.
absl::StatusOr<ValidSession> CombineSessions(
    absl::Span<const Session> sessions);

// The same, for sessions that do not sit in one array (the C ABI's handles).
// No pointer may be null.
absl::StatusOr<ValidSession> CombineSessions(
    absl::Span<const Session* const> sessions);

// Resamples `session` to `new_interval_ns`, which must be coarser than
// session.interval_ns (otherwise absl::InvalidArgumentError).
//
// Time is cut into buckets of new_interval_ns aligned to the session's start
// (bucket k is [k * new, (k + 1) * new) on the session clock), so threads
// stay comparable. Each bucket a thread's samples reach becomes one sample
// whose stack is the stack that covered the most time inside the bucket
// (ties: the one reached first) and whose duration is the thread's time
// inside the bucket. A sample that covers several whole buckets on its own
// stays one sample of their combined length, so the result never has more
// samples than about twice the input, whatever the durations. Each thread's
// total time, start offset and stack trie are preserved exactly;
// interval_ns becomes new_interval_ns. Samples of zero duration vanish (they
// hold no time). ValidateSession's error for a damaged input.
absl::StatusOr<ValidSession> ResampleSession(const Session& session,
                                             int64_t new_interval_ns);

}  // namespace pyi

#endif  // PYI_LIB_SESSION_COMBINE_H_
