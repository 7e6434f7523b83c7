// Tests for lib/render/json: exact output, and protobuf's JSON parser as a
// real reader that must accept it. (JsonWriter's own tests are in
// tests/base/json_writer_test.cc.)

#include "lib/render/json.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "lib/session/session.h"
#include "tests/util/valid_session.h"

namespace pyi {
namespace {

using ::pyi_testing::Valid;

using ::testing::HasSubstr;
using ::testing::Not;

// Parses `json` with protobuf's JSON reader: proof that it is valid JSON.
google::protobuf::Struct Parse(const std::string& json) {
  google::protobuf::Struct message;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &message);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json;
  return message;
}

TEST(JsonOptionsTest, ParsesKeysAndEscapedCommas) {
  JsonOptions options;
  ASSERT_TRUE(ParseJsonOptions(
                  " show_all , timeline=no,threshold=2.5,thread=a\\,b,thread=7",
                  &options)
                  .ok());
  EXPECT_TRUE(options.show_all);
  EXPECT_FALSE(options.timeline);
  EXPECT_DOUBLE_EQ(options.threshold_percent, 2.5);
  EXPECT_EQ(options.threads, (std::vector<std::string>{"a,b", "7"}));
  ASSERT_TRUE(ParseJsonOptions("threads=x;y", &options).ok());
  EXPECT_EQ(options.threads, (std::vector<std::string>{"x", "y"}));
  ASSERT_TRUE(ParseJsonOptions("thread=all", &options).ok());
  EXPECT_TRUE(options.threads.empty());
}

TEST(JsonOptionsTest, RefusesUnknownKeysAndBadValues) {
  JsonOptions options;
  absl::Status status = ParseJsonOptions("color=1", &options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("'color'"));
  status = ParseJsonOptions("threshold=abc", &options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("'abc'"));
  EXPECT_FALSE(ParseJsonOptions("threshold=101", &options).ok());
  EXPECT_FALSE(ParseJsonOptions("threshold=nan", &options).ok());
  EXPECT_FALSE(ParseJsonOptions("show_all=maybe", &options).ok());
}

// Two threads: the main thread with an application call tree, a worker in a
// library.
Session TwoThreads() {
  Session session;
  session.start_time_unix_ns = 1'700'000'000'250'000'000;
  session.duration_ns = 6'000'000;
  session.cpu_time_ns = 5'500'000;
  session.target_description = "demo \"target\"";
  session.program = "./demo";
  session.library_roots = {"/usr/lib/"};
  SessionBuilder builder(&session);
  const uint32_t main_frame =
      builder.InternFrame("main", "/src/app/main.c", 1, "", 0);
  const uint32_t step =
      builder.InternFrame("step", "/src/app/engine/engine.c", 10, "Engine", 0);
  const uint32_t lib = builder.InternFrame("compress", "/usr/lib/libz.so.1",
                                           0, "", 0);
  ThreadSamples& main_thread = builder.AddThread(1, "main");
  builder.AddSample(main_thread, {main_frame, step}, 3'000'000);
  builder.AddSample(main_thread, {main_frame}, 1'000'000);
  ThreadSamples& worker = builder.AddThread(2, "worker");
  builder.AddSample(worker, {lib}, 2'000'000);
  return session;
}

std::string Render(const Session& session, absl::string_view spec) {
  JsonOptions options;
  EXPECT_TRUE(ParseJsonOptions(spec, &options).ok()) << spec;
  std::string out;
  EXPECT_TRUE(RenderJson(Valid(session), options, &out).ok());
  return out;
}

TEST(JsonRenderTest, TwoThreadsExactly) {
  const std::string main_tree =
      R"({"function":"main","file_path_short":"main.c",)"
      R"("file_path":"/src/app/main.c","line_no":1,"time":0.004,)"
      R"("await_time":0,"is_application_code":true,"children":[)"
      R"({"function":"step","file_path_short":"engine/engine.c",)"
      R"("file_path":"/src/app/engine/engine.c","line_no":10,"time":0.003,)"
      R"("await_time":0,"is_application_code":true,"children":[],)"
      R"("class_name":"Engine"},)"
      R"({"function":"[self]","file_path_short":"","file_path":"",)"
      R"("line_no":0,"time":0.001,"await_time":0,)"
      R"("is_application_code":false,"children":[]}]})";
  const std::string worker_tree =
      R"({"function":"compress","file_path_short":"libz.so.1",)"
      R"("file_path":"/usr/lib/libz.so.1","line_no":0,"time":0.002,)"
      R"("await_time":0,"is_application_code":false,"children":[]})";
  EXPECT_EQ(Render(TwoThreads(), ""),
            R"({"start_time":1700000000.25,"duration":0.006,)"
            R"("sample_count":3,"target_description":"demo \"target\"",)"
            R"("cpu_time":0.0055,"program":"./demo","root_frame":)" +
                main_tree +
                R"(,"threads":[{"id":1,"name":"main","sample_count":2,)"
                R"("duration":0.004,"root_frame":)" +
                main_tree +
                R"(},{"id":2,"name":"worker","sample_count":1,)"
                R"("duration":0.002,"root_frame":)" +
                worker_tree + "}]}");
  // One chosen thread: its tree is root_frame, and there is no list.
  EXPECT_EQ(Render(TwoThreads(), "thread=2"),
            R"({"start_time":1700000000.25,"duration":0.006,)"
            R"("sample_count":3,"target_description":"demo \"target\"",)"
            R"("cpu_time":0.0055,"program":"./demo","root_frame":)" +
                worker_tree + "}");
}

