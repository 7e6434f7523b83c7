// Tests for lib/render/console: whole reports compared against golden text.

#include "lib/render/console.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "benchmarks/synthetic_session.h"
#include "gtest/gtest.h"
#include "lib/session/session.h"
#include "tests/util/valid_session.h"

namespace pyi {
namespace {

constexpr int64_t kMs = 1'000'000;

// A small game: main thread with a library group, a worker thread.
Session GameSession() {
  Session session;
  session.start_time_unix_ns = 1'700'000'000'123'456'789;  // 2023-11-14
  session.duration_ns = 1'100 * kMs;
  session.cpu_time_ns = 800 * kMs;
  session.interval_ns = kMs;
  session.target_description = "game --level 3";
  session.program = "./game --level 3";
  session.library_version = "0.1.0";
  session.library_roots = {"/usr/lib/x86_64-linux-gnu/", "/opt/third_party/"};
  SessionBuilder builder(&session);
  const char* src = "/home/dev/game/src/";
  auto app = [&](const char* name, const char* file, uint32_t line) {
    return builder.InternFrame(name, std::string(src) + file, line, "", 0);
  };
  const uint32_t main = app("main", "main.cc", 10);
  const uint32_t update = app("Update", "world.cc", 40);
  const uint32_t step = app("Step", "physics/step.cc", 88);
  const uint32_t render = app("Render", "render.cc", 12);
  const uint32_t callback = app("OnHash", "physics/step.cc", 120);
  const uint32_t work = app("Work", "worker.cc", 7);
  const uint32_t sort = builder.InternFrame(
      "std::sort", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", 0, "", 0);
  const uint32_t memcpy = builder.InternFrame(
      "memcpy", "/usr/lib/x86_64-linux-gnu/libc.so.6", 0, "", 0);
  const uint32_t str_cat = builder.InternFrame(
      "StrCat", "/opt/third_party/absl/strings/str_cat.cc", 100, "absl", 0);
  const uint32_t hash = builder.InternFrame(
      "Hash", "/opt/third_party/absl/hash/hash.cc", 20, "absl", 0);

  ThreadSamples& main_thread = builder.AddThread(101, "main");
  auto sample = [&](ThreadSamples& thread, std::vector<uint32_t> stack,
                    int64_t ms) { builder.AddSample(thread, stack, ms * kMs); };
  sample(main_thread,
         {main, update, step, sort, memcpy, str_cat, hash, callback}, 300);
  sample(main_thread, {main, update, step}, 200);
  sample(main_thread, {main, update}, 100);
  sample(main_thread, {main, render}, 250);
  sample(main_thread, {main}, 140);
  sample(main_thread, {main, render, memcpy}, 5);  // 0.5%: filtered out
  sample(main_thread, {}, 5);
  ThreadSamples& worker = builder.AddThread(102, "worker");
  sample(worker, {work, memcpy}, 60);
  sample(worker, {work}, 40);
  return session;
}

ConsoleOptions Options(const char* spec = "") {
  ConsoleOptions options;
  options.time_zone = absl::UTCTimeZone();
  EXPECT_TRUE(ParseConsoleOptions(spec, &options).ok()) << spec;
  return options;
}

// Goldens open on their own line; that first newline is not part of them.
std::string Golden(const char* text) {
  return text[0] == '\n' ? text + 1 : text;
}

std::string Render(const Session& session, const ConsoleOptions& options) {
  std::string out;
  RenderConsole(pyi_testing::Valid(session), options, &out);
  return out;
}

// Escape sequences as readable tokens, so colored goldens stay legible.
std::string Tokens(std::string text) {
  const std::pair<const char*, const char*> kTokens[] = {
      {"\033[48;5;24m\033[38;5;15m", "<app>"},
      {"\033[92m\033[2m", "<dim>"},
      {"\033[31m", "<red>"},
      {"\033[33m", "<yellow>"},
      {"\033[32m", "<green>"},
      {"\033[2m", "<faint>"},
      {"\033[1m", "<bold>"},
      {"\033[0m", "<end>"},
  };
  for (const auto& [escape, token] : kTokens) {
    for (size_t at = text.find(escape); at != std::string::npos;
         at = text.find(escape, at)) {
      text.replace(at, std::string(escape).size(), token);
    }
  }
  return text;
}

TEST(ConsoleTest, UnicodeReport) {
  EXPECT_EQ(Render(GameSession(), Options()), Golden(R"txt(
━━ libpyinstrument 0.1.0 ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
  Recorded:  2023-11-14 22:13:20 +00:00
  Samples:   9
  Duration:  1.100 s
  CPU time:  0.800 s
  Interval:  1 ms
  Target:    game --level 3
  Program:   ./game --level 3

Thread main (id 101): 7 samples, 1.000 s

0.995 main  main.cc:10
├─ 0.600 Update  world.cc:40
│  ├─ 0.500 Step  physics/step.cc:88
│  │  ├─ 0.300 std::sort  libstdc++.so.6
│  │  │     [2 frames hidden]  libc, absl
│  │  │        0.300 absl.Hash  absl/hash/hash.cc:20
│  │  │        └─ 0.300 OnHash  physics/step.cc:120
│  │  └─ 0.200 [self]
│  └─ 0.100 [self]
├─ 0.255 Render  render.cc:12
└─ 0.140 [self]

Thread worker (id 102): 2 samples, 0.100 s

0.100 Work  worker.cc:7
├─ 0.060 memcpy  libc.so.6
└─ 0.040 [self]

)txt"));
}

TEST(ConsoleTest, AsciiReport) {
  EXPECT_EQ(Render(GameSession(), Options("unicode=false")), Golden(R"txt(
== libpyinstrument 0.1.0 ===================================
  Recorded:  2023-11-14 22:13:20 +00:00
  Samples:   9
  Duration:  1.100 s
  CPU time:  0.800 s
  Interval:  1 ms
  Target:    game --level 3
  Program:   ./game --level 3

Thread main (id 101): 7 samples, 1.000 s

0.995 main  main.cc:10
|- 0.600 Update  world.cc:40
|  |- 0.500 Step  physics/step.cc:88
|  |  |- 0.300 std::sort  libstdc++.so.6
|  |  |     [2 frames hidden]  libc, absl
|  |  |        0.300 absl.Hash  absl/hash/hash.cc:20
|  |  |        `- 0.300 OnHash  physics/step.cc:120
|  |  `- 0.200 [self]
|  `- 0.100 [self]
|- 0.255 Render  render.cc:12
`- 0.140 [self]

Thread worker (id 102): 2 samples, 0.100 s

0.100 Work  worker.cc:7
|- 0.060 memcpy  libc.so.6
`- 0.040 [self]

)txt"));
}

TEST(ConsoleTest, ColorReport) {
  EXPECT_EQ(Tokens(Render(GameSession(),
                          Options("color=true,threshold=0.1,unicode=false"))),
            Golden(R"txt(
== <bold>libpyinstrument 0.1.0<end> ===================================
  Recorded:  2023-11-14 22:13:20 +00:00
  Samples:   9
  Duration:  1.100 s
  CPU time:  0.800 s
  Interval:  1 ms
  Target:    game --level 3
  Program:   ./game --level 3

<bold>Thread main (id 101): 7 samples, 1.000 s<end>

<red>0.995<end> <app>main<end>  <faint>main.cc:10<end>
|- <yellow>0.600<end> <app>Update<end>  <faint>world.cc:40<end>
|  |- <yellow>0.500<end> <app>Step<end>  <faint>physics/step.cc:88<end>
|  |  |- <yellow>0.300<end> std::sort  <faint>libstdc++.so.6<end>
|  |  |     [2 frames hidden]  <faint>libc, absl<end>
|  |  |        <yellow>0.300<end> absl.Hash  <faint>absl/hash/hash.cc:20<end>
|  |  |        `- <yellow>0.300<end> <app>OnHash<end>  <faint>physics/step.cc:120<end>
|  |  `- <green>0.200<end> [self]
|  `- <green>0.100<end> [self]
|- <yellow>0.255<end> <app>Render<end>  <faint>render.cc:12<end>
|  |- <yellow>0.250<end> [self]
|  `- <dim>0.005<end> memcpy  <faint>libc.so.6<end>
`- <green>0.140<end> [self]
<dim>0.005<end> [outside any frame]

<bold>Thread worker (id 102): 2 samples, 0.100 s<end>

<red>0.100<end> <app>Work<end>  <faint>worker.cc:7<end>
|- <yellow>0.060<end> memcpy  <faint>libc.so.6<end>
`- <yellow>0.040<end> [self]

)txt"));
}

TEST(ConsoleTest, PercentMode) {
  EXPECT_EQ(Render(GameSession(), Options("time=percent,threads=main")),
            Golden(R"txt(
━━ libpyinstrument 0.1.0 ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
  Recorded:  2023-11-14 22:13:20 +00:00
  Samples:   9
  Duration:  1.100 s
  CPU time:  0.800 s
  Interval:  1 ms
  Target:    game --level 3
  Program:   ./game --level 3

Thread main (id 101): 7 samples, 1.000 s

99.5% main  main.cc:10
├─ 60.0% Update  world.cc:40
│  ├─ 50.0% Step  physics/step.cc:88
│  │  ├─ 30.0% std::sort  libstdc++.so.6
│  │  │     [2 frames hidden]  libc, absl
│  │  │        30.0% absl.Hash  absl/hash/hash.cc:20
│  │  │        └─ 30.0% OnHash  physics/step.cc:120
│  │  └─ 20.0% [self]
│  └─ 10.0% [self]
├─ 25.5% Render  render.cc:12
└─ 14.0% [self]

)txt"));
}

TEST(ConsoleTest, ThresholdZeroKeepsSmallNodes) {
  EXPECT_EQ(Render(GameSession(), Options("threshold=0,threads=main")),
            Golden(R"txt(
━━ libpyinstrument 0.1.0 ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
  Recorded:  2023-11-14 22:13:20 +00:00
  Samples:   9
  Duration:  1.100 s
  CPU time:  0.800 s
  Interval:  1 ms
  Target:    game --level 3
  Program:   ./game --level 3

Thread main (id 101): 7 samples, 1.000 s

0.995 main  main.cc:10
├─ 0.600 Update  world.cc:40
│  ├─ 0.500 Step  physics/step.cc:88
│  │  ├─ 0.300 std::sort  libstdc++.so.6
│  │  │     [2 frames hidden]  libc, absl
│  │  │        0.300 absl.Hash  absl/hash/hash.cc:20
│  │  │        └─ 0.300 OnHash  physics/step.cc:120
│  │  └─ 0.200 [self]
│  └─ 0.100 [self]
├─ 0.255 Render  render.cc:12
│  ├─ 0.250 [self]
│  └─ 0.005 memcpy  libc.so.6
└─ 0.140 [self]
0.005 [outside any frame]

)txt"));
}

TEST(ConsoleTest, HigherThresholdDropsMore) {
  EXPECT_EQ(Render(GameSession(), Options("threshold=30,threads=main")),
            Golden(R"txt(
━━ libpyinstrument 0.1.0 ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
  Recorded:  2023-11-14 22:13:20 +00:00
  Samples:   9
  Duration:  1.100 s
  CPU time:  0.800 s
  Interval:  1 ms
  Target:    game --level 3
  Program:   ./game --level 3

Thread main (id 101): 7 samples, 1.000 s

0.995 main  main.cc:10
└─ 0.600 Update  world.cc:40
   └─ 0.500 Step  physics/step.cc:88
      └─ 0.300 std::sort  libstdc++.so.6
            [2 frames hidden]  libc, absl
               0.300 absl.Hash  absl/hash/hash.cc:20
               └─ 0.300 OnHash  physics/step.cc:120

)txt"));
}

TEST(ConsoleTest, ShowAllKeepsLibraryFrames) {
  EXPECT_EQ(Render(GameSession(), Options("show_all,threads=main")),
            Golden(R"txt(
━━ libpyinstrument 0.1.0 ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
  Recorded:  2023-11-14 22:13:20 +00:00
  Samples:   9
  Duration:  1.100 s
  CPU time:  0.800 s
  Interval:  1 ms
  Target:    game --level 3
  Program:   ./game --level 3

Thread main (id 101): 7 samples, 1.000 s

0.995 main  main.cc:10
├─ 0.600 Update  world.cc:40
│  ├─ 0.500 Step  physics/step.cc:88
│  │  ├─ 0.300 std::sort  libstdc++.so.6
│  │  │  └─ 0.300 memcpy  libc.so.6
│  │  │     └─ 0.300 absl.StrCat  absl/strings/str_cat.cc:100
│  │  │        └─ 0.300 absl.Hash  absl/hash/hash.cc:20
│  │  │           └─ 0.300 OnHash  physics/step.cc:120
│  │  └─ 0.200 [self]
│  └─ 0.100 [self]
├─ 0.255 Render  render.cc:12
│  ├─ 0.250 [self]
│  └─ 0.005 memcpy  libc.so.6
└─ 0.140 [self]
0.005 [outside any frame]

)txt"));
}

TEST(ConsoleTest, ThreadSelection) {
  EXPECT_EQ(Render(GameSession(), Options("threads=102")), Golden(R"txt(
━━ libpyinstrument 0.1.0 ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
  Recorded:  2023-11-14 22:13:20 +00:00
  Samples:   9
  Duration:  1.100 s
  CPU time:  0.800 s
  Interval:  1 ms
  Target:    game --level 3
  Program:   ./game --level 3

Thread worker (id 102): 2 samples, 0.100 s

0.100 Work  worker.cc:7
├─ 0.060 memcpy  libc.so.6
└─ 0.040 [self]

)txt"));
  EXPECT_EQ(Render(GameSession(), Options("threads=nobody;none")),
            Golden(R"txt(
━━ libpyinstrument 0.1.0 ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
  Recorded:  2023-11-14 22:13:20 +00:00
  Samples:   9
  Duration:  1.100 s
  CPU time:  0.800 s
  Interval:  1 ms
  Target:    game --level 3
  Program:   ./game --level 3

No thread matches threads=nobody;none.
)txt"));
}

TEST(ConsoleTest, TimelineMode) {
  Session session = GameSession();
  session.threads.pop_back();
  EXPECT_EQ(Render(session, Options("timeline=true,unicode=false")),
            Golden(R"txt(
== libpyinstrument 0.1.0 ===================================
  Recorded:  2023-11-14 22:13:20 +00:00
  Samples:   7
  Duration:  1.100 s
  CPU time:  0.800 s
  Interval:  1 ms
  Target:    game --level 3
  Program:   ./game --level 3

Thread main (id 101): 7 samples, 1.000 s

0.995 main  main.cc:10
|- 0.600 Update  world.cc:40
|  |- 0.500 Step  physics/step.cc:88
|  |  |- 0.300 std::sort  libstdc++.so.6
|  |  |     [2 frames hidden]  libc, absl
|  |  |        0.300 absl.Hash  absl/hash/hash.cc:20
|  |  |        `- 0.300 OnHash  physics/step.cc:120
|  |  `- 0.200 [self]
|  `- 0.100 [self]
|- 0.250 Render  render.cc:12
`- 0.140 [self]

)txt"));
}

TEST(ConsoleTest, EmptySession) {
  Session session;
  session.library_version = "0.1.0";
  EXPECT_EQ(Render(session, Options()), Golden(R"txt(
━━ libpyinstrument 0.1.0 ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
  Recorded:  unknown
  Samples:   0
  Duration:  0.000 s
  CPU time:  0.000 s
  Interval:  1 ms

No samples were recorded.
)txt"));
}

TEST(ConsoleTest, ThreadWithoutSamplesAndWarnings) {
  Session session;
  session.library_version.clear();  // a header that names no version
  session.start_time_unix_ns = 1'700'000'000'000'000'000;
  SessionBuilder builder(&session);
  builder.AddThread(7, "").dropped_samples = 3;
  builder.AddThread(8, "io").unbalanced_exits = 1;
  EXPECT_EQ(Render(session, Options("unicode=false")), Golden(R"txt(
== libpyinstrument =========================================
  Recorded:  2023-11-14 22:13:20 +00:00
  Samples:   0
  Duration:  0.000 s
  CPU time:  0.000 s
  Interval:  1 ms
  Warning:   3 samples dropped (memory cap reached), 1 unbalanced exit

Thread (id 7): 0 samples, 0.000 s

No samples were recorded.

Thread io (id 8): 0 samples, 0.000 s

No samples were recorded.

)txt"));
}

TEST(ConsoleTest, SparseTimingIsAWarning) {
  Session session;
  session.library_version.clear();  // a header that names no version
  session.start_time_unix_ns = 1'700'000'000'000'000'000;
  session.duration_ns = 117'000'000;
  session.timing_ticks = 1;
  SessionBuilder builder(&session);
  builder.AddThread(7, "main").unbalanced_exits = 2;
  EXPECT_EQ(Render(session, Options("unicode=false")), Golden(R"txt(
== libpyinstrument =========================================
  Recorded:  2023-11-14 22:13:20 +00:00
  Samples:   0
  Duration:  0.117 s
  CPU time:  0.000 s
  Interval:  1 ms
  Warning:   2 unbalanced exits, sparse samples (the timing thread ran 1 time in 117 intervals: a busy machine, or a tick callback that waited)

Thread main (id 7): 0 samples, 0.000 s

No samples were recorded.

)txt"));
}

TEST(ConsoleTest, HiddenAndProfilerFramesAreRemoved) {
  Session session;
  session.library_version.clear();  // a header that names no version
  SessionBuilder builder(&session);
  const uint32_t entry =
      builder.InternFrame("pyi_run", "bindings/run.c", 5, "", kFrameProfiler);
  const uint32_t main = builder.InternFrame("main", "app.c", 1, "", 0);
  const uint32_t helper =
      builder.InternFrame("assert_helper", "app.c", 50, "", kFrameHidden);
  const uint32_t work = builder.InternFrame("work", "app.c", 9, "", 0);
  ThreadSamples& thread = builder.AddThread(1, "main");
  builder.AddSample(thread, {entry, main, helper, work}, 30 * kMs);
  builder.AddSample(thread, {entry, main, work}, 20 * kMs);
  builder.AddSample(thread, {entry, main, helper}, 50 * kMs);
  EXPECT_EQ(Render(session, Options()), Golden(R"txt(
━━ libpyinstrument ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
  Recorded:  unknown
  Samples:   3
  Duration:  0.000 s
  CPU time:  0.000 s
  Interval:  1 ms

Thread main (id 1): 3 samples, 0.100 s

0.100 main  app.c:1
├─ 0.050 work  app.c:9
└─ 0.050 [self]

)txt"));
}

TEST(ConsoleTest, PrecisionFollowsTheInterval) {
  Session session;
  SessionBuilder builder(&session);
  const uint32_t main = builder.InternFrame("main", "app.c", 1, "", 0);
  builder.AddSample(builder.AddThread(1, "t"), {main}, 123'456'789);
  session.duration_ns = 123'456'789;
  std::string digits;
  for (int64_t interval : {1'000'000'000LL, 100'000'000LL, 10'000'000LL,
                           250'000LL, 1'000LL, 7LL}) {
    session.interval_ns = interval;
    const std::string text = Render(session, Options());
    const size_t line = text.find(" main  app.c:1");
    ASSERT_NE(line, std::string::npos) << text;
    digits += text.substr(text.rfind('\n', line) + 1,
                          line - text.rfind('\n', line) - 1) + " ";
  }
  EXPECT_EQ(digits, "0.1 0.1 0.12 0.1235 0.123457 0.123456789 ");
}

TEST(ConsoleTest, TimeZoneIsInjected) {
  Session session;
  session.start_time_unix_ns = 1'700'000'000'123'456'789;
  ConsoleOptions options = Options();
  options.time_zone = absl::FixedTimeZone(3600);
  const std::string text = Render(session, options);
  EXPECT_NE(text.find("  Recorded:  2023-11-14 23:13:20 +01:00\n"),
            std::string::npos)
      << text;
}

TEST(ConsoleTest, DeepRecursionIsCutAtMaxDepth) {
  Session session;
  session.library_version.clear();  // a header that names no version
  SessionBuilder builder(&session);
  const uint32_t f = builder.InternFrame("f", "app.c", 3, "", 0);
  builder.AddSample(builder.AddThread(1, "t"),
                    std::vector<uint32_t>(100000, f), kMs);
  EXPECT_EQ(Render(session, Options("max_depth=3,unicode=false")),
            Golden(R"txt(
== libpyinstrument =========================================
  Recorded:  unknown
  Samples:   1
  Duration:  0.000 s
  CPU time:  0.000 s
  Interval:  1 ms

Thread t (id 1): 1 sample, 0.001 s

0.001 f  app.c:3
`- 0.001 f  app.c:3
   `- 0.001 f  app.c:3
      `- [deeper frames not shown]

)txt"));
}

TEST(ConsoleTest, PathsAreShortenedAgainstTheSharedDirectory) {
  Session session;
  session.library_version.clear();  // a header that names no version
  session.library_roots = {"/usr/lib/"};
  SessionBuilder builder(&session);
  const uint32_t a = builder.InternFrame("a", "/srv/app/a.c", 1, "", 0);
  const uint32_t b = builder.InternFrame("b", "/srv/app/sub/b.c", 2, "", 0);
  const uint32_t c = builder.InternFrame("c", "<generated>", 0, "", 0);
  const uint32_t d = builder.InternFrame("d", "", 0, "", 0);
  const uint32_t e = builder.InternFrame("e", "/usr/lib/libz.so", 0, "", 0);
  ThreadSamples& thread = builder.AddThread(1, "t");
  builder.AddSample(thread, {a, b, c, d, e}, 10 * kMs);
  EXPECT_EQ(Render(session, Options("unicode=false")), Golden(R"txt(
== libpyinstrument =========================================
  Recorded:  unknown
  Samples:   1
  Duration:  0.000 s
  CPU time:  0.000 s
  Interval:  1 ms

Thread t (id 1): 1 sample, 0.010 s

0.010 a  a.c:1
`- 0.010 b  sub/b.c:2
   `- 0.010 c  <generated>
      `- 0.010 d
         `- 0.010 e  libz.so

)txt"));
}

TEST(ConsoleTest, SyntheticSessionInEveryMode) {
  SyntheticSessionOptions synthetic;
  synthetic.samples = 20'000;
  synthetic.stacks = 500;
  synthetic.threads = 2;
  const Session session = MakeSyntheticSession(synthetic);
  ASSERT_TRUE(ValidateSession(session).ok());
  const std::string text = Render(session, Options());
  // The profiler's entry frame is removed and does not stop application
  // paths from being shortened.
  EXPECT_NE(text.find("\n10.001 main  main.cc:20\n"), std::string::npos);
  EXPECT_NE(text.find("Thread main (id 1000): 10000 samples"),
            std::string::npos);
  EXPECT_NE(text.find("Thread worker-1 (id 1001): 10000 samples"),
            std::string::npos);
  EXPECT_NE(text.find(" frames hidden]  "), std::string::npos);
  EXPECT_EQ(text.find("pyi_thread_entry"), std::string::npos);
  for (const char* spec :
       {"show_all", "timeline", "timeline,show_all", "time=percent,color",
        "threshold=0,unicode=false", "max_depth=1"}) {
    const std::string other = Render(session, Options(spec));
    EXPECT_NE(other.find("Thread worker-1"), std::string::npos) << spec;
  }
}

// main -> f -> f -> f -> leaf, plus a shallower f: recursion for the flat
// total, collapse_recursion and invert views.
Session RecursiveSession() {
  Session session;
  session.interval_ns = kMs;
  session.target_description = "fib 30";
  SessionBuilder builder(&session);
  const uint32_t main = builder.InternFrame("main", "/src/fib/main.c", 3, "", 0);
  const uint32_t fib = builder.InternFrame("fib", "/src/fib/fib.c", 9, "", 0);
  const uint32_t add = builder.InternFrame("add", "/src/fib/fib.c", 2, "", 0);
  ThreadSamples& thread = builder.AddThread(1, "main");
  builder.AddSample(thread, {main, fib, fib, fib, add}, 40 * kMs);
  builder.AddSample(thread, {main, fib, fib, fib}, 30 * kMs);
  builder.AddSample(thread, {main, fib}, 20 * kMs);
  builder.AddSample(thread, {main}, 10 * kMs);
  return session;
}

// The report after the header, which other tests cover.
std::string Body(const std::string& report) {
  const size_t thread = report.find("Thread ");
  return thread == std::string::npos ? report : report.substr(thread);
}

TEST(ConsoleTest, FlatSelfTime) {
  EXPECT_EQ(Body(Render(GameSession(), Options("flat,thread=main"))),
            Golden(R"txt(
Thread main (id 101): 7 samples, 1.000 s

0.300 OnHash  physics/step.cc:120
0.250 Render  render.cc:12
0.200 Step  physics/step.cc:88
0.140 main  main.cc:10
0.100 Update  world.cc:40
0.005 memcpy  libc.so.6

)txt"));
}

TEST(ConsoleTest, FlatTotalTimeCountsRecursionOnce) {
  EXPECT_EQ(Body(Render(RecursiveSession(), Options("flat,flat_time=total"))),
            Golden(R"txt(
Thread main (id 1): 4 samples, 0.100 s

0.100 main  main.c:3
0.090 fib  fib.c:9
0.040 add  fib.c:2

)txt"));
  EXPECT_EQ(Body(Render(RecursiveSession(),
                        Options("flat,time=percent,unicode=false"))),
            Golden(R"txt(
Thread main (id 1): 4 samples, 0.100 s

50.0% fib  fib.c:9
40.0% add  fib.c:2
10.0% main  main.c:3

)txt"));
}

TEST(ConsoleTest, FlatDropsRowsOfATenthOfAPercentUnlessShowAll) {
  Session session;
  SessionBuilder builder(&session);
  const uint32_t big = builder.InternFrame("big", "/a/big.c", 1, "", 0);
  const uint32_t tiny = builder.InternFrame("tiny", "/a/tiny.c", 1, "", 0);
  const uint32_t edge = builder.InternFrame("edge", "/a/edge.c", 1, "", 0);
  ThreadSamples& thread = builder.AddThread(1, "t");
  builder.AddSample(thread, {big}, 1997 * kMs);
  builder.AddSample(thread, {edge}, 2 * kMs);  // exactly 0.1%: dropped
  builder.AddSample(thread, {tiny}, 1 * kMs);
  EXPECT_EQ(Body(Render(session, Options("flat"))), Golden(R"txt(
Thread t (id 1): 3 samples, 2.000 s

1.997 big  big.c:1

)txt"));
  EXPECT_EQ(Body(Render(session, Options("flat,show_all"))), Golden(R"txt(
Thread t (id 1): 3 samples, 2.000 s

1.997 big  big.c:1
0.002 edge  edge.c:1
0.001 tiny  tiny.c:1

)txt"));
}

TEST(ConsoleTest, ShortModeOneThread) {
  EXPECT_EQ(Render(GameSession(), Options("short,thread=worker")),
            Golden(R"txt(

libpyinstrument .....................................
.
.  game --level 3
.
.  0.100 Work  worker.cc:7
.  ├─ 0.060 memcpy  libc.so.6
.  └─ 0.040 [self]
.  
.....................................................

)txt"));
}

TEST(ConsoleTest, ShortModeSeveralThreadsAndNoSamples) {
  // 50% is not below the threshold: Step stays.
  EXPECT_EQ(Render(GameSession(),
                   Options("short,unicode=false,threshold=50,thread=main;102")),
            Golden(R"txt(

libpyinstrument .....................................
.
.  game --level 3
.
.  Thread main (id 101): 7 samples, 1.000 s
.  
.  0.995 main  main.cc:10
.  `- 0.600 Update  world.cc:40
.     `- 0.500 Step  physics/step.cc:88
.  
.  Thread worker (id 102): 2 samples, 0.100 s
.  
.  0.100 Work  worker.cc:7
.  `- 0.060 memcpy  libc.so.6
.  
.....................................................

)txt"));
  EXPECT_EQ(Render(Session(), Options("short")), Golden(R"txt(

libpyinstrument .....................................
.
.  No samples were recorded.
.  
.....................................................

)txt"));
}

TEST(ConsoleTest, ShowRegexWinsOverLibraryRoots) {
  // absl is under a library root; show= keeps it out of the group, which
  // then hides only memcpy: no group at all.
  EXPECT_EQ(Body(Render(GameSession(),
                        Options("thread=main,show=/opt/third_party/absl/"))),
            Golden(R"txt(
Thread main (id 101): 7 samples, 1.000 s

0.995 main  main.cc:10
├─ 0.600 Update  world.cc:40
│  ├─ 0.500 Step  physics/step.cc:88
│  │  ├─ 0.300 std::sort  libstdc++.so.6
│  │  │  └─ 0.300 memcpy  libc.so.6
│  │  │     └─ 0.300 absl.StrCat  absl/strings/str_cat.cc:100
│  │  │        └─ 0.300 absl.Hash  absl/hash/hash.cc:20
│  │  │           └─ 0.300 OnHash  physics/step.cc:120
│  │  └─ 0.200 [self]
│  └─ 0.100 [self]
├─ 0.255 Render  render.cc:12
└─ 0.140 [self]

)txt"));
}

// Everything under src/ but main.cc is hidden: Update starts a group; OnHash
// stays visible for its 30% of self time; Render has no hidden child, so it
// is no group; hidden application frames name no library.
TEST(ConsoleTest, HideGlobGroupsApplicationFrames) {
  EXPECT_EQ(Body(Render(GameSession(),
                        Options("thread=main,hide_glob=*/src/*,"
                                "show=/home/dev/game/src/main\\.cc"))),
            Golden(R"txt(
Thread main (id 101): 7 samples, 1.000 s

0.995 main  main.cc:10
├─ 0.600 Update  world.cc:40
│     [5 frames hidden]  libstdc++, libc, absl
│        0.300 OnHash  physics/step.cc:120
├─ 0.255 Render  render.cc:12
└─ 0.140 [self]

)txt"));
}

TEST(ConsoleTest, CollapseRecursion) {
  EXPECT_EQ(Body(Render(RecursiveSession(), Options("collapse_recursion"))),
            Golden(R"txt(
Thread main (id 1): 4 samples, 0.100 s

0.100 main  main.c:3
├─ 0.090 fib  fib.c:9  [recursion depth 3]
│  ├─ 0.050 [self]
│  └─ 0.040 add  fib.c:2
└─ 0.010 [self]

)txt"));
}

TEST(ConsoleTest, InvertedTree) {
  EXPECT_EQ(Body(Render(RecursiveSession(), Options("invert,unicode=false"))),
            Golden(R"txt(
Thread main (id 1): 4 samples, 0.100 s

0.050 fib  fib.c:9
|- 0.030 fib  fib.c:9
|  `- 0.030 fib  fib.c:9
|     `- 0.030 main  main.c:3
`- 0.020 main  main.c:3
0.040 add  fib.c:2
`- 0.040 fib  fib.c:9
   `- 0.040 fib  fib.c:9
      `- 0.040 fib  fib.c:9
         `- 0.040 main  main.c:3
0.010 main  main.c:3

)txt"));
}

TEST(ConsoleTest, ImportlibPatternsRemoveFrames) {
  Session session;
  SessionBuilder builder(&session);
  const uint32_t main = builder.InternFrame("main", "/a/main.c", 1, "", 0);
  const uint32_t thunk = builder.InternFrame("thunk", "/a/plt.S", 1, "", 0);
  const uint32_t work = builder.InternFrame("work", "/a/work.c", 1, "", 0);
  builder.AddSample(builder.AddThread(1, "t"), {main, thunk, work}, kMs);
  EXPECT_EQ(Body(Render(session, Options("hide_importlib=plt.S;x"))),
            Golden(R"txt(
Thread t (id 1): 1 sample, 0.001 s

0.001 main  main.c:1
└─ 0.001 work  work.c:1

)txt"));
  EXPECT_NE(Render(session, Options()).find("thunk"), std::string::npos);
}

TEST(ParseConsoleOptionsTest, ParsesEveryKey) {
  ConsoleOptions options;
  ASSERT_TRUE(ParseConsoleOptions(
                  " unicode = no, color, time=percent, show_all=1,"
                  "timeline=on, threshold=2.5, threads=main; 42 ,"
                  "timezone=UTC, max_depth=12,,",
                  &options)
                  .ok());
  EXPECT_FALSE(options.unicode);
  EXPECT_TRUE(options.color);
  EXPECT_EQ(options.time_mode, ConsoleTimeMode::kPercent);
  EXPECT_TRUE(options.show_all);
  EXPECT_TRUE(options.timeline);
  EXPECT_EQ(options.threshold_percent, 2.5);
  EXPECT_EQ(options.threads, (std::vector<std::string>{"main", "42"}));
  EXPECT_EQ(options.time_zone, absl::UTCTimeZone());
  EXPECT_EQ(options.max_depth, 12u);
  ASSERT_TRUE(ParseConsoleOptions("threads=all,time=seconds", &options).ok());
  EXPECT_TRUE(options.threads.empty());
  EXPECT_EQ(options.time_mode, ConsoleTimeMode::kSeconds);
}

TEST(ParseConsoleOptionsTest, ParsesTheNewKeysAndEscapedCommas) {
  ConsoleOptions options;
  ASSERT_TRUE(ParseConsoleOptions(
                  "flat=1,flat_time=total,short,collapse_recursion=yes,"
                  "hide=^/usr/(lib|share)/x{1\\,3}\\.c$, show=[a\\,b]\\d,"
                  "hide_importlib=<frozen;ld.so,thread=worker",
                  &options)
                  .ok());
  EXPECT_TRUE(options.flat);
  EXPECT_EQ(options.flat_time, FlatTimeMode::kTotal);
  EXPECT_TRUE(options.short_mode);
  EXPECT_TRUE(options.collapse_recursion);
  EXPECT_FALSE(options.invert);
  EXPECT_EQ(options.hide_regex, R"(^/usr/(lib|share)/x{1,3}\.c$)");
  EXPECT_EQ(options.show_regex, R"([a,b]\d)");
  EXPECT_EQ(options.importlib_patterns,
            (std::vector<std::string>{"<frozen", "ld.so"}));
  EXPECT_EQ(options.threads, (std::vector<std::string>{"worker"}));
  ASSERT_TRUE(ParseConsoleOptions("hide_glob=*/vendor/*.c,show_glob=,"
                                  "hide_importlib=,flat=0,invert",
                                  &options)
                  .ok());
  EXPECT_EQ(options.hide_regex, R"(.*/vendor/.*\.c$)");
  EXPECT_EQ(options.show_regex, "");
  EXPECT_TRUE(options.importlib_patterns.empty());
  EXPECT_TRUE(options.invert);
}

TEST(ParseConsoleOptionsTest, RejectsBadRegexesAndCombinations) {
  const std::pair<const char*, const char*> kCases[] = {
      {"hide=(open", "bad value '(open' for console option 'hide'"},
      {"show=a{2\\,1}", "bad value 'a{2,1}' for console option 'show'"},
      {"flat_time=both", "bad value 'both' for console option 'flat_time'"},
      {"flat,timeline", "'flat' cannot be combined"},
      {"invert,flat", "'flat' cannot be combined"},
      {"timeline,invert", "'invert' cannot be combined with 'timeline'"},
      {"short=maybe", "bad value 'maybe' for console option 'short'"},
  };
  for (const auto& [spec, message] : kCases) {
    ConsoleOptions options;
    const absl::Status status = ParseConsoleOptions(spec, &options);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << spec;
    EXPECT_NE(status.message().find(message), absl::string_view::npos)
        << spec << ": " << status.message();
  }
}

TEST(ParseConsoleOptionsTest, EmptySpecKeepsDefaults) {
  ConsoleOptions options;
  ASSERT_TRUE(ParseConsoleOptions("", &options).ok());
  EXPECT_TRUE(options.unicode);
  EXPECT_FALSE(options.color);
  EXPECT_EQ(options.threshold_percent, 1.0);
}

TEST(ParseConsoleOptionsTest, RejectsUnknownKeysAndBadValues) {
  const std::pair<const char*, const char*> kCases[] = {
      {"colour=true", "unknown console option 'colour'"},
      {"unicode=maybe", "bad value 'maybe' for console option 'unicode'"},
      {"time=minutes", "bad value 'minutes' for console option 'time'"},
      {"threshold=101", "bad value '101' for console option 'threshold'"},
      {"threshold=nan", "bad value 'nan' for console option 'threshold'"},
      {"threshold=", "bad value '' for console option 'threshold'"},
      {"max_depth=0", "bad value '0' for console option 'max_depth'"},
      {"timezone=Mars/Olympus",
       "bad value 'Mars/Olympus' for console option 'timezone'"},
  };
  for (const auto& [spec, message] : kCases) {
    ConsoleOptions options;
    const absl::Status status = ParseConsoleOptions(spec, &options);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << spec;
    EXPECT_NE(status.message().find(message), absl::string_view::npos)
        << spec << ": " << status.message();
  }
}

}  // namespace
}  // namespace pyi
