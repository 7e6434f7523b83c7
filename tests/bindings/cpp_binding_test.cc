#include "pyinstrument/pyinstrument.hpp"

#include <cstdint>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/bindings/scopes.h"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kMs = 1'000'000;
thread_local int64_t fake_now = 0;
int64_t FakeClock(void*) { return fake_now; }

pyi_options FakeClockOptions() {
  pyi_options options;
  pyi_options_init(&options);
  options.clock = PYI_CLOCK_CALLBACK;
  options.clock_callback = &FakeClock;
  options.gating = PYI_GATING_EVERY_EVENT;
  options.target_description = "cpp binding test";
  return options;
}

class Physics {
 public:
  void Step() {
    PYI_SCOPE();
    fake_now += 2 * kMs;
    {
      PYI_SCOPE_NAMED("collide");
      fake_now += 3 * kMs;
    }
  }
};

template <typename T>
int TemplatedWork(T value) {
  PYI_SCOPE();
  fake_now += 1 * kMs;
  return static_cast<int>(value);
}

void Frame() {
  PYI_SCOPE();
  Physics physics;
  physics.Step();
  TemplatedWork(1.5);
  bindings_test::DisabledWork(&fake_now);
  fake_now += kMs;
}

TEST(QualifiedFunctionNameTest, StripsReturnTypeAndParameters) {
  using pyi::internal::QualifiedFunctionName;
  EXPECT_EQ(QualifiedFunctionName("void Game::Update(float) const"),
            "Game::Update");
  EXPECT_EQ(QualifiedFunctionName("int main()"), "main");
  EXPECT_EQ(QualifiedFunctionName(
                "std::vector<int> ns::Make(std::pair<int, int>)"),
            "ns::Make");
  EXPECT_EQ(QualifiedFunctionName("int Work(T) [with T = double]"), "Work");
  EXPECT_EQ(QualifiedFunctionName("no_parentheses"), "no_parentheses");
}

TEST(CppBindingTest, ScopesBuildTheTree) {
  fake_now = 0;
  pyi_options options = FakeClockOptions();
  pyi::Session session(options);
  ASSERT_TRUE(session.ok()) << session.error();
  Frame();
  fake_now += kMs;
  ASSERT_EQ(session.Stop(), PYI_OK) << session.error();

  const pyi_session_stats stats = session.Stats();
  EXPECT_EQ(stats.unbalanced_exits, 0u);
  EXPECT_EQ(stats.thread_count, 1u);

  const std::string report =
      session.Render("text", "unicode=0,color=0,threshold=0");
  ASSERT_TRUE(session.ok()) << session.error();
  EXPECT_THAT(report, HasSubstr("cpp binding test"));
  // Method scopes carry their class; named scopes their name.
  EXPECT_THAT(report, HasSubstr("Frame  "));
  EXPECT_THAT(report, HasSubstr("Physics::Step  "));
  EXPECT_THAT(report, HasSubstr("collide  "));
  EXPECT_THAT(report, HasSubstr("TemplatedWork  "));
  // PYI_DISABLE scopes leave no frame; their time stays in the caller.
  EXPECT_THAT(report, Not(HasSubstr("DisabledWork")));
  EXPECT_THAT(report, Not(HasSubstr("disabled_block")));
}

TEST(CppBindingTest, ErrorsAreReportedNotThrown) {
  pyi_options options = FakeClockOptions();
  options.interval_ns = -1;
  pyi::Session session(options);
  EXPECT_FALSE(session.ok());
  EXPECT_EQ(session.status(), PYI_ERR_INVALID_ARGUMENT);
  EXPECT_THAT(session.error(), HasSubstr("interval_ns"));
  EXPECT_EQ(session.Stop(), PYI_ERR_INVALID_ARGUMENT);  // no session
  EXPECT_EQ(session.Render(), "");
}

TEST(CppBindingTest, RunningSessionRefusesToRenderAndMoves) {
  fake_now = 0;
  pyi_options options = FakeClockOptions();
  pyi::Session first(options);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first.Render(), "");
  EXPECT_EQ(first.status(), PYI_ERR_STATE);
  pyi::Session second = std::move(first);
  EXPECT_EQ(first.get(), nullptr);  // NOLINT: moved-from is documented empty
  EXPECT_EQ(second.Stop(), PYI_OK);
}

TEST(CppBindingTest, EachThreadGetsItsOwnTree) {
  fake_now = 0;
  pyi_options options = FakeClockOptions();
  pyi::Session session(options);
  ASSERT_TRUE(session.ok());
  std::thread worker([] {
    pyi_thread_set_name("worker");
    fake_now = 0;
    Frame();
  });
  worker.join();
  Frame();
  ASSERT_EQ(session.Stop(), PYI_OK);
  EXPECT_EQ(session.Stats().thread_count, 2u);
  const std::string report = session.Render("text", "color=0");
  EXPECT_THAT(report, HasSubstr("Thread worker"));
}

}  // namespace
