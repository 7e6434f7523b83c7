// pprof export and import: round trips keep every stack and its time;
// hand-made profiles exercise every validation rule and the gzip limits.

#include "lib/formats/pprof.h"

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "benchmarks/synthetic_session.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/output.h"
#include "lib/base/status.h"
#include "lib/formats/gzip.h"
#include "lib/session/session.h"
#include "proto/pprof/profile.pb.h"
#include "tests/util/valid_session.h"

namespace pyi {
namespace {

using ::pyi_testing::Valid;

namespace pprof = ::pyinstrument::pprof;
using ::testing::HasSubstr;

constexpr int64_t kMs = 1'000'000;

// Per thread (name): stack (as "module.function file:line" root first) ->
// (sample count, total ns).
using StackTotals =
    std::map<std::string, std::map<std::string, std::pair<int64_t, int64_t>>>;

StackTotals Totals(const Session& session) {
  StackTotals totals;
  for (const ThreadSamples& thread : session.threads) {
    auto& stacks = totals[absl::StrCat(thread.name, "#", thread.id)];
    for (size_t i = 0; i < thread.sample_nodes.size(); ++i) {
      std::vector<std::string> names;
      for (uint32_t frame : thread.StackOf(thread.sample_nodes[i])) {
        const FrameInfo& info = session.frames[frame];
        names.push_back(absl::StrCat(session.String(info.module), ".",
                                     session.String(info.function), " ",
                                     session.String(info.file), ":",
                                     info.line));
      }
      auto& entry = stacks[absl::StrJoin(names, ";")];
      entry.first += 1;
      entry.second += thread.sample_durations_ns[i];
    }
  }
  return totals;
}

Session SmallSession() {
  Session session;
  session.start_time_unix_ns = 1'700'000'000'000'000'000;
  session.duration_ns = 40 * kMs;
  session.interval_ns = kMs;
  session.target_description = "small test";
  SessionBuilder builder(&session);
  const uint32_t main_frame = builder.InternFrame("main", "app.c", 1, "", 0);
  const uint32_t work = builder.InternFrame("work", "app.c", 20, "", 0);
  const uint32_t method = builder.InternFrame("run", "job.py", 5, "Job", 0);
  ThreadSamples& main_thread = builder.AddThread(7, "main");
  builder.AddSample(main_thread, {main_frame, work}, 3 * kMs);
  builder.AddSample(main_thread, {main_frame}, 1 * kMs);
  builder.AddSample(main_thread, {main_frame, work}, 2 * kMs + 5);
  builder.AddSample(main_thread, {}, 1 * kMs);
  ThreadSamples& worker = builder.AddThread(8, "worker");
  builder.AddSample(worker, {method, work}, 4 * kMs);
  return session;
}

std::string Export(const Session& session) {
  std::string bytes;
  StringOutput out(&bytes);
  const absl::Status status = WritePprof(Valid(session), out);
  EXPECT_TRUE(status.ok()) << status;
  return bytes;
}

pprof::Profile Decode(const std::string& gzipped) {
  absl::StatusOr<std::string> raw = MaybeGunzip(gzipped, 1 << 30);
  EXPECT_TRUE(raw.ok()) << raw.status();
  pprof::Profile profile;
  EXPECT_TRUE(profile.ParseFromString(*raw));
  return profile;
}

std::string Gzip(const std::string& bytes) {
  std::string out;
  StringOutput sink(&out);
  GzipOutput gzip(&sink);
  EXPECT_TRUE(gzip.Write(bytes).ok());
  EXPECT_TRUE(gzip.Finish().ok());
  return out;
}

TEST(PprofTest, WritesAWellFormedGzippedProfile) {
  const std::string bytes = Export(SmallSession());
  ASSERT_TRUE(IsGzip(bytes));
  const pprof::Profile profile = Decode(bytes);
  ASSERT_GT(profile.string_table_size(), 0);
  EXPECT_EQ(profile.string_table(0), "");
  const auto str = [&](int64_t i) { return profile.string_table(i); };
  ASSERT_EQ(profile.sample_type_size(), 2);
  EXPECT_EQ(str(profile.sample_type(0).type()), "samples");
  EXPECT_EQ(str(profile.sample_type(0).unit()), "count");
  EXPECT_EQ(str(profile.sample_type(1).type()), "wall");
  EXPECT_EQ(str(profile.sample_type(1).unit()), "nanoseconds");
  EXPECT_EQ(str(profile.default_sample_type()), "wall");
  EXPECT_EQ(str(profile.period_type().type()), "wall");
  EXPECT_EQ(profile.period(), kMs);
  EXPECT_EQ(profile.time_nanos(), 1'700'000'000'000'000'000);
  EXPECT_EQ(profile.duration_nanos(), 40 * kMs);
  EXPECT_EQ(profile.function_size(), 3);
  for (const pprof::Function& function : profile.function()) {
    EXPECT_NE(function.id(), 0u);
  }
  EXPECT_EQ(str(profile.function(2).name()), "run");
  EXPECT_EQ(str(profile.function(2).system_name()), "Job.run");
  for (const pprof::Location& location : profile.location()) {
    EXPECT_NE(location.id(), 0u);
    ASSERT_EQ(location.line_size(), 1);
    EXPECT_NE(location.line(0).function_id(), 0u);
  }
  // In trie order: the main thread's empty stack, main, main;work (2
  // samples); the worker's one stack.
  ASSERT_EQ(profile.sample_size(), 4);
  EXPECT_EQ(profile.sample(0).location_id_size(), 0);
  ASSERT_EQ(profile.sample(1).location_id_size(), 1);
  const pprof::Sample& work = profile.sample(2);
  ASSERT_EQ(work.location_id_size(), 2);
  EXPECT_EQ(work.location_id(0), 2u);  // leaf first: work
  EXPECT_EQ(work.location_id(1), 1u);
  EXPECT_EQ(work.value(0), 2);
  EXPECT_EQ(work.value(1), 5 * kMs + 5);
  ASSERT_EQ(work.label_size(), 2);
  EXPECT_EQ(str(work.label(0).key()), "thread");
  EXPECT_EQ(str(work.label(0).str()), "main");
  EXPECT_EQ(str(work.label(1).key()), "thread_id");
  EXPECT_EQ(work.label(1).num(), 7);
}

TEST(PprofTest, CpuClockSessionsWriteCpuTime) {
  Session session = SmallSession();
  session.clock = ClockKind::kThreadCpu;
  const pprof::Profile profile = Decode(Export(session));
  EXPECT_EQ(profile.string_table(profile.sample_type(1).type()), "cpu");
  absl::StatusOr<Session> imported = ImportPprof(Export(session));
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->clock, ClockKind::kThreadCpu);
}

TEST(PprofTest, RoundTripKeepsEveryStackAndItsTime) {
  const Session session = SmallSession();
  absl::StatusOr<Session> imported = ImportPprof(Export(session));
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_TRUE(ValidateSession(*imported).ok());
  EXPECT_EQ(Totals(*imported), Totals(session));
  EXPECT_EQ(imported->start_time_unix_ns, session.start_time_unix_ns);
  EXPECT_EQ(imported->duration_ns, session.duration_ns);
  EXPECT_EQ(imported->interval_ns, session.interval_ns);
  EXPECT_THAT(imported->target_description, HasSubstr("small test"));
  EXPECT_THAT(imported->target_description,
              HasSubstr("time from sample type wall/nanoseconds"));
  // A pprof file names no libpyinstrument version, so none is claimed.
  EXPECT_EQ(imported->library_version, "");
}

TEST(PprofTest, RoundTripOfALargeSyntheticSession) {
  SyntheticSessionOptions options;
  options.samples = 50'000;
  options.stacks = 2'000;
  options.threads = 3;
  const Session session = MakeSyntheticSession(options);
  absl::StatusOr<Session> imported = ImportPprof(Export(session));
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->SampleCount(), session.SampleCount());
  EXPECT_EQ(Totals(*imported), Totals(session));
}

