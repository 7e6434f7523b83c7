#include "lib/base/output.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/util/files.h"

namespace pyi {
namespace {

using ::pyi_testing::ReadFile;
using ::pyi_testing::TempDir;

size_t FilesIn(const std::string& dir) {
  size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    (void)entry;
    ++count;
  }
  return count;
}

// Fails every write after the first `ok_writes`.
class FailingOutput : public OutputStream {
 public:
  explicit FailingOutput(int ok_writes) : ok_writes_(ok_writes) {}
  absl::Status Write(absl::string_view bytes) override {
    ++writes;
    if (ok_writes_-- > 0) {
      received.append(bytes.data(), bytes.size());
      return absl::OkStatus();
    }
    return absl::UnavailableError("disk full");
  }
  int writes = 0;
  std::string received;

 private:
  int ok_writes_;
};

TEST(BufferedOutputTest, CollectsAppendsIntoBlocks) {
  FailingOutput sink(1000);
  BufferedOutput out(&sink, 8);
  out.Append("abc");
  out.Append('d');
  EXPECT_EQ(sink.writes, 0);
  out.Append("efghij");  // crosses the block size
  EXPECT_EQ(sink.writes, 1);
  out.Append("k");
  ASSERT_TRUE(out.Flush().ok());
  EXPECT_EQ(sink.writes, 2);
  EXPECT_EQ(sink.received, "abcdefghijk");
}

TEST(BufferedOutputTest, ErrorsAreStickyAndReported) {
  FailingOutput sink(1);
  BufferedOutput out(&sink, 4);
  out.Append("1234");  // written
  out.Append("5678");  // fails
  out.Append("9abc");  // dropped
  absl::Status status = out.Flush();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(sink.received, "1234");
  EXPECT_EQ(sink.writes, 2);
}

TEST(StringOutputTest, Appends) {
  std::string text = "x";
  StringOutput out(&text);
  ASSERT_TRUE(out.Write("yz").ok());
  EXPECT_EQ(text, "xyz");
}

TEST(AtomicFileOutputTest, CommitReplacesTheFileWhole) {
  const std::string dir = absl::StrCat(TempDir(), "/atomic_commit");
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/out.txt";
  std::ofstream(path) << "old";
  auto file = AtomicFileOutput::Create(path);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE((*file)->Write("new ").ok());
  ASSERT_TRUE((*file)->Write("content").ok());
  EXPECT_EQ(ReadFile(path), "old");  // nothing visible before the commit
  ASSERT_TRUE((*file)->Commit().ok());
  EXPECT_EQ(ReadFile(path), "new content");
  file->reset();
  EXPECT_EQ(FilesIn(dir), 1u);
  EXPECT_EQ((*AtomicFileOutput::Create(path))->Commit().ok(), true);
  EXPECT_EQ(ReadFile(path), "");
}

TEST(AtomicFileOutputTest, AbandonedWriteLeavesTheOldFile) {
  const std::string dir = absl::StrCat(TempDir(), "/atomic_abandon");
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/out.txt";
  std::ofstream(path) << "old";
  {
    auto file = AtomicFileOutput::Create(path);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->Write("half").ok());
  }
  EXPECT_EQ(ReadFile(path), "old");
  EXPECT_EQ(FilesIn(dir), 1u);
}

TEST(AtomicFileOutputTest, TheUmaskDecidesPermissionsAndNamesMayRepeat) {
  const std::string dir = absl::StrCat(TempDir(), "/atomic_mode");
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/report.html";
  const mode_t old_umask = umask(027);
  // Two writers of one path at once get separate temporary files.
  auto first = AtomicFileOutput::Create(path);
  auto second = AtomicFileOutput::Create(path);
  umask(old_umask);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_TRUE((*first)->Write("first").ok());
  ASSERT_TRUE((*second)->Write("second").ok());
  EXPECT_EQ(FilesIn(dir), 2u);
  ASSERT_TRUE((*first)->Commit().ok());
  ASSERT_TRUE((*second)->Commit().ok());
  EXPECT_EQ(ReadFile(path), "second");
  EXPECT_EQ(FilesIn(dir), 1u);
  struct stat info;
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0640u);  // 0666 less the umask
}

TEST(AtomicFileOutputTest, MissingDirectoryIsAClearError) {
  auto file = AtomicFileOutput::Create(TempDir() + "/no/such/dir/out.txt");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(file.status().message().find("no/such/dir/out.txt"),
            absl::string_view::npos);
}

}  // namespace
}  // namespace pyi
