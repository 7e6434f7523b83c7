// Checks what libpyinstrument.so needs at run time (its DT_NEEDED entries)
// against an explicit list, and its SONAME. Every library a host gets with
// ours is a library it may clash with; one more must be a decision, written
// here and in docs/ARCHITECTURE.md ("What libpyinstrument.so needs at run
// time"), not a side effect of a new dependency in a BUILD file.

#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/files.h"

namespace {

// The libraries libpyinstrument.so may need, each for a reason.
const std::set<std::string>& Allowed() {
  static const auto* allowed = new std::set<std::string>{
      // The C and C++ runtimes.
      "libc.so.6",
      "libm.so.6",
      "libstdc++.so.6",
      "libgcc_s.so.1",
      "ld-linux-x86-64.so.2",
      // protobuf's lite runtime, for the generated code of proto/. Never
      // the full runtime (libprotobuf.so): its descriptor pool is the
      // process's, shared with the host (tests/embed).
      "libprotobuf-lite.so.32",
      // .pyisession import (lib/formats/pyisession.cc).
      "libsimdjson.so.14",
      // gzip for pprof and the .pb trailer's CRC-32.
      "libz.so.1",
      // Abseil 20220623: the libraries our code calls into; they load the
      // rest of Abseil they need themselves. Their inline namespace
      // (Debian's absl::debian3) and versioned SONAMEs keep them apart
      // from a host's other Abseil.
      "libabsl_cord.so.20220623",
      "libabsl_cordz_info.so.20220623",
      "libabsl_hash.so.20220623",
      "libabsl_raw_hash_set.so.20220623",
      "libabsl_status.so.20220623",
      "libabsl_statusor.so.20220623",
      "libabsl_str_format_internal.so.20220623",
      "libabsl_strings.so.20220623",
      "libabsl_throw_delegate.so.20220623",
      "libabsl_time.so.20220623",
      "libabsl_time_zone.so.20220623",
  };
  return *allowed;
}

// The dependencies that must come from their own shared objects, never as a
// copy inside ours: a host may load them too, and two copies of one
// library's state in a process is a bug waiting to happen.
const char* const kMustBeShared[] = {
    "libprotobuf-lite.so.32",
    "libsimdjson.so.14",
    "libz.so.1",
    "libabsl_status.so.20220623",
};

// `objdump -p` lines of libpyinstrument.so that start with `tag`: their
// values.
std::vector<std::string> DynamicEntries(const std::string& tag) {
  const pyi_testing::CommandResult result =
      pyi_testing::RunCommand("objdump -p libpyinstrument.so 2>&1");
  EXPECT_EQ(result.exit_code, 0) << result.out;
  std::vector<std::string> values;
  for (const std::string& line : pyi_testing::Lines(result.out)) {
    std::vector<std::string> fields =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (fields.size() == 2 && fields[0] == tag) values.push_back(fields[1]);
  }
  return values;
}

// Whether this process runs with a library whose file name contains `name`:
// sanitized builds link their runtime into the test and the library alike.
bool ProcessHasLibrary(const std::string& name) {
  return absl::StrContains(pyi_testing::ReadFile("/proc/self/maps"), name);
}

TEST(RuntimeDepsTest, EveryNeededLibraryIsAllowed) {
  const std::vector<std::string> needed = DynamicEntries("NEEDED");
  ASSERT_FALSE(needed.empty()) << "objdump found no NEEDED entries";
  for (const std::string& library : needed) {
    if (Allowed().count(library)) continue;
    // A sanitizer's runtime, in a build with that sanitizer (--config=asan,
    // ubsan, tsan): the test itself runs with it then.
    const std::string stem = library.substr(0, library.find(".so"));
    if ((stem == "libasan" || stem == "libubsan" || stem == "libtsan") &&
        ProcessHasLibrary(stem + ".so")) {
      continue;
    }
    ADD_FAILURE() << "libpyinstrument.so needs " << library
                  << ", which is not on the list; all it needs: "
                  << absl::StrJoin(needed, " ");
  }
}

TEST(RuntimeDepsTest, DependenciesComeFromTheirSharedObjects) {
  const std::vector<std::string> needed = DynamicEntries("NEEDED");
  for (const char* library : kMustBeShared) {
    EXPECT_THAT(needed, testing::Contains(std::string(library)));
  }
}

TEST(RuntimeDepsTest, SonameIsLibpyinstrumentSo1) {
  EXPECT_THAT(DynamicEntries("SONAME"),
              testing::ElementsAre("libpyinstrument.so.1"));
}

}  // namespace
