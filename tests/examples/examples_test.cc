// Builds and runs the example hosts: each must profile itself, print a
// report with the threads it runs, and write loadable sessions.

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pyinstrument/pyinstrument.h"
#include "tests/util/files.h"

namespace {

using ::pyi_testing::ReadFile;
using ::pyi_testing::TempPath;

using ::testing::HasSubstr;

int RunCommand(const std::string& command, std::string* output) {
  const std::string out = TempPath("example_output.txt");
  const int status = std::system(absl::StrCat(command, " >", out, " 2>&1").c_str());
  *output = ReadFile(out);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

pyi_session_stats LoadStats(const std::string& path) {
  pyi_session_stats stats = {};
  stats.struct_size = sizeof(stats);
  pyi_session* session = nullptr;
  EXPECT_EQ(pyi_session_load(path.c_str(), &session), PYI_OK)
      << path << ": " << pyi_last_error();
  if (session != nullptr) {
    EXPECT_EQ(pyi_session_get_stats(session, &stats), PYI_OK);
  }
  pyi_session_free(session);
  return stats;
}

TEST(ExamplesTest, CHostProfilesItself) {
  const std::string pb = TempPath("c_host.pb");
  std::string output;
  ASSERT_EQ(RunCommand(absl::StrCat("examples/c_host/c_host ", pb), &output), 0)
      << output;
  EXPECT_THAT(output, HasSubstr("Thread main"));
  EXPECT_THAT(output, HasSubstr("Thread compressor"));
  EXPECT_THAT(output, HasSubstr("render_frame"));
  EXPECT_THAT(output, HasSubstr("build_quadtree"));
  const pyi_session_stats stats = LoadStats(pb);
  EXPECT_EQ(stats.thread_count, 2u);
  EXPECT_GT(stats.sample_count, 100u);
  EXPECT_EQ(stats.unbalanced_exits, 0u);
}

TEST(ExamplesTest, CHostLinkedStaticallyProfilesItself) {
  const std::string pb = TempPath("c_host_static.pb");
  std::string output;
  ASSERT_EQ(RunCommand(absl::StrCat("examples/c_host/c_host_static ", pb), &output),
            0)
      << output;
  EXPECT_THAT(output, HasSubstr("Thread compressor"));
  EXPECT_EQ(LoadStats(pb).thread_count, 2u);
}

TEST(ExamplesTest, GameLoopHasOneTreePerThread) {
  const std::string prefix = TempPath("game");
  std::string output;
  ASSERT_EQ(
      RunCommand(absl::StrCat("examples/game_loop/game_loop 20 ", prefix), &output), 0)
      << output;
  for (const char* thread :
       {"Thread main", "Thread worker-0", "Thread worker-1", "Thread worker-2"}) {
    EXPECT_THAT(output, HasSubstr(thread));
  }
  EXPECT_THAT(output, HasSubstr("game::RunFrame"));
  EXPECT_THAT(output, HasSubstr("game::World::PlanPath"));
  const pyi_session_stats stats = LoadStats(prefix + ".pb");
  EXPECT_EQ(stats.thread_count, 4u);
  EXPECT_EQ(stats.unbalanced_exits, 0u);
  const std::string html = ReadFile(prefix + ".html");
  EXPECT_THAT(html, HasSubstr("<html"));
  EXPECT_THAT(html, HasSubstr("pyi-session"));
}

}  // namespace
