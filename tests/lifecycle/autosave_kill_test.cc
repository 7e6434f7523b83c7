// Crash-safe sessions: a host autosaving every 50 ms is killed with SIGKILL
// mid-run; what it flushed loads through the C ABI (a damaged last chunk is
// dropped) and covers the run up to about two intervals, and `pyi info`
// reads the file.

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "pyinstrument/pyinstrument.h"

namespace {

constexpr char kHost[] = "tests/lifecycle/autosave_host";
constexpr char kPyi[] = "tools/pyi/pyi";
constexpr int64_t kIntervalNs = 50'000'000;

std::string OutPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

int64_t MonotonicNs() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

TEST(AutosaveKillTest, SigkilledHostLeavesALoadableSession) {
  const std::string path = OutPath("killed.pyiauto");
  int ready_pipe[2];
  ASSERT_EQ(pipe(ready_pipe), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    dup2(ready_pipe[1], 1);
    close(ready_pipe[0]);
    execl(kHost, kHost, path.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(ready_pipe[1]);
  char line[16] = {};
  ASSERT_GT(read(ready_pipe[0], line, sizeof(line) - 1), 0)
      << "the host did not start";
  close(ready_pipe[0]);
  // The host started its session before it wrote "ready".
  const int64_t started = MonotonicNs();
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  const int64_t elapsed = MonotonicNs() - started;
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the host exited: " << status;
  ASSERT_EQ(WTERMSIG(status), SIGKILL);

  pyi_session* session = nullptr;
  ASSERT_EQ(pyi_session_load(path.c_str(), &session), PYI_OK)
      << pyi_last_error();
  pyi_session_stats stats = {};
  stats.struct_size = sizeof(stats);
  ASSERT_EQ(pyi_session_get_stats(session, &stats), PYI_OK);
  EXPECT_GT(stats.sample_count, 0u);
  EXPECT_GE(stats.thread_count, 1u);
  // The working (main) thread's time: the session's recorded duration is
  // the sum of the flushed intervals; the samples account for it.
  pyi_buffer json = {};
  ASSERT_EQ(pyi_session_export(session, "collapsed", &json), PYI_OK);
  int64_t sampled_ns = 0;
  {
    const std::string text(json.data, json.size);
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      const std::string row = text.substr(start, end - start);
      const size_t space = row.rfind(' ');
      if (space != std::string::npos) {
        sampled_ns += std::strtoll(row.c_str() + space + 1, nullptr, 10);
      }
      start = end + 1;
    }
  }
  pyi_buffer_free(&json);
  std::printf("recovered: %llu samples, duration %lld ms, collapsed total %lld "
              "of %lld ms elapsed\n",
              static_cast<unsigned long long>(stats.sample_count),
              static_cast<long long>(stats.duration_ns / 1'000'000),
              static_cast<long long>(sampled_ns),
              static_cast<long long>(elapsed / 1'000'000));
  EXPECT_GE(stats.duration_ns, elapsed - 2 * kIntervalNs);
  pyi_session_free(session);

  // `pyi info` reads it too.
  const std::string command =
      std::string(kPyi) + " info " + path + " > /dev/null";
  EXPECT_EQ(std::system(command.c_str()), 0);
}

}  // namespace
