// Replays a fuzz target's checked-in corpus as a GoogleTest: every input
// that ever found a bug, and the seeds, must run without a crash, a
// sanitizer report or an abort from the target's own checks.
//
//   <target>_regression_test tests/fuzz/corpus/<target>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gtest/gtest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::string corpus_dir;

TEST(FuzzRegressionTest, CorpusRunsCleanly) {
  ASSERT_FALSE(corpus_dir.empty()) << "usage: test CORPUS_DIR";
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(corpus_dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  ASSERT_FALSE(files.empty()) << "no corpus in " << corpus_dir;
  for (const std::filesystem::path& file : files) {
    SCOPED_TRACE(file.string());
    std::ifstream in(file, std::ios::binary);
    const std::string bytes(std::istreambuf_iterator<char>(in), {});
    EXPECT_EQ(LLVMFuzzerTestOneInput(
                  reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
              0);
  }
}

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  if (argc > 1) corpus_dir = argv[1];
  return RUN_ALL_TESTS();
}
