// Writes the profiles the browser tests load, until `pyi convert` exists.
//
//   make_profiles --demo OUT          a small two-thread session built with
//                                     SessionBuilder
//   make_profiles --hostile OUT       a session whose names, paths and
//                                     description are markup and template
//                                     syntax (the HTML viewer's safety test)
//   make_profiles IN -o OUT           any input ImportSessionFile reads
//
// OUT's format comes from its extension (.speedscope.json, .collapsed,
// .pb.gz, .pb, ...), as `pyi convert` infers it, so tools/browser_test.sh
// can call either program the same way.

#include <cstdio>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/base/output.h"
#include "lib/base/status.h"
#include "lib/formats/formats.h"
#include "lib/session/session.h"

namespace {

// A game-loop-like run: the main thread renders and simulates, a worker
// thread decodes assets. Names are distinctive so the tests can find them
// in speedscope's UI.
pyi::Session DemoSession() {
  pyi::Session session;
  session.target_description = "browser-test demo";
  session.library_roots = {"/usr/lib/"};
  session.start_time_unix_ns = 1'714'557'600'000'000'000;
  pyi::SessionBuilder builder(&session);
  const uint32_t main_loop = builder.InternFrame("main_loop", "/src/game/main.cc", 12, "", 0);
  const uint32_t render = builder.InternFrame("render_frame", "/src/game/render.cc", 40, "Renderer", 0);
  const uint32_t draw = builder.InternFrame("draw_sprites", "/src/game/render.cc", 88, "Renderer", 0);
  const uint32_t physics = builder.InternFrame("physics_step", "/src/game/physics.cc", 17, "", 0);
  const uint32_t memcpy_frame = builder.InternFrame("memcpy", "/usr/lib/libc.so.6", 0, "", 0);
  const uint32_t worker_main = builder.InternFrame("worker_main", "/src/game/assets.cc", 5, "", 0);
  const uint32_t decode = builder.InternFrame("decode_png", "/src/game/assets.cc", 60, "", 0);

  pyi::ThreadSamples& main_thread = builder.AddThread(1001, "main");
  for (int frame = 0; frame < 20; ++frame) {
    builder.AddSample(main_thread, {main_loop, render, draw}, 6'000'000);
    builder.AddSample(main_thread, {main_loop, render, draw, memcpy_frame}, 2'000'000);
    builder.AddSample(main_thread, {main_loop, physics}, 5'000'000);
    builder.AddSample(main_thread, {main_loop}, 1'000'000);
  }
  pyi::ThreadSamples& worker = builder.AddThread(1002, "asset-loader");
  worker.start_offset_ns = 3'000'000;
  for (int i = 0; i < 30; ++i) {
    builder.AddSample(worker, {worker_main, decode}, 7'000'000);
    builder.AddSample(worker, {worker_main}, 1'000'000);
  }
  // AddThread invalidated main_thread; index the thread again.
  session.duration_ns = session.threads[0].TotalDurationNs();
  return session;
}

// Every string a session carries, made of things a careless page would run
// or interpret: closing the data <script>, inline handlers, template syntax,
// prototype keys. The viewer must show each one literally.
pyi::Session HostileSession() {
  pyi::Session session;
  session.target_description =
      "<script>alert('target')</script> & <b>not bold</b>";
  session.program = "/usr/bin/<img src=x onerror=alert(2)>";
  session.library_roots = {"/usr/lib/<i>lib</i>/"};
  session.start_time_unix_ns = 1'714'557'600'000'000'000;
  pyi::SessionBuilder builder(&session);
  const uint32_t script = builder.InternFrame(
      "</script><img src=x onerror=alert(1)>", "/src/<script>.cc", 1, "", 0);
  const uint32_t mustache =
      builder.InternFrame("{{constructor}}", "/src/${alert(3)}.cc", 2, "", 0);
  const uint32_t bold = builder.InternFrame("<b>bold</b>", "/src/b.cc", 3,
                                            "<u>Module</u>", 0);
  const uint32_t proto = builder.InternFrame("__proto__", "/src/proto.cc", 4,
                                             "", 0);
  const uint32_t lib = builder.InternFrame(
      "javascript:alert(4)", "/usr/lib/<i>lib</i>/x.so", 0, "", 0);

  pyi::ThreadSamples& thread =
      builder.AddThread(66, "<svg onload=alert(5)>");
  for (int i = 0; i < 10; ++i) {
    builder.AddSample(thread, {script, mustache, bold}, 4'000'000);
    builder.AddSample(thread, {script, mustache, lib}, 2'000'000);
    builder.AddSample(thread, {script, proto}, 3'000'000);
    builder.AddSample(thread, {script}, 1'000'000);
  }
  session.duration_ns = session.threads[0].TotalDurationNs();
  return session;
}

absl::Status Write(pyi::Session session, const std::string& path) {
  PYI_ASSIGN_OR_RETURN(pyi::ValidSession valid,
                       pyi::ValidSession::Check(std::move(session)));
  PYI_ASSIGN_OR_RETURN(const pyi::Format* format,
                       pyi::ExportFormatFromPath(path));
  PYI_ASSIGN_OR_RETURN(std::unique_ptr<pyi::AtomicFileOutput> file,
                       pyi::AtomicFileOutput::Create(path));
  PYI_RETURN_IF_ERROR(pyi::ExportSession(valid, *format, *file));
  return file->Commit();
}

absl::Status Run(int argc, char** argv) {
  const std::string usage =
      "usage: make_profiles --demo OUT | make_profiles --hostile OUT | "
      "make_profiles IN -o OUT";
  if (argc == 3 && std::string(argv[1]) == "--demo") {
    return Write(DemoSession(), argv[2]);
  }
  if (argc == 3 && std::string(argv[1]) == "--hostile") {
    return Write(HostileSession(), argv[2]);
  }
  if (argc == 4 && std::string(argv[2]) == "-o") {
    PYI_ASSIGN_OR_RETURN(pyi::Session session,
                         pyi::ImportSessionFile(argv[1]));
    return Write(std::move(session), argv[3]);
  }
  return absl::InvalidArgumentError(usage);
}

}  // namespace

int main(int argc, char** argv) {
  const absl::Status status = Run(argc, argv);
  if (!status.ok()) {
    std::fprintf(stderr, "make_profiles: %s\n",
                 std::string(status.message()).c_str());
    return 1;
  }
  return 0;
}
