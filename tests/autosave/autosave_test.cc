// Autosave (lib/autosave): chunks appended while a session runs load back
// (ParseSession/LoadSession) into the session StopRecorder() returns; a
// truncated last chunk is dropped with the rest loaded; garbage is refused.

#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "lib/autosave/autosave.h"
#include "lib/base/status.h"
#include "lib/collect/frame_registry.h"
#include "lib/collect/hot_path.h"
#include "lib/collect/recorder.h"
#include "lib/session/session.h"
#include "lib/session/session_io.h"
#include "tests/collect/collect_test_util.h"
#include "tests/util/files.h"

namespace pyi {
namespace {

using ::pyi_testing::ReadFile;
using ::pyi_testing::TempPath;

using collect_testing::fake_now_ns;
using collect_testing::FakeClockOptions;
using collect_testing::Frame;
using collect_testing::kMs;
using collect_testing::Samples;
using internal::FrameEnter;
using internal::FrameExit;

constexpr int64_t kHour = int64_t{3600} * 1'000'000'000;

// Runs a fake-clock session that flushes three times mid-run; returns the
// session Stop() gave, and leaves the autosave file at `path`.
Session RecordWithChunks(const std::string& path, int* chunks_flushed) {
  RecorderOptions options = FakeClockOptions();
  fake_now_ns = 0;
  auto recorder = Recorder::Start(options);
  EXPECT_TRUE(recorder.ok()) << recorder.status();
  auto autosave = Autosave::Start(recorder->get(), path, kHour);
  EXPECT_TRUE(autosave.ok()) << autosave.status();
  const uint32_t outer = Frame("outer");
  const uint32_t inner = Frame("inner");
  *chunks_flushed = 0;
  for (int round = 0; round < 3; ++round) {
    FrameEnter(outer);
    fake_now_ns += 2 * kMs;
    FrameEnter(inner);
    fake_now_ns += 3 * kMs;
    FrameExit(inner);
    fake_now_ns += kMs;
    FrameExit(outer);
    fake_now_ns += kMs;
    EXPECT_TRUE((*autosave)->FlushForTesting().ok());
    ++*chunks_flushed;
  }
  FrameEnter(outer);
  fake_now_ns += 4 * kMs;
  FrameExit(outer);
  fake_now_ns += kMs;
  absl::StatusOr<Session> session = (*autosave)->StopRecorder();  // last chunk
  EXPECT_TRUE(session.ok()) << session.status();
  ++*chunks_flushed;
  return *session;
}

const ThreadSamples* WithSamples(const Session& session) {
  for (const ThreadSamples& thread : session.threads) {
    if (!thread.sample_nodes.empty()) return &thread;
  }
  return nullptr;
}

TEST(AutosaveTest, ChunksCombineIntoTheStoppedSession) {
  const std::string path = TempPath("chunks.pyiauto");
  int chunks = 0;
  const Session stopped = RecordWithChunks(path, &chunks);
  const std::string bytes = ReadFile(path);
  ASSERT_TRUE(absl::StartsWith(bytes, kAutosaveChunkMagic));

  AutosaveLoadInfo info;
  absl::StatusOr<Session> loaded = ParseAutosave(bytes, &info);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(info.chunks, static_cast<size_t>(chunks));
  EXPECT_FALSE(info.tail_dropped);

  const ThreadSamples* want = WithSamples(stopped);
  const ThreadSamples* got = WithSamples(*loaded);
  ASSERT_NE(want, nullptr);
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->id, want->id);
  EXPECT_EQ(Samples(*loaded, *got), Samples(stopped, *want));
  EXPECT_EQ(got->TotalDurationNs(), want->TotalDurationNs());
  EXPECT_EQ(got->TotalDurationNs(), 26 * kMs);
  EXPECT_EQ(loaded->SampleCount(), stopped.SampleCount());
  EXPECT_EQ(loaded->duration_ns, stopped.duration_ns);
  EXPECT_EQ(loaded->target_description, stopped.target_description);
  // Every-event gating: no timing thread, so no tick count anywhere.
  EXPECT_FALSE(stopped.timing_ticks.has_value());
  EXPECT_FALSE(loaded->timing_ticks.has_value());

