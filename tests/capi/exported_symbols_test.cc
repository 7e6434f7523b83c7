// Checks the dynamic symbol table of libpyinstrument.so against the header
// and the version script: every symbol it defines is part of the C ABI
// (pyi_*) in a PYI_1.x version node, the stable section of the header, the
// version script and the library name the same symbols, 1.0's symbols stay
// in PYI_1.0, and no Abseil, protobuf or C++ standard library symbol leaks
// to the host.

#include <cctype>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/files.h"

namespace {

std::vector<std::string> RunAndReadLines(const std::string& command) {
  const pyi_testing::CommandResult result = pyi_testing::RunCommand(command);
  EXPECT_EQ(result.exit_code, 0) << command;
  return pyi_testing::Lines(result.out);
}

// Defined dynamic symbols and the version node each is in ("" for none).
std::map<std::string, std::string> DefinedDynamicSymbols() {
  std::map<std::string, std::string> symbols;
  for (const std::string& line : RunAndReadLines(
           "nm -D --defined-only libpyinstrument.so 2>&1")) {
    std::vector<std::string> fields =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (fields.size() < 3) continue;
    if (fields[1] == "A") continue;  // absolute version-node symbols
    // Lowercase types are local: no host can bind to them.
    if (std::islower(static_cast<unsigned char>(fields[1][0]))) continue;
    // "pyi_version@@PYI_1.0": the name and its (default) version node.
    const std::string& symbol = fields[2];
    const size_t at = symbol.find('@');
    symbols[symbol.substr(0, at)] =
        at == std::string::npos
            ? ""
            : symbol.substr(symbol.find_first_not_of('@', at));
  }
  return symbols;
}

// `text` without its /* */ comments and preprocessor lines.
std::string CodeOf(const std::string& text) {
  std::string code;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find("/*", pos);
    code.append(text, pos, open == std::string::npos ? open : open - pos);
    if (open == std::string::npos) break;
    const size_t close = text.find("*/", open + 2);
    pos = close == std::string::npos ? text.size() : close + 2;
  }
  std::string without_directives;
  for (const std::string& line : pyi_testing::Lines(code)) {
    const size_t first = line.find_first_not_of(" \t");
    if (first != std::string::npos && line[first] == '#') continue;
    absl::StrAppend(&without_directives, line, "\n");
  }
  return without_directives;
}

// `code` as identifiers and single punctuation characters.
std::vector<std::string> Tokens(const std::string& code) {
  std::vector<std::string> tokens;
  for (size_t i = 0; i < code.size();) {
    const unsigned char c = static_cast<unsigned char>(code[i]);
    if (std::isspace(c)) {
      ++i;
    } else if (std::isalnum(c) || c == '_' || c == '.') {
      size_t end = i;
      while (end < code.size() &&
             (std::isalnum(static_cast<unsigned char>(code[end])) ||
              code[end] == '_' || code[end] == '.')) {
        ++end;
      }
      tokens.push_back(code.substr(i, end - i));
      i = end;
    } else {
      tokens.push_back(std::string(1, code[i++]));
    }
  }
  return tokens;
}

bool IsPyiName(const std::string& token) {
  return absl::StartsWith(token, "pyi_");
}

// The names the header declares with PYI_API before its experimental
// section: the stable C ABI. A declaration's name is its first pyi_
// identifier that is not a type the header defines.
std::set<std::string> StableApiOfHeader() {
  std::string header =
      pyi_testing::ReadFile("include/pyinstrument/pyinstrument.h");
  EXPECT_FALSE(header.empty());
  header = header.substr(0, header.find("---- Experimental"));
  const std::vector<std::string> tokens = Tokens(CodeOf(header));
  // Types: `} name ;` ends a struct or enum typedef; `typedef ... name ;`
  // and `typedef ... (*name)(...)` name the others.
  std::set<std::string> types;
  for (size_t i = 0; i + 2 < tokens.size(); ++i) {
    if (tokens[i] == "}" && IsPyiName(tokens[i + 1]) && tokens[i + 2] == ";") {
      types.insert(tokens[i + 1]);
    }
    if (tokens[i] != "typedef") continue;
    size_t end = i;
    while (end < tokens.size() && tokens[end] != ";" && tokens[end] != "{") {
      ++end;
    }
    if (end == tokens.size() || tokens[end] == "{") continue;
    for (size_t k = i; k + 2 < end; ++k) {
      if (tokens[k] == "(" && tokens[k + 1] == "*" && IsPyiName(tokens[k + 2])) {
        types.insert(tokens[k + 2]);
      }
    }
    if (IsPyiName(tokens[end - 1])) types.insert(tokens[end - 1]);
  }
  std::set<std::string> names;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] != "PYI_API") continue;
    for (size_t k = i + 1; k < tokens.size() && tokens[k] != ";" &&
                           tokens[k] != "{";
         ++k) {
      if (IsPyiName(tokens[k]) && types.count(tokens[k]) == 0) {
        names.insert(tokens[k]);
        break;
      }
    }
  }
  return names;
}