// A profile like Go's CPU profiles: no thread labels, an inlined call.
pprof::Profile GoLikeProfile() {
  pprof::Profile profile;
  for (const char* text :
       {"", "samples", "count", "cpu", "nanoseconds", "main.main",
        "main.go", "main.work", "main.inlined", "/bin/app"}) {
    profile.add_string_table(text);
  }
  auto* type = profile.add_sample_type();
  type->set_type(1);
  type->set_unit(2);
  type = profile.add_sample_type();
  type->set_type(3);
  type->set_unit(4);
  profile.mutable_period_type()->set_type(3);
  profile.mutable_period_type()->set_unit(4);
  profile.set_period(10 * kMs);
  auto* mapping = profile.add_mapping();
  mapping->set_id(1);
  mapping->set_filename(9);
  const auto add_function = [&](uint64_t id, int64_t name, int64_t line) {
    auto* function = profile.add_function();
    function->set_id(id);
    function->set_name(name);
    function->set_system_name(name);
    function->set_filename(6);
    function->set_start_line(line);
  };
  add_function(10, 5, 3);
  add_function(11, 7, 12);
  add_function(12, 8, 30);
  auto* location = profile.add_location();
  location->set_id(100);
  location->set_mapping_id(1);
  auto* line = location->add_line();
  line->set_function_id(10);
  line->set_line(5);
  // One address, two functions: main.inlined was inlined into main.work.
  location = profile.add_location();
  location->set_id(101);
  location->set_mapping_id(1);
  line = location->add_line();
  line->set_function_id(12);
  line->set_line(31);
  line = location->add_line();
  line->set_function_id(11);
  line->set_line(14);
  auto* sample = profile.add_sample();
  sample->add_location_id(101);
  sample->add_location_id(100);
  sample->add_value(3);
  sample->add_value(30 * kMs);
  sample = profile.add_sample();
  sample->add_location_id(100);
  sample->add_value(1);
  sample->add_value(10 * kMs);
  return profile;
}

