// A real reader of our pprof files: Go's own `go tool pprof`. It must read
// what WritePprof writes (-raw and -top exit 0), and the totals, per-sample
// values and function names it prints must be ours.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/output.h"
#include "lib/formats/pprof.h"
#include "lib/session/session.h"
#include "tests/util/files.h"
#include "tests/util/valid_session.h"

namespace pyi {
namespace {

using ::pyi_testing::Valid;

using ::pyi_testing::TempDir;

constexpr int64_t kMs = 1'000'000;
constexpr const char* kGo = "/usr/bin/go";

// Runs `go tool pprof <arguments>` with a private Go cache and home, offline.
pyi_testing::CommandResult GoPprof(const std::string& arguments) {
  const std::string dir = TempDir();
  return pyi_testing::RunCommand(absl::StrCat(
      "env HOME=", dir, " GOCACHE=", dir, "/gocache GOPATH=", dir,
      "/gopath GOFLAGS= GOPROXY=off GOTOOLCHAIN=local ", kGo,
      " tool pprof ", arguments, " 2>&1"));
}

// A session whose times print exactly in pprof's default units.
Session TestSession() {
  Session session;
  session.start_time_unix_ns = 1'700'000'000'000'000'000;
  session.duration_ns = 100 * kMs;
  session.interval_ns = kMs;
  session.program = "/usr/bin/host";
  SessionBuilder builder(&session);
  const uint32_t main_frame = builder.InternFrame("main", "app.c", 1, "", 0);
  const uint32_t parse = builder.InternFrame("parse_input", "parse.c", 10, "", 0);
  const uint32_t crunch =
      builder.InternFrame("crunch_numbers", "math.c", 40, "", 0);
  const uint32_t run = builder.InternFrame("run", "job.py", 5, "Job", 0);
  ThreadSamples& main_thread = builder.AddThread(11, "main");
  for (int i = 0; i < 30; ++i) {
    builder.AddSample(main_thread, {main_frame, crunch}, kMs);
  }
  for (int i = 0; i < 20; ++i) {
    builder.AddSample(main_thread, {main_frame, parse}, kMs);
  }
  for (int i = 0; i < 10; ++i) builder.AddSample(main_thread, {main_frame}, kMs);
  ThreadSamples& worker = builder.AddThread(12, "worker");
  for (int i = 0; i < 40; ++i) {
    builder.AddSample(worker, {run, crunch}, kMs);
  }
  return session;
}

std::string WriteProfile(const Session& session) {
  const std::string path = absl::StrCat(TempDir(), "/profile.pb.gz");
  absl::StatusOr<std::unique_ptr<AtomicFileOutput>> file =
      AtomicFileOutput::Create(path);
  EXPECT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE(WritePprof(Valid(session), **file).ok());
  EXPECT_TRUE((*file)->Commit().ok());
  return path;
}

// "30ms", "1.50s", "400us" -> nanoseconds.
double ParseDuration(absl::string_view text) {
  static const std::pair<const char*, double> kUnits[] = {
      {"ns", 1}, {"us", 1e3}, {"µs", 1e3}, {"ms", 1e6}, {"s", 1e9},
      {"mins", 60e9}, {"hrs", 3600e9}};
  for (const auto& unit : kUnits) {
    if (absl::ConsumeSuffix(&text, unit.first)) {
      double value = 0;
      if (!absl::SimpleAtod(text, &value)) return -1;
      return value * unit.second;
    }
  }
  double value = 0;
  return absl::SimpleAtod(text, &value) ? value : -1;
}

TEST(GoPprofTest, RawListsOurSamplesAndFunctions) {
  const Session session = TestSession();
  const std::string path = WriteProfile(session);
  const pyi_testing::CommandResult run = GoPprof(absl::StrCat("-symbolize=none -raw ", path));
  ASSERT_EQ(run.exit_code, 0) << run.out;
  EXPECT_THAT(run.out, ::testing::HasSubstr("PeriodType: wall nanoseconds"));
  EXPECT_THAT(run.out, ::testing::HasSubstr("samples/count wall/nanoseconds"));

  // Sample lines: "<count> <ns>: <location ids>"; label lines follow.
  int64_t count_total = 0, time_total = 0;
  std::set<std::string> threads;
  std::set<std::string> functions;
  bool in_samples = false, in_locations = false;
  for (absl::string_view line : absl::StrSplit(run.out, '\n')) {
    if (absl::StartsWith(line, "Samples:")) {
      in_samples = true;
      continue;
    }
    if (absl::StartsWith(line, "Locations")) {
      in_samples = false;
      in_locations = true;
      continue;
    }
    if (absl::StartsWith(line, "Mappings")) in_locations = false;
    const absl::string_view stripped = absl::StripAsciiWhitespace(line);
    if (in_samples) {
      if (absl::StartsWith(stripped, "thread:[")) {
        threads.insert(std::string(stripped));
        continue;
      }
      std::vector<absl::string_view> head = absl::StrSplit(stripped, ':');
      std::vector<absl::string_view> values =
          absl::StrSplit(head[0], ' ', absl::SkipEmpty());
      int64_t count = 0, time = 0;
      if (values.size() == 2 && absl::SimpleAtoi(values[0], &count) &&
          absl::SimpleAtoi(values[1], &time)) {
        count_total += count;
        time_total += time;
      }
    }
    if (in_locations) {
      // "     1: 0x0 M=1 main app.c:1 s=1"
      std::vector<absl::string_view> fields =
          absl::StrSplit(stripped, ' ', absl::SkipEmpty());
      if (fields.size() >= 4 && absl::StartsWith(fields[2], "M=")) {
        functions.insert(std::string(fields[3]));
      }
    }
  }
  EXPECT_EQ(count_total, static_cast<int64_t>(session.SampleCount()));
  EXPECT_EQ(time_total, 100 * kMs);
  EXPECT_THAT(threads, ::testing::ElementsAre("thread:[main]",
                                              "thread:[worker]"));
  EXPECT_THAT(functions,
              ::testing::ElementsAre("crunch_numbers", "main", "parse_input",
                                     "run"));
}

// -top: "Showing nodes accounting for X, P% of TOTAL total", then rows
// "flat flat% sum% cum cum% name".
std::map<std::string, double> ParseTop(const std::string& out,
                                       double* total) {
  std::map<std::string, double> flat;
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    absl::string_view rest = line;
    if (absl::ConsumePrefix(&rest, "Showing nodes accounting for ")) {
      const size_t of = rest.find(" of ");
      const size_t end = rest.find(" total");
      if (of != absl::string_view::npos && end != absl::string_view::npos) {
        *total = ParseDuration(rest.substr(of + 4, end - of - 4));
      }
      continue;
    }
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (fields.size() == 6 && absl::EndsWith(fields[1], "%")) {
      flat[std::string(fields[5])] = ParseDuration(fields[0]);
    }
  }
  return flat;
}

TEST(GoPprofTest, TopTotalsAndFlatTimesMatchOurs) {
  const Session session = TestSession();
  const std::string path = WriteProfile(session);
  const pyi_testing::CommandResult run = GoPprof(absl::StrCat("-symbolize=none -top ", path));
  ASSERT_EQ(run.exit_code, 0) << run.out;
  double total = -1;
  const std::map<std::string, double> flat = ParseTop(run.out, &total);
  EXPECT_DOUBLE_EQ(total, 100.0 * kMs) << run.out;
  // Our flat (self) times: the leaf of each sample. "run" is never a leaf.
  const std::map<std::string, double> expected = {
      {"crunch_numbers", 70.0 * kMs},
      {"parse_input", 20.0 * kMs},
      {"main", 10.0 * kMs},
  };
  std::map<std::string, double> nonzero;
  for (const auto& [name, value] : flat) {
    if (value > 0) nonzero[name] = value;
  }
  EXPECT_EQ(nonzero, expected) << run.out;
}

TEST(GoPprofTest, SampleCountsMatchOurs) {
  const Session session = TestSession();
  const std::string path = WriteProfile(session);
  const pyi_testing::CommandResult run =
      GoPprof(absl::StrCat("-symbolize=none -sample_index=samples -top ", path));
  ASSERT_EQ(run.exit_code, 0) << run.out;
  EXPECT_THAT(run.out, ::testing::HasSubstr("of 100 total")) << run.out;
  // Threads are labels: -tagfocus keeps one thread.
  const pyi_testing::CommandResult worker = GoPprof(
      absl::StrCat("-symbolize=none -tagfocus=thread=worker -top ", path));
  ASSERT_EQ(worker.exit_code, 0) << worker.out;
  double total = -1;
  const std::map<std::string, double> flat = ParseTop(worker.out, &total);
  EXPECT_DOUBLE_EQ(total, 100.0 * kMs);  // pprof keeps the profile total
  EXPECT_DOUBLE_EQ(flat.at("crunch_numbers"), 40.0 * kMs) << worker.out;
}

}  // namespace
}  // namespace pyi
