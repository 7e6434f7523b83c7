// A host with protobuf of its own: it links the full protobuf runtime
// (pkg-config protobuf) and compiles its own copy of pprof's profile.proto
// (pprof's package perftools.profiles; libpyinstrument's copy is in
// pyinstrument.pprof and generated for the lite runtime), so its
// perftools.profiles.Profile is registered in the full runtime's generated
// descriptor pool, beside libpyinstrument.so. The host
// must start, use both and exit 0: it profiles work_a (3 units) and work_b
// (1 unit) on a clock it advances itself, exports the session as pprof,
// decodes that with its own Profile class and checks the 3:1 split there.
//
//   protobuf_host REPORT.json    the JSON report, for check_report.py

#include <google/protobuf/descriptor.h>
#include <zlib.h>

#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <string>

#include <pyinstrument/pyinstrument.h>

#include "profile.pb.h"

static constexpr int64_t kUnitNs = 1000000;  // 1 ms
static int64_t now_ns = 0;
static pyi_frame_id work_a_frame, work_b_frame;

static int64_t HostClock(void*) { return now_ns; }

static void work_a() {
  pyi_frame_enter(work_a_frame);
  now_ns += 3 * kUnitNs;
  pyi_frame_exit(work_a_frame);
}

static void work_b() {
  pyi_frame_enter(work_b_frame);
  now_ns += kUnitNs;
  pyi_frame_exit(work_b_frame);
}

static int Fail(const std::string& what) {
  std::cerr << "protobuf_host: " << what << "\n";
  return 1;
}

static bool Gunzip(const char* data, size_t size, std::string* out) {
  z_stream stream{};
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) return false;
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
  stream.avail_in = static_cast<uInt>(size);
  char chunk[16384];
  int status = Z_OK;
  while (status == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk);
    stream.avail_out = sizeof(chunk);
    status = inflate(&stream, Z_NO_FLUSH);
    out->append(chunk, sizeof(chunk) - stream.avail_out);
  }
  inflateEnd(&stream);
  return status == Z_STREAM_END;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: protobuf_host REPORT.json\n";
    return 2;
  }
  // The host's own message type, through the full runtime's reflection.
  const google::protobuf::Descriptor* own =
      google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
          "perftools.profiles.Profile");
  if (own == nullptr || own != perftools::profiles::Profile::descriptor()) {
    return Fail("perftools.profiles.Profile is not the host's own type");
  }

  if (pyi_frame_register("work_a", __FILE__, __LINE__, "host",
                         &work_a_frame) != PYI_OK ||
      pyi_frame_register("work_b", __FILE__, __LINE__, "host",
                         &work_b_frame) != PYI_OK) {
    return Fail(pyi_last_error());
  }
  pyi_options options;
  pyi_options_init(&options);
  options.clock = PYI_CLOCK_CALLBACK;
  options.clock_callback = HostClock;
  options.gating = PYI_GATING_EVERY_EVENT;
  options.interval_ns = kUnitNs;
  options.target_description = "install test: protobuf host";
  pyi_session* session = nullptr;
  if (pyi_session_start(&options, &session) != PYI_OK) {
    return Fail(pyi_last_error());
  }
  work_a();
  work_b();
  pyi_buffer json{};
  pyi_buffer pprof{};
  if (pyi_session_stop(session) != PYI_OK ||
      pyi_session_render(session, "json", nullptr, &json) != PYI_OK ||
      pyi_session_export(session, "pprof", &pprof) != PYI_OK) {
    return Fail(pyi_last_error());
  }
  std::ofstream(argv[1], std::ios::binary).write(json.data, json.size);

  // libpyinstrument's pprof export, read with the host's own Profile.
  std::string bytes;
  perftools::profiles::Profile profile;
  if (!Gunzip(pprof.data, pprof.size, &bytes) ||
      !profile.ParseFromString(bytes)) {
    return Fail("cannot decode libpyinstrument's pprof export");
  }
  pyi_buffer_free(&json);
  pyi_buffer_free(&pprof);
  pyi_session_free(session);

  std::map<uint64_t, std::string> function_names;
  for (const auto& function : profile.function()) {
    function_names[function.id()] = profile.string_table(function.name());
  }
  std::map<uint64_t, std::string> location_names;
  for (const auto& location : profile.location()) {
    if (location.line_size() > 0) {
      location_names[location.id()] =
          function_names[location.line(0).function_id()];
    }
  }
  // Values are (samples, nanoseconds); location_id[0] is the leaf.
  std::map<std::string, int64_t> leaf_ns;
  for (const auto& sample : profile.sample()) {
    if (sample.location_id_size() > 0 && sample.value_size() == 2) {
      leaf_ns[location_names[sample.location_id(0)]] += sample.value(1);
    }
  }
  std::cout << "protobuf_host: pprof read with the host's own "
            << own->full_name() << " (" << own->file()->name()
            << "): work_a " << leaf_ns["work_a"] << " ns, work_b "
            << leaf_ns["work_b"] << " ns\n";
  if (leaf_ns["work_b"] != kUnitNs || leaf_ns["work_a"] != 3 * kUnitNs) {
    return Fail("the pprof export does not hold the 3:1 split");
  }
  return 0;
}