absl::StatusOr<Session> ImportProto(const pprof::Profile& profile,
                                    bool gzip = true) {
  const std::string raw = profile.SerializeAsString();
  return ImportPprof(gzip ? Gzip(raw) : raw);
}

TEST(PprofTest, ImportsGoProfilesRootFirstWithInlinedFramesSplit) {
  for (bool gzip : {true, false}) {
    absl::StatusOr<Session> session = ImportProto(GoLikeProfile(), gzip);
    ASSERT_TRUE(session.ok()) << session.status();
    ASSERT_EQ(session->threads.size(), 1u);
    const ThreadSamples& thread = session->threads[0];
    EXPECT_EQ(thread.name, "all");
    ASSERT_EQ(thread.sample_nodes.size(), 4u);  // 3 + 1 samples
    std::vector<std::string> names;
    for (uint32_t frame : thread.StackOf(thread.sample_nodes[0])) {
      names.push_back(absl::StrCat(session->FunctionName(frame), ":",
                                   session->frames[frame].line));
    }
    EXPECT_THAT(names, ::testing::ElementsAre("main.main:3", "main.work:12",
                                              "main.inlined:30"));
    EXPECT_EQ(thread.sample_durations_ns[0], 10 * kMs);
    EXPECT_EQ(thread.TotalDurationNs(), 40 * kMs);
    EXPECT_EQ(session->clock, ClockKind::kThreadCpu);
    EXPECT_EQ(session->interval_ns, 10 * kMs);
    EXPECT_EQ(session->program, "/bin/app");
    EXPECT_EQ(session->duration_ns, 40 * kMs);
  }
}

TEST(PprofTest, UsesCountTimesPeriodWithoutATimeSampleType) {
  pprof::Profile profile = GoLikeProfile();
  profile.mutable_sample_type()->RemoveLast();
  for (pprof::Sample& sample : *profile.mutable_sample()) {
    sample.mutable_value()->RemoveLast();
  }
  absl::StatusOr<Session> session = ImportProto(profile);
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(session->threads[0].TotalDurationNs(), 40 * kMs);
  EXPECT_THAT(session->target_description,
              HasSubstr("time = samples/count x period 10000000 ns"));
}

