// Tests for lib/render/render_options: the one option parser the renderers
// declare their keys on.

#include "lib/render/render_options.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/render/console.h"
#include "lib/render/json.h"

namespace pyi {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

enum class Shape { kRound, kSquare };

struct Options {
  bool flag = false;
  double percent = 1;
  uint32_t depth = 5;
  Shape shape = Shape::kRound;
  std::vector<std::string> names;
};

OptionParser ParserFor(Options* options) {
  OptionParser parser("demo");
  parser.Bool("flag", &options->flag)
      .Percent("percent", &options->percent)
      .Positive("depth", &options->depth)
      .Choice<Shape>("shape",
                     {{"round", Shape::kRound},
                      {"square", Shape::kSquare},
                      {"box", Shape::kSquare}},
                     "round or square", &options->shape)
      .Custom("names",
              [options](absl::string_view value) {
                options->names = SplitOptionList(value);
                return absl::OkStatus();
              })
      .Alias("name");
  return parser;
}

TEST(OptionParserTest, ReadsEveryKindOfValue) {
  Options options;
  ASSERT_TRUE(ParserFor(&options)
                  .Parse("flag, percent=2.5,depth=7,shape=box,"
                         "name= a ; b\\,c ;;")
                  .ok());
  EXPECT_TRUE(options.flag);
  EXPECT_DOUBLE_EQ(options.percent, 2.5);
  EXPECT_EQ(options.depth, 7u);
  EXPECT_EQ(options.shape, Shape::kSquare);
  EXPECT_THAT(options.names, ElementsAre("a", "b,c"));
  ASSERT_TRUE(ParserFor(&options).Parse("flag=OFF,flag=yes,flag=0").ok());
  EXPECT_FALSE(options.flag);
}

TEST(OptionParserTest, RefusesUnknownKeysListingTheKnownOnes) {
  Options options;
  const absl::Status status = ParserFor(&options).Parse("flag,colour=1");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "unknown demo option 'colour'; known: flag, percent, depth, "
            "shape, names");
  EXPECT_TRUE(options.flag);  // what came before the error is applied
}

TEST(OptionParserTest, RefusesBadValuesTheSameWayForEveryKind) {
  const std::pair<const char*, const char*> kCases[] = {
      {"flag=maybe",
       "bad value 'maybe' for demo option 'flag': expected "
       "true or false"},
      {"percent=101",
       "bad value '101' for demo option 'percent': expected "
       "a percentage from 0 to 100"},
      {"percent=nan", "bad value 'nan' for demo option 'percent'"},
      {"depth=0",
       "bad value '0' for demo option 'depth': expected a "
       "positive integer"},
      {"shape=oval",
       "bad value 'oval' for demo option 'shape': expected "
       "round or square"},
  };
  for (const auto& [spec, message] : kCases) {
    Options options;
    const absl::Status status = ParserFor(&options).Parse(spec);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << spec;
    EXPECT_THAT(std::string(status.message()), HasSubstr(message)) << spec;
  }
}

TEST(OptionParserTest, KeysLeaveAliasesOut) {
  Options options;
  EXPECT_THAT(ParserFor(&options).Keys(),
              ElementsAre("flag", "percent", "depth", "shape", "names"));
}

// The renderers declare their keys on it; their lists are what help and
// the docs show.
TEST(OptionParserTest, RenderersListTheirKeys) {
  EXPECT_THAT(
      ConsoleOptionKeys(),
      ElementsAre("unicode", "color", "time", "show_all", "timeline", "flat",
                  "flat_time", "short", "collapse_recursion", "invert",
                  "threshold", "thread", "hide", "show", "hide_glob",
                  "show_glob", "hide_importlib", "timezone", "max_depth"));
  EXPECT_THAT(JsonOptionKeys(),
              ElementsAre("thread", "show_all", "timeline", "threshold"));
}

}  // namespace
}  // namespace pyi
