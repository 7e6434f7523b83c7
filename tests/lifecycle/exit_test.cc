// Runs exit_host (each way a profiling process can end) under a timeout and
// checks that it exits 0: no crash, no hang, no sanitizer report (the
// sanitizer builds exit non-zero on one).

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "pyinstrument/pyinstrument.h"

namespace {

constexpr char kHost[] = "tests/lifecycle/exit_host";

// Runs the host in `mode`; returns its wait status, or -1 if it had to be
// killed after `timeout`.
int RunHost(const std::string& mode, const std::string& out,
            std::chrono::seconds timeout = std::chrono::seconds(20)) {
  const pid_t child = fork();
  if (child == 0) {
    setenv("PYI_EXIT_HOST_MODE", mode.c_str(), 1);
    setenv("PYI_EXIT_HOST_OUT", out.c_str(), 1);
    execl(kHost, kHost, static_cast<char*>(nullptr));
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (waitpid(child, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(child, SIGKILL);
      waitpid(child, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status;
}

void ExpectCleanExit(int status) {
  ASSERT_NE(status, -1) << "the host hung";
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

std::string OutPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

TEST(ExitTest, StartBeforeMainStopInAtexitHandler) {
  const std::string out = OutPath("atexit.pb");
  ExpectCleanExit(RunHost("atexit", out));
  pyi_session* session = nullptr;
  ASSERT_EQ(pyi_session_load(out.c_str(), &session), PYI_OK)
      << pyi_last_error();
  pyi_session_stats stats = {};
  stats.struct_size = sizeof(stats);
  ASSERT_EQ(pyi_session_get_stats(session, &stats), PYI_OK);
  EXPECT_GT(stats.sample_count, 50u);  // 200 ms of work at 1 ms, two threads
  pyi_session_free(session);
}

TEST(ExitTest, MainReturnsWhileASessionRunsAndThreadsAreInFrames) {
  ExpectCleanExit(RunHost("return", OutPath("unused")));
}

TEST(ExitTest, MainCallsExitWhileASessionRuns) {
  ExpectCleanExit(RunHost("exit", OutPath("unused")));
}

TEST(ExitTest, AWorkerCallsExitWhileASessionRuns) {
  ExpectCleanExit(RunHost("worker_exit", OutPath("unused")));
}

TEST(ExitTest, RepeatedExitsWhileRunning) {
  // Exit races (a worker mid-sample, the timing thread mid-tick) are rare
  // per run: try a few.
  for (int i = 0; i < 10; ++i) {
    SCOPED_TRACE(i);
    ExpectCleanExit(RunHost(i % 2 == 0 ? "return" : "exit", OutPath("unused")));
  }
}

}  // namespace
