// Bad paths for every `pyi` subcommand: every input position given a
// missing file, an empty file, a directory and an unreadable file, and every
// output given a directory, a path in a missing directory and a location the
// user may not write. Each must exit non-zero with exactly one stderr line
// `pyi: ...` that names the path, print nothing on stdout and leave no
// partial file behind.
//
// Tests run as root, who reads and writes anything, so the permission cases
// run a copy of pyi as uid 65534 (setpriv, util-linux) from a private
// directory under /tmp: the test's own TEST_TMPDIR lies under root's home,
// which that user cannot reach.

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/session/session.h"
#include "lib/session/session_io.h"
#include "tests/util/files.h"

namespace pyi {
namespace {

using ::pyi_testing::ReadFile;
using ::pyi_testing::TempPath;

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int64_t kMs = 1'000'000;
constexpr char kNobody[] = "65534";

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

bool Exists(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0;
}

bool IsDirectory(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

// The names in `directory` (empty if it does not exist).
std::set<std::string> Listing(const std::string& directory) {
  std::set<std::string> names;
  DIR* dir = opendir(directory.c_str());
  if (dir == nullptr) return names;
  while (dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.insert(name);
  }
  closedir(dir);
  return names;
}

// Runs `binary` with `arguments` (shell syntax), as `uid` when given.
Result RunPyi(const std::string& binary, const std::string& arguments,
           const std::string& uid = "") {
  const std::string out = TempPath("bad_paths_stdout.txt");
  const std::string err = TempPath("bad_paths_stderr.txt");
  std::string command = absl::StrCat(binary, " ", arguments);
  if (!uid.empty()) {
    command = absl::StrCat("setpriv --reuid=", uid, " --regid=", uid,
                           " --clear-groups ", command);
  }
  command = absl::StrCat(command, " >", out, " 2>", err, " </dev/null");
  std::remove(out.c_str());
  std::remove(err.c_str());
  Result result;
  const int status = std::system(command.c_str());
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadFile(out);
  result.err = ReadFile(err);
  return result;
}

void ExpectFailureNaming(const Result& result, const std::string& path) {
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.err, StartsWith("pyi: "));
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1)
      << result.err;
  EXPECT_EQ(result.err.back(), '\n');
  EXPECT_THAT(result.err, HasSubstr(path));
  EXPECT_EQ(result.out, "");
}

Session SampleSession() {
  Session session;
  session.start_time_unix_ns = 1'700'000'000'000'000'000;
  session.duration_ns = 30 * kMs;
  session.cpu_time_ns = 25 * kMs;
  session.interval_ns = kMs;
  session.target_description = "bad paths";
  session.library_version = "0.1.0";
  SessionBuilder builder(&session);
  const uint32_t main_frame = builder.InternFrame("main", "app.c", 1, "", 0);
  const uint32_t work = builder.InternFrame("work", "app.c", 9, "", 0);
  ThreadSamples& thread = builder.AddThread(77, "main");
  for (int i = 0; i < 20; ++i) {
    builder.AddSample(thread, {main_frame, work}, 1 * kMs);
  }
  for (int i = 0; i < 10; ++i) builder.AddSample(thread, {main_frame}, 1 * kMs);
  return session;
}

// A command with {IN}, {GOOD} and {OUT} placeholders.
struct Command {
  std::string name;
  std::string arguments;
  std::string output_name;  // the file {OUT} names inside the output dir
};

// Every input position of every subcommand; {OUT} is a fresh path in a
// writable directory, so only the input can be at fault.
const std::vector<Command>& InputCommands() {
  static const auto* commands = new std::vector<Command>{
      {"render", "render {IN} -o {OUT}", "render.txt"},
      {"render to stdout", "render {IN}", ""},
      {"info", "info {IN}", ""},
      {"convert", "convert {IN} -o {OUT}", "convert.speedscope.json"},
      {"combine first", "combine {IN} {GOOD} -o {OUT}", "combine.pb"},
      {"combine second", "combine {GOOD} {IN} -o {OUT}", "combine.pb"},
      {"resample", "resample {IN} --interval 0.01 -o {OUT}", "resample.pb"},
  };
  return *commands;
}

// Every subcommand that writes a file; {OUT} is the bad output path.
const std::vector<Command>& OutputCommands() {
  static const auto* commands = new std::vector<Command>{
      {"render", "render {GOOD} -o {OUT}", ""},
      {"render json", "render {GOOD} -r json -o {OUT}", ""},
      {"convert", "convert {GOOD} --to speedscope -o {OUT}", ""},
      {"convert session", "convert {GOOD} --to session -o {OUT}", ""},
      {"combine", "combine {GOOD} {GOOD} -o {OUT}", ""},
      {"resample", "resample {GOOD} --interval 0.01 -o {OUT}", ""},
  };
  return *commands;
}

std::string Fill(const std::string& arguments, const std::string& in,
                 const std::string& good, const std::string& out) {
  return absl::StrReplaceAll(arguments,
                             {{"{IN}", in}, {"{GOOD}", good}, {"{OUT}", out}});
}

class PyiBadPathsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = TempPath("bad_paths");
    ASSERT_EQ(std::system(absl::StrCat("rm -rf ", root_).c_str()), 0);
    ASSERT_EQ(mkdir(root_.c_str(), 0755), 0);
    good_ = absl::StrCat(root_, "/good.pb");
    ASSERT_TRUE(SaveSession(SampleSession(), good_).ok());
    empty_ = absl::StrCat(root_, "/empty.pb");
    std::ofstream(empty_).close();
    directory_ = absl::StrCat(root_, "/a_directory.pb");
    ASSERT_EQ(mkdir(directory_.c_str(), 0755), 0);
    missing_ = absl::StrCat(root_, "/missing.pb");
    out_dir_ = absl::StrCat(root_, "/out");
    ASSERT_EQ(mkdir(out_dir_.c_str(), 0755), 0);
  }

  // Runs `command` with `in` as the bad input and checks the failure.
  void ExpectInputFails(const std::string& binary, const Command& command,
                        const std::string& in, const std::string& good,
                        const std::string& out_dir,
                        const std::string& uid = "") {
    SCOPED_TRACE(absl::StrCat(command.name, " with ", in));
    const std::string out = absl::StrCat(out_dir, "/", command.output_name);
    const Result result =
        RunPyi(binary, Fill(command.arguments, in, good, out), uid);
    ExpectFailureNaming(result, in);
    EXPECT_EQ(Listing(out_dir), std::set<std::string>()) << "partial output";
  }

  // Runs `command` with `out` as the bad output and checks the failure;
  // `parent` is the directory the output would have gone to.
  void ExpectOutputFails(const std::string& binary, const Command& command,
                         const std::string& good, const std::string& out,
                         const std::string& parent,
                         const std::string& uid = "") {
    SCOPED_TRACE(absl::StrCat(command.name, " to ", out));
    const std::set<std::string> before = Listing(parent);
    const Result result =
        RunPyi(binary, Fill(command.arguments, "", good, out), uid);
    ExpectFailureNaming(result, out);
    EXPECT_EQ(Listing(parent), before) << "partial output";
  }

  std::string root_, good_, empty_, directory_, missing_, out_dir_;
};