TEST(PprofTest, ScalesOtherTimeUnits) {
  pprof::Profile profile = GoLikeProfile();
  profile.set_string_table(4, "microseconds");
  absl::StatusOr<Session> session = ImportProto(profile);
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(session->threads[0].TotalDurationNs(), 40 * kMs * 1000);
}

TEST(PprofTest, RefusesProfilesWithoutTime) {
  pprof::Profile profile = GoLikeProfile();
  profile.set_string_table(3, "alloc_space");
  profile.set_string_table(4, "bytes");
  absl::StatusOr<Session> session = ImportProto(profile);
  ASSERT_FALSE(session.ok());
  EXPECT_TRUE(IsNotOurFormat(session.status())) << session.status();
  EXPECT_THAT(session.status().message(), HasSubstr("no time values"));
  EXPECT_THAT(session.status().message(), HasSubstr("alloc_space/bytes"));
}

TEST(PprofTest, RefusesDifferenceProfiles) {
  pprof::Profile profile = GoLikeProfile();
  profile.mutable_sample(0)->set_value(1, -5);
  absl::StatusOr<Session> session = ImportProto(profile);
  EXPECT_TRUE(IsNotOurFormat(session.status())) << session.status();
  EXPECT_THAT(session.status().message(), HasSubstr("negative"));
}

TEST(PprofTest, SplitsThreadsByLabel) {
  pprof::Profile profile = GoLikeProfile();
  profile.add_string_table("thread_name");  // 10
  profile.add_string_table("io");           // 11
  profile.add_string_table("tid");          // 12
  auto* label = profile.mutable_sample(0)->add_label();
  label->set_key(10);
  label->set_str(11);
  label = profile.mutable_sample(0)->add_label();
  label->set_key(12);
  label->set_num(99);
  absl::StatusOr<Session> session = ImportProto(profile);
  ASSERT_TRUE(session.ok()) << session.status();
  ASSERT_EQ(session->threads.size(), 2u);
  EXPECT_EQ(session->threads[0].name, "io");
  EXPECT_EQ(session->threads[0].id, 99u);
  EXPECT_EQ(session->threads[1].name, "all");
}

TEST(PprofTest, UnsymbolizedLocationsBecomeAddresses) {
  pprof::Profile profile = GoLikeProfile();
  profile.mutable_location(0)->clear_line();
  profile.mutable_location(0)->set_address(0x4004f0);
  absl::StatusOr<Session> session = ImportProto(profile);
  ASSERT_TRUE(session.ok()) << session.status();
  const ThreadSamples& thread = session->threads[0];
  const std::vector<uint32_t> stack = thread.StackOf(thread.sample_nodes[3]);
  ASSERT_EQ(stack.size(), 1u);
  EXPECT_EQ(session->FunctionName(stack[0]), "0x4004f0");
  EXPECT_EQ(session->FilePath(stack[0]), "/bin/app");
  EXPECT_THAT(session->target_description,
              HasSubstr("1 locations without symbols"));
}

struct BadCase {
  const char* name;
  void (*damage)(pprof::Profile*);
  const char* message;
};

