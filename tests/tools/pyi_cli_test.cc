// Runs the built `pyi` binary: exit codes, stderr text and outputs.

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/session/session.h"
#include "lib/session/session_io.h"

namespace pyi {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Result RunPyi(const std::string& arguments) {
  const std::string out = TempPath("stdout.txt");
  const std::string err = TempPath("stderr.txt");
  const std::string command =
      absl::StrCat("tools/pyi/pyi ", arguments, " >", out, " 2>", err);
  Result result;
  const int status = std::system(command.c_str());
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadFile(out);
  result.err = ReadFile(err);
  return result;
}

std::string WriteSampleSession() {
  Session session;
  session.start_time_unix_ns = 1'700'000'000'000'000'000;
  session.duration_ns = 30'000'000;
  session.cpu_time_ns = 25'000'000;
  session.target_description = "cli test target";
  session.library_version = "0.1.0";
  SessionBuilder builder(&session);
  const uint32_t main_frame = builder.InternFrame("main", "app.c", 1, "", 0);
  const uint32_t work = builder.InternFrame("crunch_numbers", "app.c", 9, "", 0);
  ThreadSamples& thread = builder.AddThread(77, "main");
  for (int i = 0; i < 20; ++i) builder.AddSample(thread, {main_frame, work}, 1'000'000);
  for (int i = 0; i < 10; ++i) builder.AddSample(thread, {main_frame}, 1'000'000);
  const std::string path = TempPath("sample.pb");
  EXPECT_TRUE(SaveSession(session, path).ok());
  return path;
}

TEST(PyiCliTest, RendersASession) {
  const std::string path = WriteSampleSession();
  Result result = RunPyi(absl::StrCat("render ", path));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("crunch_numbers"));
  EXPECT_THAT(result.out, HasSubstr("cli test target"));
  // Not a terminal: no color codes unless asked for.
  EXPECT_THAT(result.out, Not(HasSubstr("\x1b[")));
  EXPECT_EQ(result.err, "");
}

TEST(PyiCliTest, RenderWritesToOutputFile) {
  const std::string path = WriteSampleSession();
  const std::string report = TempPath("report.txt");
  Result result =
      RunPyi(absl::StrCat("render ", path, " --output=", report,
                          " --options=color=1"));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "");
  EXPECT_THAT(ReadFile(report), HasSubstr("crunch_numbers"));
  EXPECT_THAT(ReadFile(report), HasSubstr("\x1b["));
}

TEST(PyiCliTest, InfoListsMetadataAndThreads) {
  const std::string path = WriteSampleSession();
  Result result = RunPyi(absl::StrCat("info ", path));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("samples:           30\n"));
  EXPECT_THAT(result.out, HasSubstr("target:            cli test target\n"));
  EXPECT_THAT(result.out, HasSubstr("threads:           1\n"));
  EXPECT_THAT(result.out, HasSubstr("main"));
  EXPECT_THAT(result.out, HasSubstr("id 77"));
}

TEST(PyiCliTest, MissingFileIsOneClearLine) {
  Result result = RunPyi(absl::StrCat("render ", TempPath("missing.pb")));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("missing.pb"));
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1)
      << result.err;
}

TEST(PyiCliTest, CorruptAndForeignFilesAreRefused) {
  const std::string good = ReadFile(WriteSampleSession());
  const std::string truncated = TempPath("truncated.pb");
  std::ofstream(truncated, std::ios::binary)
      << good.substr(0, good.size() - 5);
  Result result = RunPyi(absl::StrCat("info ", truncated));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("truncated.pb"));

  const std::string foreign = TempPath("foreign.pb");
  std::ofstream(foreign) << "just some text\n";
  result = RunPyi(absl::StrCat("render ", foreign));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("foreign.pb"));
  EXPECT_THAT(result.err, HasSubstr("not a libpyinstrument session"));
}

TEST(PyiCliTest, BadUsageFails) {
  EXPECT_EQ(RunPyi("").exit_code, 2);
  Result unknown = RunPyi("frobnicate x.pb");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("unknown command 'frobnicate'"));
  Result no_file = RunPyi("render");
  EXPECT_NE(no_file.exit_code, 0);
  const std::string path = WriteSampleSession();
  Result bad_option =
      RunPyi(absl::StrCat("render ", path, " --options=bogus=1"));
  EXPECT_EQ(bad_option.exit_code, 1);
  EXPECT_THAT(bad_option.err, HasSubstr("bogus"));
  Result bad_renderer =
      RunPyi(absl::StrCat("render ", path, " --renderer=nope"));
  EXPECT_EQ(bad_renderer.exit_code, 1);
  EXPECT_THAT(bad_renderer.err, HasSubstr("nope"));
  Result help = RunPyi("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("pyi render"));
}

}  // namespace
}  // namespace pyi
