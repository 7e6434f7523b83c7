// Collapsed stacks: exact output, escaping, time values, thread roots.

#include "lib/formats/collapsed.h"

#include <string>

#include "gtest/gtest.h"
#include "lib/base/output.h"
#include "lib/session/session.h"
#include "tests/util/valid_session.h"

namespace pyi {
namespace {

using ::pyi_testing::Valid;

constexpr int64_t kUs = 1'000;

Session OneThread() {
  Session session;
  SessionBuilder builder(&session);
  const uint32_t main_frame = builder.InternFrame("main", "app.c", 1, "", 0);
  const uint32_t work = builder.InternFrame("work;it", "a%b.c", 20, "", 0);
  const uint32_t bare = builder.InternFrame("bare\nname", "", 0, "", 0);
  ThreadSamples& thread = builder.AddThread(7, "main");
  builder.AddSample(thread, {main_frame, work}, 1500);
  builder.AddSample(thread, {main_frame}, 3 * kUs);
  builder.AddSample(thread, {main_frame, work}, 2 * kUs);
  builder.AddSample(thread, {main_frame, work, bare}, 400);
  builder.AddSample(thread, {}, 1 * kUs);
  return session;
}

std::string Write(const Session& session, CollapsedOptions options = {}) {
  std::string out;
  StringOutput stream(&out);
  const absl::Status status = WriteCollapsed(Valid(session), stream, options);
  EXPECT_TRUE(status.ok()) << status;
  return out;
}

TEST(CollapsedTest, OneLinePerStackWithSampleCounts) {
  EXPECT_EQ(Write(OneThread()),
            "(no frame) 1\n"
            "main (app.c:1) 1\n"
            "main (app.c:1);work%3Bit (a%25b.c:20) 2\n"
            "main (app.c:1);work%3Bit (a%25b.c:20);bare%0Aname 1\n");
}

TEST(CollapsedTest, MicrosecondsRoundAndDropZeros) {
  CollapsedOptions options;
  options.value = CollapsedOptions::Value::kMicroseconds;
  EXPECT_EQ(Write(OneThread(), options),
            "(no frame) 1\n"
            "main (app.c:1) 3\n"
            "main (app.c:1);work%3Bit (a%25b.c:20) 4\n");
}

TEST(CollapsedTest, ThreadNamesAreRootsWhenSeveralThreads) {
  Session session = OneThread();
  SessionBuilder builder(&session);
  ThreadSamples& worker = builder.AddThread(9, "");
  builder.AddSample(worker, {0}, kUs);
  EXPECT_EQ(Write(session),
            "main 1\n"
            "main;main (app.c:1) 1\n"
            "main;main (app.c:1);work%3Bit (a%25b.c:20) 2\n"
            "main;main (app.c:1);work%3Bit (a%25b.c:20);bare%0Aname 1\n"
            "thread 9;main (app.c:1) 1\n");
}

}  // namespace
}  // namespace pyi
