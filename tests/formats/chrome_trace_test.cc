// Chrome trace export: exact output for a small session, valid JSON for a
// large one.

#include "lib/formats/chrome_trace.h"

#include <string>
#include <type_traits>
#include <utility>

#include "benchmarks/synthetic_session.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "lib/base/output.h"
#include "lib/session/session.h"
#include "tests/util/valid_session.h"

namespace pyi {
namespace {

using ::pyi_testing::Valid;

constexpr int64_t kUs = 1'000;

Session SmallSession() {
  Session session;
  session.start_time_unix_ns = 1'700'000'000'000'000'000;
  session.duration_ns = 20 * kUs;
  session.interval_ns = kUs;
  session.target_description = "demo \"quoted\"";
  SessionBuilder builder(&session);
  const uint32_t main_frame = builder.InternFrame("main", "app.c", 1, "", 0);
  const uint32_t work = builder.InternFrame("work", "app.c", 20, "", 0);
  const uint32_t run = builder.InternFrame("run", "job.py", 5, "Job", 0);
  ThreadSamples& thread = builder.AddThread(7, "main");
  thread.start_offset_ns = 500;
  builder.AddSample(thread, {main_frame, work}, 1 * kUs + 1);
  builder.AddSample(thread, {main_frame, work}, 2 * kUs);
  builder.AddSample(thread, {main_frame}, 3 * kUs);
  builder.AddSample(thread, {main_frame, run}, 4 * kUs);
  builder.AddSample(thread, {}, 1 * kUs);
  builder.AddSample(thread, {main_frame}, 1 * kUs);
  ThreadSamples& worker = builder.AddThread(8, "w\n1");
  builder.AddSample(worker, {work}, 5 * kUs);
  return session;
}

std::string Write(const Session& session) {
  std::string out;
  StringOutput stream(&out);
  const absl::Status status = WriteChromeTrace(Valid(session), stream);
  EXPECT_TRUE(status.ok()) << status;
  return out;
}

TEST(ChromeTraceTest, WritesSpansWithNanosecondPrecision) {
  EXPECT_EQ(
      Write(SmallSession()),
      R"({"traceEvents":[
{"ph":"M","pid":1,"tid":0,"name":"process_name","args":{"name":"demo \"quoted\""}},
{"ph":"M","pid":1,"tid":7,"name":"thread_name","args":{"name":"main"}},
{"ph":"M","pid":1,"tid":8,"name":"thread_name","args":{"name":"w\n1"}},
{"ph":"X","pid":1,"tid":7,"ts":0.500,"dur":3.001,"name":"work","args":{"file":"app.c","line":20}},
{"ph":"X","pid":1,"tid":7,"ts":6.501,"dur":4.000,"name":"run","args":{"file":"job.py","line":5,"module":"Job"}},
{"ph":"X","pid":1,"tid":7,"ts":0.500,"dur":10.001,"name":"main","args":{"file":"app.c","line":1}},
{"ph":"X","pid":1,"tid":7,"ts":11.501,"dur":1.000,"name":"main","args":{"file":"app.c","line":1}},
{"ph":"X","pid":1,"tid":8,"ts":0.000,"dur":5.000,"name":"work","args":{"file":"app.c","line":20}}
],"displayTimeUnit":"ns","otherData":{"generator":"libpyinstrument","start_time_unix_ns":1700000000000000000,"duration_ns":20000,"interval_ns":1000}}
)");
}

TEST(ChromeTraceTest, OutputIsValidJson) {
  SyntheticSessionOptions options;
  options.samples = 20'000;
  options.threads = 2;
  const std::string json = Write(MakeSyntheticSession(options));
  google::protobuf::Value value;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &value);
  ASSERT_TRUE(status.ok()) << status.ToString();
  const auto& events =
      value.struct_value().fields().at("traceEvents").list_value();
  EXPECT_GT(events.values_size(), 1000);
}

// A damaged session cannot reach the exporter: it takes a ValidSession,
// which ValidSession::Check refuses to make of one (with DataLoss,
// PYI_ERR_CORRUPT, as everywhere).
TEST(ChromeTraceTest, RefusesDamagedSessions) {
  static_assert(!std::is_invocable_v<decltype(&WriteChromeTrace),
                                     const Session&, OutputStream&>);
  Session session = SmallSession();
  session.threads[0].sample_nodes[0] = 999;
  EXPECT_EQ(ValidSession::Check(std::move(session)).status().code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace pyi
