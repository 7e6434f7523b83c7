// The docs list the formats the table has: the README's Formats table, the C
// header's comments on the interchange formats and pyi_session_render, and
// the Python binding's docstrings. When a format, name, ending or renderer
// option is added to lib/formats/formats.cc (or to a renderer's options),
// this test names the document that still says otherwise.

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/formats/formats.h"
#include "tests/util/files.h"

namespace pyi {
namespace {

using ::pyi_testing::ReadFile;

// What the docs say about one format.
struct Documented {
  std::vector<std::string> names;  // the name, then the aliases
  std::vector<std::string> endings;
  bool write = false;
  bool read = false;

  std::string ToString() const {
    return absl::StrCat(absl::StrJoin(names, "/"), " (",
                        absl::StrJoin(endings, ", "), ")",
                        write ? " write" : "", read ? " read" : "");
  }
};

// The table, as the docs should say it.
std::vector<std::string> Expected() {
  std::vector<std::string> rows;
  for (const Format& format : Formats()) {
    Documented row;
    row.names.emplace_back(format.name);
    for (absl::string_view alias : format.aliases) {
      row.names.emplace_back(alias);
    }
    for (absl::string_view ending : format.endings) {
      row.endings.emplace_back(ending);
    }
    row.write = format.write != nullptr;
    row.read = format.read != nullptr;
    rows.push_back(row.ToString());
  }
  return rows;
}

// The words of `text` between backquotes or double quotes ("`pb`, `trace`"
// or "\"pb\", \"trace\"" -> pb, trace).
std::vector<std::string> Quoted(absl::string_view text, char quote) {
  std::vector<std::string> words;
  const std::vector<absl::string_view> parts = absl::StrSplit(text, quote);
  for (size_t i = 1; i < parts.size(); i += 2) words.emplace_back(parts[i]);
  return words;
}

// The comment block of the header that starts at `marker`, up to its "*/".
std::string HeaderComment(const std::string& header, absl::string_view marker) {
  const size_t start = header.find(std::string(marker));
  if (start == std::string::npos) return "";
  const size_t end = header.find("*/", start);
  return header.substr(start, end - start);
}

TEST(FormatsDocTest, ReadmeListsTheTable) {
  const std::string readme = ReadFile("README.md");
  ASSERT_FALSE(readme.empty()) << "README.md not found";
  const size_t section = readme.find("\n## Formats\n");
  ASSERT_NE(section, std::string::npos) << "README.md has no Formats section";
  std::vector<std::string> rows;
  bool in_table = false;
  for (absl::string_view line :
       absl::StrSplit(absl::string_view(readme).substr(section + 1), '\n')) {
    if (absl::StartsWith(line, "| format |")) {
      in_table = true;
      continue;
    }
    if (!in_table || absl::StartsWith(line, "|---")) continue;
    if (!absl::StartsWith(line, "|")) break;
    // | `name` | `alias`, ... | `.end`, ... | yes | yes | what |
    const std::vector<absl::string_view> cells = absl::StrSplit(line, '|');
    ASSERT_GE(cells.size(), 7u) << line;
    Documented row;
    for (size_t cell = 1; cell <= 2; ++cell) {
      for (std::string& name : Quoted(cells[cell], '`')) {
        row.names.push_back(std::move(name));
      }
    }
    row.endings = Quoted(cells[3], '`');
    row.write = absl::StripAsciiWhitespace(cells[4]) == "yes";
    row.read = absl::StripAsciiWhitespace(cells[5]) == "yes";
    rows.push_back(row.ToString());
  }
  EXPECT_EQ(rows, Expected())
      << "README.md's Formats table differs from lib/formats/formats.cc";
}

// Lines of the form
//    *   "chrome", "chrome_trace", "trace" (.trace.json, .chrome.json) write
TEST(FormatsDocTest, HeaderListsTheTable) {
  const std::string header = ReadFile("include/pyinstrument/pyinstrument.h");
  ASSERT_FALSE(header.empty()) << "the C header not found";
  const std::string comment =
      HeaderComment(header, "/* The formats, one per line below");
  ASSERT_FALSE(comment.empty()) << "no comment on the interchange formats";
  std::vector<std::string> rows;
  for (absl::string_view line : absl::StrSplit(comment, '\n')) {
    if (!absl::StartsWith(line, " *   \"")) continue;
    const size_t open = line.find(" (");
    const size_t close = line.find(')', open);
    ASSERT_NE(close, absl::string_view::npos) << line;
    Documented row;
    row.names = Quoted(line.substr(0, open), '"');
    for (absl::string_view ending :
         absl::StrSplit(line.substr(open + 2, close - open - 2), ", ",
                        absl::SkipEmpty())) {
      row.endings.emplace_back(ending);
    }
    const std::vector<absl::string_view> words = absl::StrSplit(
        line.substr(close + 1), absl::ByAnyChar(" ,"), absl::SkipEmpty());
    for (absl::string_view word : words) {
      if (word == "write") row.write = true;
      if (word == "read") row.read = true;
    }
    rows.push_back(row.ToString());
  }
  EXPECT_EQ(rows, Expected())
      << "the C header's list of formats differs from lib/formats/formats.cc";
}

// Whether `word` stands in `text` as a word of its own (not inside
// "flat_time" when looking for "time").
bool HasWord(absl::string_view text, absl::string_view word) {
  const auto is_word = [](char c) {
    return absl::ascii_isalnum(c) || c == '_';
  };
  for (size_t at = text.find(word); at != absl::string_view::npos;
       at = text.find(word, at + 1)) {
    const size_t end = at + word.size();
    if ((at == 0 || !is_word(text[at - 1])) &&
        (end == text.size() || !is_word(text[end]))) {
      return true;
    }
  }
  return false;
}

// Lines of the form
//    *   "json": pyinstrument's JSON schema; options thread (or threads), ...
// with their continuation lines.
TEST(FormatsDocTest, HeaderListsTheRenderersAndTheirOptions) {
  const std::string header = ReadFile("include/pyinstrument/pyinstrument.h");
  const std::string comment = HeaderComment(
      header, "/* Renders a report of the session with a renderer");
  ASSERT_FALSE(comment.empty()) << "no comment on pyi_session_render";
  std::vector<std::string> names;       // per documented renderer
  std::vector<std::string> paragraphs;  // its line and continuations
  for (absl::string_view line : absl::StrSplit(comment, '\n')) {
    if (absl::StartsWith(line, " *   \"")) {
      names.push_back(
          absl::StrJoin(Quoted(line.substr(0, line.find(':')), '"'), "/"));
      paragraphs.emplace_back(line);
    } else if (absl::StartsWith(line, " *       ") && !paragraphs.empty()) {
      absl::StrAppend(&paragraphs.back(), " ",
                      absl::StripLeadingAsciiWhitespace(line.substr(2)));
    }
  }
  std::vector<std::string> expected;
  for (const Format& format : Formats()) {
    if (!format.is_renderer()) continue;
    std::vector<std::string> all = {std::string(format.name)};
    for (absl::string_view alias : format.aliases) all.emplace_back(alias);
    expected.push_back(absl::StrJoin(all, "/"));
    const auto it = std::find(names.begin(), names.end(), expected.back());
    if (it == names.end()) continue;
    const std::string& text = paragraphs[it - names.begin()];
    for (const std::string& key : format.option_keys()) {
      EXPECT_TRUE(HasWord(text, key))
          << "pyi_session_render's comment does not name " << format.name
          << "'s option " << key;
    }
    if (format.option_keys().empty()) {
      EXPECT_THAT(text, testing::HasSubstr("no options")) << format.name;
    }
  }
  EXPECT_EQ(names, expected)
      << "pyi_session_render's renderers differ from lib/formats/formats.cc";
}

// "(formats: session, pprof, ...; ...)" and "(renderers: text, json, html)"
// in the docstrings of the Python binding.
TEST(FormatsDocTest, PythonDocstringsNameTheFormats) {
  std::vector<std::string> renderers;
  for (const Format& format : Formats()) {
    if (format.is_renderer()) renderers.emplace_back(format.name);
  }
  for (const char* path : {"bindings/python/native/session.c",
                           "bindings/python/libpyinstrument/__init__.py"}) {
    SCOPED_TRACE(path);
    std::string text = ReadFile(path);
    ASSERT_FALSE(text.empty());
    // Join C's adjacent string literals and Python's wrapped lines.
    text = absl::StrReplaceAll(text, {{"\"\n     \"", ""}});
    std::string flat;
    for (absl::string_view line : absl::StrSplit(text, '\n')) {
      absl::StrAppend(&flat, absl::StripAsciiWhitespace(line), " ");
    }
    const size_t formats = flat.find("(formats: ");
    ASSERT_NE(formats, std::string::npos);
    const size_t formats_end = flat.find(';', formats);
    EXPECT_EQ(flat.substr(formats + 10, formats_end - formats - 10),
              WritableFormatNames());
    const size_t list = flat.find("(renderers: ");
    ASSERT_NE(list, std::string::npos);
    const size_t list_end = flat.find(')', list);
    EXPECT_EQ(flat.substr(list + 12, list_end - list - 12),
              absl::StrJoin(renderers, ", "));
  }
}

}  // namespace
}  // namespace pyi
