// A host that already speaks pprof links libpyinstrument.so: it has its own
// perftools.profiles.Profile (tests/embed/host_profile.proto, protobuf's full
// runtime, registered in the process-wide descriptor pool) and uses it on
// the library's pprof export.
//
// Reaching main() is the first check: a library that registered a message
// of the same name in the same pool would make protobuf abort while the
// program loads ("Symbol name "perftools.profiles.Profile" conflicts with
// the existing symbol"), before any test runs.

#include <zlib.h>

#include <cstdint>
#include <set>
#include <string>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "pyinstrument/pyinstrument.h"
#include "tests/embed/host_profile.pb.h"

namespace {

using google::protobuf::DescriptorPool;

// Every reading of the clock is 1 ms after the last: each event samples
// (PYI_GATING_EVERY_EVENT), each sample is 1 ms.
int64_t SteppingClock(void* user_data) {
  int64_t* now = static_cast<int64_t*>(user_data);
  return *now += 1'000'000;
}

// The content of one gzip stream; empty when it is not one.
std::string Gunzip(const char* data, size_t size) {
  z_stream stream = {};
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) return "";
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
  stream.avail_in = static_cast<uInt>(size);
  std::string out;
  char chunk[1 << 14];
  int result = Z_OK;
  while (result == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk);
    stream.avail_out = sizeof(chunk);
    result = inflate(&stream, Z_NO_FLUSH);
    out.append(chunk, sizeof(chunk) - stream.avail_out);
  }
  inflateEnd(&stream);
  return result == Z_STREAM_END ? out : "";
}

TEST(PprofHostTest, TheHostsProfileIsTheOneInThePool) {
  const DescriptorPool* pool = DescriptorPool::generated_pool();
  const google::protobuf::Descriptor* profile =
      pool->FindMessageTypeByName("perftools.profiles.Profile");
  ASSERT_NE(profile, nullptr);
  EXPECT_EQ(profile, perftools::profiles::Profile::descriptor());
  EXPECT_EQ(profile->file()->name(), "tests/embed/host_profile.proto");
  // The library's own messages stay out of the host's pool.
  for (const char* name :
       {"pyinstrument.pprof.Profile", "pyinstrument.format.Session"}) {
    EXPECT_EQ(pool->FindMessageTypeByName(name), nullptr) << name;
  }
}

TEST(PprofHostTest, TheHostParsesTheLibrarysPprofExport) {
  pyi_frame_id outer = 0;
  pyi_frame_id inner = 0;
  ASSERT_EQ(
      pyi_frame_register("embed_host_outer", "host.cc", 10, "host", &outer),
      PYI_OK);
  ASSERT_EQ(
      pyi_frame_register("embed_host_inner", "host.cc", 20, "host", &inner),
      PYI_OK);
  int64_t now = 0;
  pyi_options options;
  ASSERT_EQ(pyi_options_init(&options), PYI_OK);
  options.clock = PYI_CLOCK_CALLBACK;
  options.clock_callback = &SteppingClock;
  options.clock_user_data = &now;
  options.gating = PYI_GATING_EVERY_EVENT;
  pyi_session* session = nullptr;
  ASSERT_EQ(pyi_session_start(&options, &session), PYI_OK) << pyi_last_error();
  for (int i = 0; i < 10; ++i) {
    pyi_frame_enter(outer);
    pyi_frame_enter(inner);
    pyi_frame_exit(inner);
    pyi_frame_exit(outer);
  }
  ASSERT_EQ(pyi_session_stop(session), PYI_OK) << pyi_last_error();
  pyi_buffer exported = {nullptr, 0};
  ASSERT_EQ(pyi_session_export(session, "pprof", &exported), PYI_OK)
      << pyi_last_error();
  const std::string raw = Gunzip(exported.data, exported.size);
  pyi_buffer_free(&exported);
  pyi_session_free(session);
  ASSERT_FALSE(raw.empty()) << "the export is not gzip";

  perftools::profiles::Profile profile;
  ASSERT_TRUE(profile.ParseFromString(raw));
  const auto text = [&profile](int64_t index) -> std::string {
    return index >= 0 && index < profile.string_table_size()
               ? profile.string_table(static_cast<int>(index))
               : "<bad string index>";
  };
  // The time of the samples whose leaf is embed_host_inner.
  uint64_t inner_function = 0;
  for (const auto& function : profile.function()) {
    if (text(function.name()) == "embed_host_inner") {
      inner_function = function.id();
    }
  }
  ASSERT_NE(inner_function, 0u) << profile.DebugString();
  std::set<uint64_t> inner_locations;
  for (const auto& location : profile.location()) {
    for (const auto& line : location.line()) {
      if (line.function_id() == inner_function) {
        inner_locations.insert(location.id());
      }
    }
  }
  int time_index = -1;
  for (int i = 0; i < profile.sample_type_size(); ++i) {
    if (text(profile.sample_type(i).unit()) == "nanoseconds") time_index = i;
  }
  ASSERT_GE(time_index, 0) << profile.DebugString();
  int64_t inner_ns = 0;
  for (const auto& sample : profile.sample()) {
    if (sample.location_id_size() > 0 &&
        inner_locations.count(sample.location_id(0)) &&
        sample.value_size() > time_index) {
      inner_ns += sample.value(time_index);
    }
  }
  EXPECT_GE(inner_ns, 10 * 1'000'000) << profile.DebugString();

  // The host's full runtime (reflection, JSON) works on the same message.
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(profile, &json).ok());
  EXPECT_NE(json.find("embed_host_outer"), std::string::npos);
}

}  // namespace