const char kPyi[] = "tools/pyi/pyi";

TEST_F(PyiBadPathsTest, MissingInput) {
  for (const Command& command : InputCommands()) {
    ExpectInputFails(kPyi, command, missing_, good_, out_dir_);
  }
}

TEST_F(PyiBadPathsTest, InputInMissingDirectory) {
  const std::string path = absl::StrCat(root_, "/no/such/dir/x.pb");
  for (const Command& command : InputCommands()) {
    ExpectInputFails(kPyi, command, path, good_, out_dir_);
  }
}

TEST_F(PyiBadPathsTest, EmptyInput) {
  for (const Command& command : InputCommands()) {
    ExpectInputFails(kPyi, command, empty_, good_, out_dir_);
  }
}

TEST_F(PyiBadPathsTest, DirectoryAsInput) {
  for (const Command& command : InputCommands()) {
    ExpectInputFails(kPyi, command, directory_, good_, out_dir_);
  }
}

TEST_F(PyiBadPathsTest, DirectoryAsOutput) {
  for (const Command& command : OutputCommands()) {
    ExpectOutputFails(kPyi, command, good_, directory_, directory_);
    EXPECT_TRUE(IsDirectory(directory_));
    EXPECT_EQ(Listing(root_).count("a_directory.pb"), 1u);
  }
}

