// Every shared object that carries the library must reach its initial-exec
// thread-local through a dynamic relocation naming that variable. Gold gives
// the relocation of an initial-exec thread-local with internal linkage the
// wrong symbol (offset 0 of the TLS block, another variable), which once
// made threads count as exited and drop every event; only pyi_hot_thread,
// the thread state the header's inline fast path reads, may be initial-exec
// (lib/collect/hot_path.h).

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/files.h"

namespace {

// readelf's relocation lines of `path` that set a static TLS offset.
std::vector<std::string> TlsOffsetRelocations(const std::string& path) {
  const std::string command = "readelf -rW '" + path + "' 2>&1";
  const pyi_testing::CommandResult readelf = pyi_testing::RunCommand(command);
  EXPECT_EQ(readelf.exit_code, 0) << command << "\n" << readelf.out;
  EXPECT_FALSE(readelf.out.empty()) << command;
  std::vector<std::string> lines;
  for (std::string& line : pyi_testing::Lines(readelf.out)) {
    if (line.find("R_X86_64_TPOFF64") != std::string::npos) {
      lines.push_back(std::move(line));
    }
  }
  return lines;
}

class TlsRelocationTest : public testing::TestWithParam<const char*> {};

TEST_P(TlsRelocationTest, OnlyTheHotThreadIsInitialExecAndNamedCorrectly) {
  const std::vector<std::string> relocations = TlsOffsetRelocations(GetParam());
  ASSERT_EQ(relocations.size(), 1u) << testing::PrintToString(relocations);
  EXPECT_THAT(relocations[0], testing::HasSubstr(" pyi_hot_thread"));
}

TEST(TickRelocationTest, TheLibraryReadsTheTickThroughItsGot) {
  // A host built as a position-independent executable (gcc's default)
  // reads pyi_hot_tick from a copy in its own data (a copy relocation), so
  // the library must reach the variable through its GOT, which the dynamic
  // linker points at that copy, and never directly: it would advance a tick
  // the host's inline fast path never sees.
  const pyi_testing::CommandResult readelf =
      pyi_testing::RunCommand("readelf -rW libpyinstrument.so 2>&1");
  ASSERT_EQ(readelf.exit_code, 0) << readelf.out;
  EXPECT_THAT(readelf.out,
              testing::ContainsRegex("R_X86_64_GLOB_DAT +[0-9a-f]+ "
                                     "pyi_hot_tick@@PYI_1.0"));
}

INSTANTIATE_TEST_SUITE_P(
    SharedObjects, TlsRelocationTest,
    testing::Values("libpyinstrument.so",
                    "bindings/python/_native_cp311.so",
                    "bindings/python/_native_cp312.so",
                    "bindings/python/_native_cp313.so",
                    "bindings/lua/pyinstrument.so"));

}  // namespace