// The names in the version script's nodes, by node.
std::map<std::string, std::set<std::string>> VersionScriptNodes() {
  const std::vector<std::string> tokens =
      Tokens(CodeOf(pyi_testing::ReadFile("bazel/pyinstrument.lds")));
  EXPECT_FALSE(tokens.empty());
  std::map<std::string, std::set<std::string>> nodes;
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    if (!absl::StartsWith(tokens[i], "PYI_") || tokens[i + 1] != "{") continue;
    std::set<std::string>& names = nodes[tokens[i]];
    bool global = false;
    for (size_t k = i + 2; k < tokens.size() && tokens[k] != "}"; ++k) {
      if (tokens[k] == "global" || tokens[k] == "local") {
        global = tokens[k] == "global";
      } else if (global && IsPyiName(tokens[k])) {
        names.insert(tokens[k]);
      }
    }
  }
  return nodes;
}

TEST(ExportedSymbolsTest, OnlyTheCApiLeavesTheLibraryInAVersionNode) {
  const std::map<std::string, std::string> symbols = DefinedDynamicSymbols();
  ASSERT_FALSE(symbols.empty()) << "nm found no symbols";
  for (const auto& [symbol, node] : symbols) {
    EXPECT_TRUE(absl::StartsWith(symbol, "pyi_")) << symbol << " leaks";
    EXPECT_TRUE(absl::StartsWith(node, "PYI_1."))
        << symbol << " is in version node '" << node << "'";
  }
}

TEST(ExportedSymbolsTest, HeaderVersionScriptAndLibraryAgree) {
  const std::set<std::string> header = StableApiOfHeader();
  ASSERT_GT(header.size(), 25u) << testing::PrintToString(header);
  ASSERT_TRUE(header.count("pyi_session_start"));
  ASSERT_TRUE(header.count("pyi_hot_thread"));
  std::set<std::string> scripted;
  for (const auto& [node, names] : VersionScriptNodes()) {
    scripted.insert(names.begin(), names.end());
  }
  EXPECT_EQ(scripted, header)
      << "every PYI_API declaration of the header's stable section, and "
         "nothing else, belongs in bazel/pyinstrument.lds";
  const std::map<std::string, std::string> symbols = DefinedDynamicSymbols();
  for (const std::string& name : header) {
    EXPECT_TRUE(symbols.count(name)) << name << " is not exported";
  }
}

TEST(ExportedSymbolsTest, OneZeroSymbolsStayInTheirNode) {
  // A host linked against 1.0 looks its symbols up as name@PYI_1.0; moving
  // one to another node breaks it as surely as removing it. The node is
  // closed: a symbol added later belongs in that release's node.
  const std::map<std::string, std::set<std::string>> nodes =
      VersionScriptNodes();
  ASSERT_TRUE(nodes.count("PYI_1.0"));
  const std::map<std::string, std::string> symbols = DefinedDynamicSymbols();
  std::set<std::string> released;
  for (const char* name :
       {"pyi_version", "pyi_version_string", "pyi_status_str",
        "pyi_last_error", "pyi_frame_register", "pyi_frame_register_flags",
        "pyi_frame_enter", "pyi_frame_exit", "pyi_sample_due",
        "pyi_hot_thread", "pyi_hot_tick", "pyi_thread_sample",
        "pyi_thread_set_name", "pyi_options_init_sized", "pyi_buffer_free",
        "pyi_session_start", "pyi_session_stop", "pyi_session_free",
        "pyi_session_get_stats", "pyi_session_save",
        "pyi_session_save_to_buffer", "pyi_session_load",
        "pyi_session_load_from_buffer", "pyi_session_render",
        "pyi_session_combine", "pyi_session_resample", "pyi_session_export",
        "pyi_session_set_autosave", "pyi_session_export_to_file",
        "pyi_session_import", "pyi_session_import_from_buffer"}) {
    released.insert(name);
    ASSERT_TRUE(symbols.count(name)) << name << " is not exported";
    EXPECT_EQ(symbols.at(name), "PYI_1.0") << name;
  }
  EXPECT_EQ(nodes.at("PYI_1.0"), released);
}

TEST(ExportedSymbolsTest, SonameIsTheMajorVersion) {
  const std::vector<std::string> lines =
      RunAndReadLines("objdump -p libpyinstrument.so 2>&1");
  EXPECT_THAT(lines, testing::Contains(testing::AllOf(
                         testing::HasSubstr("SONAME"),
                         testing::EndsWith(" libpyinstrument.so.1"))));
}

}  // namespace