TEST(PprofTest, RejectsEveryBrokenReference) {
  const BadCase cases[] = {
      {"location id 0", [](pprof::Profile* p) { p->mutable_location(0)->set_id(0); },
       "location 0 has id 0"},
      {"function id 0", [](pprof::Profile* p) { p->mutable_function(0)->set_id(0); },
       "function 0 has id 0"},
      {"mapping id 0", [](pprof::Profile* p) { p->mutable_mapping(0)->set_id(0); },
       "mapping 0 has id 0"},
      {"duplicate location",
       [](pprof::Profile* p) { p->mutable_location(1)->set_id(100); },
       "location id 100 is used twice"},
      {"duplicate function",
       [](pprof::Profile* p) { p->mutable_function(1)->set_id(10); },
       "function id 10 is used twice"},
      {"missing location",
       [](pprof::Profile* p) { p->mutable_sample(1)->set_location_id(0, 555); },
       "refers to location 555"},
      {"sample location 0",
       [](pprof::Profile* p) { p->mutable_sample(1)->set_location_id(0, 0); },
       "refers to location 0"},
      {"missing function",
       [](pprof::Profile* p) {
         p->mutable_location(0)->mutable_line(0)->set_function_id(77);
       },
       "refers to function 77"},
      {"missing mapping",
       [](pprof::Profile* p) { p->mutable_location(0)->set_mapping_id(9); },
       "refers to mapping 9"},
      {"function name out of range",
       [](pprof::Profile* p) { p->mutable_function(0)->set_name(1000); },
       "function 10 refers to string 1000"},
      {"negative string index",
       [](pprof::Profile* p) { p->mutable_function(0)->set_filename(-1); },
       "refers to string -1"},
      {"sample type out of range",
       [](pprof::Profile* p) { p->mutable_sample_type(0)->set_unit(50); },
       "sample type 0 refers to string 50"},
      {"label key out of range",
       [](pprof::Profile* p) { p->mutable_sample(0)->add_label()->set_key(50); },
       "a label of sample 0 refers to string 50"},
      {"comment out of range", [](pprof::Profile* p) { p->add_comment(50); },
       "a comment refers to string 50"},
      {"first string not empty",
       [](pprof::Profile* p) { p->set_string_table(0, "x"); },
       "string_table[0] is not the empty string"},
      {"value count",
       [](pprof::Profile* p) { p->mutable_sample(0)->add_value(1); },
       "sample 0 has 3 values for 2 sample types"},
      {"time overflow",
       [](pprof::Profile* p) {
         p->set_string_table(4, "seconds");
         p->mutable_sample(0)->set_value(1, INT64_MAX / 2);
       },
       "time overflows"},
      {"negative duration",
       [](pprof::Profile* p) { p->set_duration_nanos(-1); },
       "duration_nanos is negative"},
  };
  for (const BadCase& bad : cases) {
    pprof::Profile profile = GoLikeProfile();
    bad.damage(&profile);
    absl::StatusOr<Session> session = ImportProto(profile);
    ASSERT_FALSE(session.ok()) << bad.name;
    EXPECT_EQ(session.status().code(), absl::StatusCode::kDataLoss)
        << bad.name << ": " << session.status();
    EXPECT_THAT(session.status().message(), HasSubstr(bad.message))
        << bad.name;
    EXPECT_THAT(session.status().message(), HasSubstr("damaged pprof"))
        << bad.name;
  }
}