TEST(JsonRenderTest, ARealReaderAcceptsIt) {
  Session session = TwoThreads();
  // Strings that are not UTF-8 or hold control characters still give JSON.
  session.strings[session.frames[0].function] = "ma\xFFin\x01";
  const google::protobuf::Struct parsed = Parse(Render(session, ""));
  const auto& fields = parsed.fields();
  EXPECT_EQ(fields.at("sample_count").number_value(), 3);
  EXPECT_EQ(fields.at("target_description").string_value(), "demo \"target\"");
  const auto& root = fields.at("root_frame").struct_value().fields();
  EXPECT_EQ(root.at("function").string_value(), "ma\xEF\xBF\xBDin\x01");
  EXPECT_DOUBLE_EQ(root.at("time").number_value(), 0.004);
  EXPECT_EQ(root.at("children").list_value().values_size(), 2);
  EXPECT_EQ(fields.at("threads").list_value().values_size(), 2);
}

TEST(JsonRenderTest, SeveralTopFramesGetASyntheticRoot) {
  Session session;
  SessionBuilder builder(&session);
  const uint32_t a = builder.InternFrame("a", "a.c", 1, "", 0);
  const uint32_t b = builder.InternFrame("b", "b.c", 2, "", 0);
  ThreadSamples& thread = builder.AddThread(5, "t");
  builder.AddSample(thread, {a}, 2'000'000);
  builder.AddSample(thread, {b}, 1'000'000);
  const std::string json = Render(session, "");
  EXPECT_THAT(json, HasSubstr(R"("root_frame":{"function":"[root]",)"
                              R"("file_path_short":"","file_path":"",)"
                              R"("line_no":0,"time":0.003,)"));
  Parse(json);
}

TEST(JsonRenderTest, EmptySessionsHaveANullRoot) {
  Session session;
  EXPECT_EQ(Render(session, ""),
            R"({"start_time":0,"duration":0,"sample_count":0,)"
            R"("target_description":"","cpu_time":0,"program":"",)"
            R"("root_frame":null})");
  SessionBuilder builder(&session);
  builder.AddThread(1, "idle");
  EXPECT_THAT(Render(session, ""), HasSubstr(R"("root_frame":null})"));
}

TEST(JsonRenderTest, UnknownThreadIsAnErrorAndWritesNothing) {
  JsonOptions options;
  options.threads = {"nobody"};
  std::string out = "kept";
  const absl::Status status = RenderJson(Valid(TwoThreads()), options, &out);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("nobody"));
  EXPECT_EQ(out, "kept");
}

TEST(JsonRenderTest, ThresholdAndShowAllReachTheProcessors) {
  // [self] holds 25% of main's thread: a 30% threshold removes it.
  EXPECT_THAT(Render(TwoThreads(), "thread=main"), HasSubstr("[self]"));
  EXPECT_THAT(Render(TwoThreads(), "thread=main,threshold=30"),
              Not(HasSubstr("[self]")));
}

TEST(JsonRenderTest, LibraryGroupsCarryAGroupId) {
  Session session;
  session.library_roots = {"/usr/lib/"};
  SessionBuilder builder(&session);
  const uint32_t app = builder.InternFrame("app", "/src/app.c", 1, "", 0);
  std::vector<uint32_t> stack = {app};
  for (int i = 0; i < 4; ++i) {
    stack.push_back(builder.InternFrame(absl::StrCat("lib", i),
                                        "/usr/lib/libx.so", i, "", 0));
  }
  builder.AddSample(builder.AddThread(1, "main"), stack, 10'000'000);
  const std::string grouped = Render(session, "");
  EXPECT_THAT(grouped, HasSubstr(R"("group_id":"0")"));
  Parse(grouped);
  EXPECT_THAT(Render(session, "show_all"), Not(HasSubstr("group_id")));
}

TEST(JsonRenderTest, TimelineKeepsRepeatedCallsApart) {
  Session session;
  SessionBuilder builder(&session);
  const uint32_t a = builder.InternFrame("a", "a.c", 1, "", 0);
  const uint32_t b = builder.InternFrame("b", "a.c", 2, "", 0);
  const uint32_t c = builder.InternFrame("c", "a.c", 3, "", 0);
  ThreadSamples& thread = builder.AddThread(1, "main");
  builder.AddSample(thread, {a, b}, 1'000'000);
  builder.AddSample(thread, {a, c}, 1'000'000);
  builder.AddSample(thread, {a, b}, 1'000'000);
  const auto count = [](const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos;
         at = text.find(what, at + 1)) {
      ++n;
    }
    return n;
  };
  EXPECT_EQ(count(Render(session, ""), R"("function":"b")"), 1u);
  EXPECT_EQ(count(Render(session, "timeline"), R"("function":"b")"), 2u);
}

TEST(JsonRenderTest, DeepStacksDoNotRecurse) {
  Session session;
  SessionBuilder builder(&session);
  std::vector<uint32_t> stack;
  constexpr int kDepth = 100'000;
  for (int i = 0; i < kDepth; ++i) {
    stack.push_back(builder.InternFrame(absl::StrCat("f", i), "deep.c", i,
                                        "", 0));
  }
  builder.AddSample(builder.AddThread(1, "main"), stack, 1'000'000);
  const std::string json = Render(session, "show_all");
  EXPECT_THAT(json, HasSubstr(R"("function":"f99999")"));
  // Balanced: every frame object opened is closed.
  size_t open = 0, close = 0;
  for (char c : json) {
    open += c == '{';
    close += c == '}';
  }
  EXPECT_EQ(open, close);
  EXPECT_EQ(open, static_cast<size_t>(kDepth) + 1);
}

}  // namespace
}  // namespace pyi