  // LoadSession (what pyi_session_load and the pyi tool use) reads it too.
  absl::StatusOr<Session> via_load = LoadSession(path);
  ASSERT_TRUE(via_load.ok()) << via_load.status();
  EXPECT_EQ(via_load->SampleCount(), stopped.SampleCount());
}

// With a timing thread, each chunk counts the ticks of its own span, and the
// final chunk ends where Stop() did: the loaded file has the session's count.
TEST(AutosaveTest, ChunksCarryTheTimingThreadsTicks) {
  const std::string path = TempPath("ticks.pyiauto");
  RecorderOptions options;
  options.interval_ns = kMs;  // a real timing thread, real clock
  auto recorder = Recorder::Start(options);
  ASSERT_TRUE(recorder.ok()) << recorder.status();
  auto autosave = Autosave::Start(recorder->get(), path, kHour);
  ASSERT_TRUE(autosave.ok()) << autosave.status();
  const uint32_t frame = Frame("ticking");
  for (int chunk = 0; chunk < 3; ++chunk) {
    FrameEnter(frame);
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    FrameExit(frame);
    ASSERT_TRUE((*autosave)->FlushForTesting().ok());
  }
  absl::StatusOr<Session> stopped = (*autosave)->StopRecorder();
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  ASSERT_TRUE(stopped->timing_ticks.has_value());

  AutosaveLoadInfo info;
  absl::StatusOr<Session> loaded = ParseAutosave(ReadFile(path), &info);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(info.chunks, 4u);
  EXPECT_EQ(loaded->timing_ticks, stopped->timing_ticks);
}

TEST(AutosaveTest, TruncatedLastChunkIsDroppedAndTheRestLoaded) {
  const std::string path = TempPath("truncated.pyiauto");
  int chunks = 0;
  RecordWithChunks(path, &chunks);
  std::string bytes = ReadFile(path);
  // Find the start of the last chunk and cut it in half.
  const size_t last = bytes.rfind(std::string(kAutosaveChunkMagic));
  ASSERT_NE(last, std::string::npos);
  ASSERT_GT(last, 0u);
  const std::string whole_prefix = bytes.substr(0, last);
  bytes.resize(last + (bytes.size() - last) / 2);

  AutosaveLoadInfo info;
  absl::StatusOr<Session> loaded = ParseAutosave(bytes, &info);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(info.chunks, static_cast<size_t>(chunks - 1));
  EXPECT_TRUE(info.tail_dropped);
  EXPECT_NE(loaded->target_description.find("damaged tail dropped"),
            std::string::npos);

  absl::StatusOr<Session> prefix = ParseSession(whole_prefix);
  ASSERT_TRUE(prefix.ok()) << prefix.status();
  EXPECT_EQ(loaded->SampleCount(), prefix->SampleCount());
  // The idle 1 ms before each flush is sampled at the next event.
  EXPECT_EQ(WithSamples(*loaded)->TotalDurationNs(), 20 * kMs);

  // A flipped byte inside the last chunk: its checksum catches it.
  std::string flipped = ReadFile(path);
  flipped[flipped.size() - 10] ^= 0x55;
  loaded = ParseSession(flipped);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->SampleCount(), prefix->SampleCount());
}

TEST(AutosaveTest, GarbageIsRefused) {
  // Not ours at all.
  absl::StatusOr<Session> loaded = ParseSession("hello, world");
  EXPECT_TRUE(IsNotOurFormat(loaded.status())) << loaded.status();
  // Our chunk magic but nothing readable: damaged.
  loaded = ParseSession(std::string("PYICHUNK") + std::string(8, '\xff'));
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kDataLoss)
      << loaded.status();
  loaded = ParseSession(std::string("PYICHUNK\x04") + std::string(7, '\0') +
                        "junk");
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kDataLoss)
      << loaded.status();
  loaded = ParseSession("PYICHUNK");
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kDataLoss);
  // A chunk inside a chunk is refused, not recursed into.
  std::string nested = "PYICHUNK";
  nested += std::string("\x10", 1) + std::string(7, '\0');
  nested += std::string("PYICHUNK") + std::string(8, '\0');
  loaded = ParseSession(nested);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kDataLoss);
}

TEST(AutosaveTest, Errors) {
  RecorderOptions options;
  options.interval_ns = kMs;
  auto recorder = Recorder::Start(options);
  ASSERT_TRUE(recorder.ok());
  EXPECT_EQ(ErrorKindOf(
                Autosave::Start(recorder->get(), "/nonexistent-dir/x", kMs)
                    .status()),
            ErrorKind::kIo);
  EXPECT_EQ(Autosave::Start(recorder->get(), TempPath("e"), 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto autosave = Autosave::Start(recorder->get(), TempPath("e"), kMs);
  ASSERT_TRUE(autosave.ok());
  EXPECT_TRUE((*autosave)->Close().ok());  // off
  EXPECT_EQ((*autosave)->FlushForTesting().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE((*recorder)->Stop().ok());
  EXPECT_EQ(
      Autosave::Start(recorder->get(), TempPath("e"), kMs).status().code(),
      absl::StatusCode::kFailedPrecondition);
}

// The autosave thread flushing while threads record (TSan's case).
TEST(AutosaveTest, FlushesWhileThreadsRecord) {
  const std::string path = TempPath("threads.pyiauto");
  RecorderOptions options;
  options.interval_ns = 100'000;
  auto recorder = Recorder::Start(options);
  ASSERT_TRUE(recorder.ok());
  auto autosave = Autosave::Start(recorder->get(), path, 2 * kMs);
  ASSERT_TRUE(autosave.ok());
  const uint32_t work = Frame("work");
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      while (!stop.load()) {
        FrameEnter(work);
        FrameExit(work);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  absl::StatusOr<Session> stopped = (*autosave)->StopRecorder();
  stop = true;
  for (std::thread& thread : threads) thread.join();
  ASSERT_TRUE(stopped.ok());
  AutosaveLoadInfo info;
  absl::StatusOr<Session> loaded = ParseAutosave(ReadFile(path), &info);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_GE(info.chunks, 2u);
  EXPECT_FALSE(info.tail_dropped);
  EXPECT_EQ(loaded->SampleCount(), stopped->SampleCount());
}

}  // namespace
}  // namespace pyi
