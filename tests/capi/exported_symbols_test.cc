// Checks the dynamic symbol table of libpyinstrument.so: every symbol it
// defines is part of the C ABI (pyi_*), the whole C ABI is there, and no
// Abseil, protobuf or C++ standard library symbol leaks to the host.

#include <cctype>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/files.h"

namespace {

std::vector<std::string> RunAndReadLines(const std::string& command) {
  const pyi_testing::CommandResult result = pyi_testing::RunCommand(command);
  EXPECT_EQ(result.exit_code, 0) << command;
  return pyi_testing::Lines(result.out);
}

// Defined dynamic symbols, without their version nodes.
std::set<std::string> DefinedDynamicSymbols() {
  std::set<std::string> symbols;
  for (const std::string& line : RunAndReadLines(
           "nm -D --defined-only libpyinstrument.so 2>&1")) {
    std::vector<std::string> fields =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (fields.size() < 3) continue;
    if (fields[1] == "A") continue;  // absolute version-node symbols
    // Lowercase types are local: no host can bind to them. The dynamic
    // table carries the thread-locals of the initial-exec hot path this way,
    // because their TLS relocations name them.
    if (std::islower(static_cast<unsigned char>(fields[1][0]))) continue;
    // "pyi_version@@PYI_1.0": the name without its version node.
    symbols.insert(fields[2].substr(0, fields[2].find('@')));
  }
  return symbols;
}

TEST(ExportedSymbolsTest, OnlyTheCApiLeavesTheLibrary) {
  const std::set<std::string> symbols = DefinedDynamicSymbols();
  ASSERT_FALSE(symbols.empty()) << "nm found no symbols";
  for (const std::string& symbol : symbols) {
    EXPECT_TRUE(absl::StartsWith(symbol, "pyi_")) << symbol << " leaks";
  }
}

TEST(ExportedSymbolsTest, TheWholeCApiIsExported) {
  const std::set<std::string> symbols = DefinedDynamicSymbols();
  for (const char* name :
       {"pyi_version", "pyi_version_string", "pyi_status_str",
        "pyi_last_error", "pyi_frame_register", "pyi_frame_register_flags",
        "pyi_frame_enter", "pyi_frame_exit", "pyi_sample_due",
        "pyi_thread_sample", "pyi_thread_set_name", "pyi_options_init",
        "pyi_buffer_free", "pyi_session_start", "pyi_session_stop",
        "pyi_session_free", "pyi_session_get_stats", "pyi_session_save",
        "pyi_session_save_to_buffer", "pyi_session_load",
        "pyi_session_load_from_buffer", "pyi_session_render",
        "pyi_session_combine", "pyi_session_resample", "pyi_session_export",
        "pyi_session_set_autosave",
        "pyi_session_export_to_file", "pyi_session_import",
        "pyi_session_import_from_buffer"}) {
    EXPECT_TRUE(symbols.count(name)) << name << " is not exported";
  }
}

TEST(ExportedSymbolsTest, NoStaticCopiesOfDependencies) {
  // Abseil and protobuf must come from their own shared objects, so that a
  // host using other versions of them is not disturbed.
  const std::vector<std::string> needed =
      RunAndReadLines("objdump -p libpyinstrument.so 2>&1");
  bool needs_protobuf = false;
  bool needs_absl = false;
  for (const std::string& line : needed) {
    if (absl::StrContains(line, "NEEDED") &&
        absl::StrContains(line, "libprotobuf.so")) {
      needs_protobuf = true;
    }
    if (absl::StrContains(line, "NEEDED") &&
        absl::StrContains(line, "libabsl_")) {
      needs_absl = true;
    }
  }
  EXPECT_TRUE(needs_protobuf);
  EXPECT_TRUE(needs_absl);
}

}  // namespace