TEST(PprofTest, TellsForeignBytesFromDamagedGzip) {
  absl::StatusOr<Session> text = ImportPprof("hello, this is text\n");
  EXPECT_TRUE(IsNotOurFormat(text.status())) << text.status();
  EXPECT_TRUE(IsNotOurFormat(ImportPprof("").status()));

  const std::string gzipped = Gzip(GoLikeProfile().SerializeAsString());
  absl::StatusOr<Session> truncated =
      ImportPprof(gzipped.substr(0, gzipped.size() / 2));
  EXPECT_EQ(truncated.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(truncated.status().message(), HasSubstr("truncated gzip"));

  std::string flipped = gzipped;
  flipped[flipped.size() - 5] ^= 0x55;  // the length/CRC trailer
  absl::StatusOr<Session> corrupt = ImportPprof(flipped);
  EXPECT_EQ(corrupt.status().code(), absl::StatusCode::kDataLoss)
      << corrupt.status();

  // Valid gzip around bytes that are no profile: damage, not foreign.
  absl::StatusOr<Session> junk = ImportPprof(Gzip("\xff\xff\xff\xff"));
  EXPECT_EQ(junk.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(junk.status().message(), HasSubstr("do not parse"));

  const std::string raw = GoLikeProfile().SerializeAsString();
  absl::StatusOr<Session> short_raw = ImportPprof(raw.substr(0, raw.size() - 3));
  EXPECT_FALSE(short_raw.ok());
}

TEST(PprofTest, RefusesGzipBombs) {
  // 600 MiB of zeros deflate to under 3 MiB at level 1.
  std::string bomb;
  {
    StringOutput sink(&bomb);
    GzipOutput gzip(&sink, 1);
    const std::string zeros(1 << 20, '\0');
    for (int i = 0; i < 600; ++i) ASSERT_TRUE(gzip.Write(zeros).ok());
    ASSERT_TRUE(gzip.Finish().ok());
  }
  ASSERT_LT(bomb.size(), size_t{4} << 20);
  absl::StatusOr<Session> session = ImportPprof(bomb);
  EXPECT_EQ(session.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(session.status().message(), HasSubstr("refusing to decompress"));
}

TEST(PprofTest, RefusesSampleCountsBeyondTheLimit) {
  pprof::Profile profile = GoLikeProfile();
  profile.mutable_sample(0)->set_value(0, int64_t{1} << 40);
  absl::StatusOr<Session> session = ImportProto(profile);
  EXPECT_EQ(session.status().code(), absl::StatusCode::kResourceExhausted)
      << session.status();
}

TEST(PprofTest, ExpandsLargeCountsExactlyUpToTheCallersLimit) {
  pprof::Profile profile = GoLikeProfile();
  const std::string raw = profile.SerializeAsString();
  absl::StatusOr<Session> base = ImportPprof(raw);
  ASSERT_TRUE(base.ok()) << base.status();
  uint64_t base_samples = 0;
  int64_t base_time = 0;
  for (const ThreadSamples& thread : base->threads) {
    base_samples += thread.sample_nodes.size();
    for (int64_t ns : thread.sample_durations_ns) base_time += ns;
  }

  // One sample's count raised by a million: a few bytes more input, a
  // million more samples, its time split over them to the nanosecond.
  const int64_t old_count = profile.sample(0).value(0);
  const int64_t added = 1'000'000;
  profile.mutable_sample(0)->set_value(0, old_count + added);
  const std::string big = profile.SerializeAsString();
  absl::StatusOr<Session> expanded = ImportPprof(big);
  ASSERT_TRUE(expanded.ok()) << expanded.status();
  uint64_t samples = 0;
  int64_t time = 0;
  for (const ThreadSamples& thread : expanded->threads) {
    samples += thread.sample_nodes.size();
    for (int64_t ns : thread.sample_durations_ns) time += ns;
  }
  EXPECT_EQ(samples, base_samples + added);
  EXPECT_EQ(time, base_time);

  const uint64_t limit = base_samples + added;
  EXPECT_TRUE(ImportPprof(big, limit).ok());
  absl::StatusOr<Session> over = ImportPprof(big, limit - 1);
  EXPECT_EQ(over.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(over.status().message(),
              HasSubstr(absl::StrCat("more than ", limit - 1, " samples")));
}

TEST(GzipTest, RoundTripsAndHonoursTheLimit) {
  const std::string text(100'000, 'x');
  const std::string gzipped = Gzip(text);
  EXPECT_LT(gzipped.size(), 1'000u);
  EXPECT_EQ(*MaybeGunzip(gzipped, text.size()), text);
  absl::StatusOr<std::string> over = MaybeGunzip(gzipped, text.size() - 1);
  EXPECT_EQ(over.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(*MaybeGunzip("plain", 1), "plain");  // not gzip: unchanged
  // Two members are one file.
  EXPECT_EQ(*MaybeGunzip(Gzip("ab") + Gzip("cd"), 10), "abcd");
  absl::StatusOr<std::string> trailing = MaybeGunzip(Gzip("ab") + "zz", 10);
  EXPECT_EQ(trailing.status().code(), absl::StatusCode::kDataLoss);
}

TEST(GzipTest, WriteAfterFinishFails) {
  std::string out;
  StringOutput sink(&out);
  GzipOutput gzip(&sink);
  ASSERT_TRUE(gzip.Finish().ok());
  EXPECT_FALSE(gzip.Write("x").ok());
  EXPECT_EQ(*MaybeGunzip(out, 10), "");
}

}  // namespace
}  // namespace pyi