TEST_F(PyiBadPathsTest, OutputInMissingDirectory) {
  const std::string path = absl::StrCat(root_, "/no/such/dir/out.pb");
  for (const Command& command : OutputCommands()) {
    ExpectOutputFails(kPyi, command, good_, path, root_);
    EXPECT_FALSE(Exists(absl::StrCat(root_, "/no")));
  }
}

// The cases only permissions can make: a copy of pyi run as uid 65534.
class PyiPermissionsTest : public PyiBadPathsTest {
 protected:
  void SetUp() override {
    PyiBadPathsTest::SetUp();
    if (geteuid() != 0) GTEST_SKIP() << "needs root to switch users";
    // util-linux is essential on Debian: a missing setpriv is a broken
    // machine, not a reason to skip the permission checks.
    ASSERT_EQ(std::system("setpriv --version >/dev/null 2>&1"), 0)
        << "setpriv (util-linux) is missing";
    char name[] = "/tmp/pyi_bad_paths.XXXXXX";
    ASSERT_NE(mkdtemp(name), nullptr);
    private_ = name;
    // Root-owned and not writable by others: the unwritable location.
    ASSERT_EQ(chmod(private_.c_str(), 0755), 0);
    binary_ = absl::StrCat(private_, "/pyi");
    ASSERT_EQ(std::system(absl::StrCat("cp ", kPyi, " ", binary_).c_str()), 0);
    ASSERT_EQ(chmod(binary_.c_str(), 0755), 0);
    readable_ = absl::StrCat(private_, "/readable.pb");
    ASSERT_TRUE(SaveSession(SampleSession(), readable_).ok());
    ASSERT_EQ(chmod(readable_.c_str(), 0644), 0);
    unreadable_ = absl::StrCat(private_, "/unreadable.pb");
    ASSERT_TRUE(SaveSession(SampleSession(), unreadable_).ok());
    ASSERT_EQ(chmod(unreadable_.c_str(), 0000), 0);
    writable_ = absl::StrCat(private_, "/writable");
    ASSERT_EQ(mkdir(writable_.c_str(), 0777), 0);
    ASSERT_EQ(chmod(writable_.c_str(), 0777), 0);
    readonly_file_ = absl::StrCat(private_, "/readonly.out");
    std::ofstream(readonly_file_) << "keep me";
    ASSERT_EQ(chmod(readonly_file_.c_str(), 0644), 0);
    // The user can run the copy and read the readable input.
    const Result probe =
        RunPyi(binary_, absl::StrCat("info ", readable_), kNobody);
    ASSERT_EQ(probe.exit_code, 0) << probe.err;
  }

  void TearDown() override {
    if (!private_.empty()) {
      std::system(absl::StrCat("rm -rf ", private_).c_str());
    }
  }

  std::string private_, binary_, readable_, unreadable_, writable_,
      readonly_file_;
};

TEST_F(PyiPermissionsTest, UnreadableInput) {
  for (const Command& command : InputCommands()) {
    ExpectInputFails(binary_, command, unreadable_, readable_, writable_,
                     kNobody);
  }
}

TEST_F(PyiPermissionsTest, OutputInUnwritableDirectory) {
  const std::string path = absl::StrCat(private_, "/out.pb");
  for (const Command& command : OutputCommands()) {
    ExpectOutputFails(binary_, command, readable_, path, private_, kNobody);
  }
}

TEST_F(PyiPermissionsTest, UnwritableExistingOutput) {
  for (const Command& command : OutputCommands()) {
    ExpectOutputFails(binary_, command, readable_, readonly_file_, private_,
                      kNobody);
    EXPECT_EQ(ReadFile(readonly_file_), "keep me");
  }
}

}  // namespace
}  // namespace pyi
