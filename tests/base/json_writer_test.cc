// Tests for lib/base/json_writer: escaping, commas, exact numbers.

#include "lib/base/json_writer.h"

#include <cstdint>
#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace pyi {
namespace {

std::string Quoted(absl::string_view text) {
  std::string out;
  JsonWriter::AppendQuoted(text, &out);
  return out;
}

TEST(JsonWriterTest, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(Quoted("plain"), R"("plain")");
  EXPECT_EQ(Quoted("a\"b\\c/d"), R"("a\"b\\c/d")");
  EXPECT_EQ(Quoted("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(Quoted(std::string("\x01\x1f\x7f", 3)), "\"\\u0001\\u001f\x7f\"");
  EXPECT_EQ(Quoted(std::string("a\0b", 3)), R"("a\u0000b")");
}

TEST(JsonWriterTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(Quoted("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
  const std::string kFffd = "\xEF\xBF\xBD";
  EXPECT_EQ(Quoted("\xFF"), "\"" + kFffd + "\"");
  // Overlong '/', a surrogate, past U+10FFFF, a lone continuation byte, a
  // truncated sequence at the end: one U+FFFD per byte.
  EXPECT_EQ(Quoted("\xC0\xAF"), "\"" + kFffd + kFffd + "\"");
  EXPECT_EQ(Quoted("\xED\xA0\x80"), "\"" + kFffd + kFffd + kFffd + "\"");
  EXPECT_EQ(Quoted("\xF4\x90\x80\x80"),
            "\"" + kFffd + kFffd + kFffd + kFffd + "\"");
  EXPECT_EQ(Quoted("a\x80z"), "\"a" + kFffd + "z\"");
  EXPECT_EQ(Quoted("\xE2\x82"), "\"" + kFffd + kFffd + "\"");
}

TEST(JsonWriterTest, PlacesCommasInNestedContainers) {
  std::string out;
  JsonWriter json(&out);
  json.BeginObject();
  json.Key("a");
  json.BeginArray();
  json.Int(-1);
  json.Uint(std::numeric_limits<uint64_t>::max());
  json.BeginObject();
  json.EndObject();
  json.BeginArray();
  json.EndArray();
  json.Bool(true);
  json.Null();
  json.EndArray();
  json.Key("b");
  json.String("x");
  json.EndObject();
  EXPECT_EQ(out, R"({"a":[-1,18446744073709551615,{},[],true,null],"b":"x"})");
  EXPECT_EQ(json.depth(), 0u);
}

TEST(JsonWriterTest, FixedPointIsExact) {
  const auto fixed = [](int64_t value, int decimals) {
    std::string out;
    JsonWriter(&out).FixedPoint(value, decimals);
    return out;
  };
  EXPECT_EQ(fixed(1'500'000, 9), "0.0015");
  EXPECT_EQ(fixed(0, 9), "0");
  EXPECT_EQ(fixed(2'000'000'000, 9), "2");
  EXPECT_EQ(fixed(1'700'000'000'250'000'000, 9), "1700000000.25");
  EXPECT_EQ(fixed(-5, 9), "-0.000000005");
  EXPECT_EQ(fixed(std::numeric_limits<int64_t>::min(), 9),
            "-9223372036.854775808");
  EXPECT_EQ(fixed(std::numeric_limits<int64_t>::max(), 18),
            "9.223372036854775807");
  EXPECT_EQ(fixed(42, 0), "42");
}

TEST(JsonWriterTest, DoublesRoundTripAndNonFiniteIsNull) {
  const auto number = [](double value) {
    std::string out;
    JsonWriter(&out).Double(value);
    return out;
  };
  EXPECT_EQ(number(0.1), "0.1");
  EXPECT_EQ(number(1.0 / 3.0), "0.3333333333333333");
  EXPECT_EQ(number(1e300), "1e+300");
  EXPECT_EQ(number(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(number(std::numeric_limits<double>::infinity()), "null");
}

}  // namespace
}  // namespace pyi
