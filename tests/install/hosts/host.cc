// A C++ host built outside the repository with CMake's
// find_package(pyinstrument), once against pyinstrument::pyinstrument and
// once against pyinstrument::static (tools/install_test.sh). Its frames
// come from PYI_SCOPE(); work_a runs for 3 units and work_b for 1 unit of a
// clock the host advances itself, so the report's split is exactly 3:1.
//
//   host REPORT.json    the text report goes to stdout

#include <cstdint>
#include <fstream>
#include <iostream>

#include <pyinstrument/pyinstrument.hpp>

// Static functions rather than an anonymous namespace: PYI_SCOPE names a
// frame by its qualified name, and the report should say "work_a".
static constexpr int64_t kUnitNs = 1000000;  // 1 ms
static int64_t now_ns = 0;

static int64_t HostClock(void*) { return now_ns; }

static void work_a() {
  PYI_SCOPE();
  now_ns += 3 * kUnitNs;
}

static void work_b() {
  PYI_SCOPE();
  now_ns += kUnitNs;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: host REPORT.json\n";
    return 2;
  }
  pyi_options options;
  pyi_options_init(&options);
  options.clock = PYI_CLOCK_CALLBACK;
  options.clock_callback = HostClock;
  options.gating = PYI_GATING_EVERY_EVENT;
  options.interval_ns = kUnitNs;
  options.target_description = "install test: C++ host";

  pyi::Session session(options);
  if (!session.ok()) {
    std::cerr << "host: " << session.error() << "\n";
    return 1;
  }
  {
    PYI_SCOPE_NAMED("host_main");
    work_a();
    work_b();
  }
  session.Stop();
  const std::string json = session.Render("json");
  const std::string text = session.Render("text", "unicode=0,color=0");
  if (!session.ok()) {
    std::cerr << "host: " << session.error() << "\n";
    return 1;
  }
  std::ofstream(argv[1], std::ios::binary) << json;
  std::cout << text << "host: libpyinstrument " << pyi_version_string()
            << "\n";
  return 0;
}
