#include "lib/formats/speedscope.h"

#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/output.h"
#include "lib/session/session.h"
#include "pyinstrument/pyinstrument.h"
#include "tests/util/valid_session.h"

namespace pyi {
namespace {

using ::pyi_testing::Valid;

using ::testing::HasSubstr;

// Two threads; `main` and `work` share a frame table entry across threads,
// and two session frames that differ only in flags become one speedscope
// frame.
Session SmallSession() {
  Session session;
  session.target_description = "Program: app --fast";
  SessionBuilder builder(&session);
  const uint32_t main_frame = builder.InternFrame("main", "/src/app.c", 10, "", 0);
  const uint32_t work = builder.InternFrame("work", "/src/app.c", 20, "", 0);
  const uint32_t hidden_work =
      builder.InternFrame("work", "/src/app.c", 20, "", kFrameHidden);
  const uint32_t method = builder.InternFrame("step", "/src/world.py", 5, "World", 0);
  const uint32_t anonymous = builder.InternFrame("", "", 0, "", 0);
  ThreadSamples& main_thread = builder.AddThread(7, "main");
  builder.AddSample(main_thread, {main_frame, work}, 1'000'000);
  builder.AddSample(main_thread, {main_frame}, 500'000);
  builder.AddSample(main_thread, {main_frame, hidden_work, method}, 2'000'000);
  builder.AddSample(main_thread, {}, 250'000);
  ThreadSamples& worker = builder.AddThread(9, "");
  worker.start_offset_ns = 100;
  builder.AddSample(worker, {anonymous}, 3'000'000);
  builder.AddSample(worker, {anonymous, work}, 1'000'000);
  return session;
}

TEST(SpeedscopeTest, WritesExactFile) {
  std::string text;
  StringOutput out(&text);
  ASSERT_TRUE(WriteSpeedscope(Valid(SmallSession()), out).ok());
  EXPECT_EQ(
      text,
      std::string(
          R"j({"$schema":"https://www.speedscope.app/file-format-schema.json",)j"
          R"j("exporter":"libpyinstrument )j") +
          PYI_VERSION_STRING +
          R"j(","name":"Program: app --fast","activeProfileIndex":1,)j"
          R"j("shared":{"frames":[{"name":"main","file":"/src/app.c","line":10},)j"
          R"j({"name":"work","file":"/src/app.c","line":20},)j"
          R"j({"name":"World.step","file":"/src/world.py","line":5},)j"
          R"j({"name":"<unknown>"}]},)j"
          R"j("profiles":[{"type":"sampled","name":"main (id 7)",)j"
          R"j("unit":"nanoseconds","startValue":0,"endValue":3750000,)j"
          R"j("samples":[[0,1],[0],[0,1,2],[]],)j"
          R"j("weights":[1000000,500000,2000000,250000]},)j"
          R"j({"type":"sampled","name":"thread (id 9)","unit":"nanoseconds",)j"
          R"j("startValue":100,"endValue":4000100,"samples":[[3],[3,1]],)j"
          R"j("weights":[3000000,1000000]}]})j"
          "\n");
}

TEST(SpeedscopeTest, NameFallsBackToProgramThenDefault) {
  Session session = SmallSession();
  session.target_description.clear();
  session.program = "app --slow";
  std::string text;
  StringOutput out(&text);
  ASSERT_TRUE(WriteSpeedscope(Valid(session), out).ok());
  EXPECT_THAT(text, HasSubstr(R"j("name":"app --slow")j"));

  session.program.clear();
  text.clear();
  ASSERT_TRUE(WriteSpeedscope(Valid(session), out).ok());
  EXPECT_THAT(text, HasSubstr(R"j("name":"libpyinstrument profile")j"));
}

TEST(SpeedscopeTest, EscapesStringsAndRepairsUtf8) {
  Session session;
  SessionBuilder builder(&session);
  const uint32_t frame =
      builder.InternFrame("say \"hi\"\n", "C:\\src\\a\xff.c", 1, "", 0);
  builder.AddSample(builder.AddThread(1, "t\x01"), {frame}, 5);
  std::string text;
  StringOutput out(&text);
  ASSERT_TRUE(WriteSpeedscope(Valid(session), out).ok());
  EXPECT_THAT(text, HasSubstr(R"j({"name":"say \"hi\"\n","file":"C:\\src\\a)j"
                              "\xef\xbf\xbd"
                              R"j(.c","line":1})j"));
  EXPECT_THAT(text, HasSubstr("\"name\":\"t\\u0001 (id 1)\""));
}

TEST(SpeedscopeTest, EmptySessionIsAValidFile) {
  std::string text;
  StringOutput out(&text);
  ASSERT_TRUE(WriteSpeedscope(Valid(Session()), out).ok());
  EXPECT_THAT(text, HasSubstr(R"j("activeProfileIndex":0,"shared":{"frames":[]},"profiles":[]})j"));
}

// An invalid session cannot reach the exporter: it takes a ValidSession,
// which ValidSession::Check refuses to make of one, with DataLoss.
TEST(SpeedscopeTest, RefusesAnInvalidSession) {
  static_assert(!std::is_invocable_v<decltype(&WriteSpeedscope), const Session&,
                                     OutputStream&>);
  Session session = SmallSession();
  session.threads[0].sample_nodes[0] = 1000;  // no such node
  const absl::Status status = ValidSession::Check(std::move(session)).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
}

// A stream that fails after a number of bytes, like a full disk.
class FailingOutput final : public OutputStream {
 public:
  absl::Status Write(absl::string_view bytes) override {
    return absl::ResourceExhaustedError("disk full");
  }
};

TEST(SpeedscopeTest, ReportsStreamErrors) {
  FailingOutput out;
  const absl::Status status = WriteSpeedscope(Valid(SmallSession()), out);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
}

TEST(SpeedscopeTest, StreamsADeepStackWithoutQuadraticWork) {
  // 5000 frames deep, 100 samples at the leaf: linear in the output.
  Session session;
  SessionBuilder builder(&session);
  std::vector<uint32_t> stack;
  for (uint32_t i = 0; i < 5000; ++i) {
    stack.push_back(builder.InternFrame("f", "deep.c", i + 1, "", 0));
  }
  ThreadSamples& thread = builder.AddThread(1, "main");
  for (int i = 0; i < 100; ++i) builder.AddSample(thread, stack, 1);
  std::string text;
  StringOutput out(&text);
  ASSERT_TRUE(WriteSpeedscope(Valid(session), out).ok());
  EXPECT_THAT(text, HasSubstr(R"j("endValue":100,)j"));
  EXPECT_THAT(text, HasSubstr(",4998,4999],[0,1,2,"));
}

}  // namespace
}  // namespace pyi
