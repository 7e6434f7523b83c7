// A host program for exit_test: how a process that profiles ends.
// PYI_EXIT_HOST_MODE picks the scenario (read before main, where there is no
// argv yet):
//   atexit  a static initializer starts a session; main works in frames on
//           two threads; an atexit handler stops the session, renders it and
//           saves it to $PYI_EXIT_HOST_OUT.
//   return  main starts a session, starts four threads that stay inside
//           frames forever, and returns while the session runs.
//   exit    the same, but main calls exit(0).
//   worker_exit  the same, but one of the workers calls exit(0).
// Exits 0 unless a library call failed.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "pyinstrument/pyinstrument.h"

namespace {

pyi_session* session = nullptr;

std::string Mode() {
  const char* mode = std::getenv("PYI_EXIT_HOST_MODE");
  return mode != nullptr ? mode : "";
}

void Fail(const char* what) {
  std::fprintf(stderr, "exit_host: %s: %s\n", what, pyi_last_error());
  std::_Exit(2);
}

void StartSession() {
  pyi_options options;
  pyi_options_init(&options);
  options.interval_ns = 1'000'000;
  if (pyi_session_start(&options, &session) != PYI_OK) Fail("start");
}

void WorkFor(std::chrono::milliseconds how_long, const char* name) {
  pyi_frame_id outer = 0, inner = 0;
  if (pyi_frame_register(name, "exit_host.cc", 1, nullptr, &outer) != PYI_OK ||
      pyi_frame_register("inner", "exit_host.cc", 2, nullptr, &inner) !=
          PYI_OK) {
    Fail("register");
  }
  const auto until = std::chrono::steady_clock::now() + how_long;
  while (std::chrono::steady_clock::now() < until) {
    pyi_frame_enter(outer);
    for (int i = 0; i < 100; ++i) {
      pyi_frame_enter(inner);
      pyi_frame_exit(inner);
    }
    pyi_frame_exit(outer);
  }
}

// Stays inside a frame, entering and exiting below it, until the process
// ends.
[[noreturn]] void WorkForever() {
  pyi_frame_id forever = 0;
  if (pyi_frame_register("forever", "exit_host.cc", 3, nullptr, &forever) !=
      PYI_OK) {
    Fail("register");
  }
  pyi_frame_enter(forever);
  for (;;) WorkFor(std::chrono::milliseconds(10), "loop");
}

void StopRenderAndSave() {
  if (pyi_session_stop(session) != PYI_OK) Fail("stop");
  pyi_buffer report = {nullptr, 0};
  if (pyi_session_render(session, "text", nullptr, &report) != PYI_OK) {
    Fail("render");
  }
  std::fwrite(report.data, 1, report.size, stdout);
  pyi_buffer_free(&report);
  const char* out = std::getenv("PYI_EXIT_HOST_OUT");
  if (out == nullptr || pyi_session_save(session, out) != PYI_OK) Fail("save");
  pyi_session_free(session);
  session = nullptr;
}

// Before main: start profiling and arrange to stop at exit.
struct StartBeforeMain {
  StartBeforeMain() {
    if (Mode() != "atexit") return;
    StartSession();
    std::atexit(&StopRenderAndSave);
  }
} start_before_main;

}  // namespace

int main() {
  const std::string mode = Mode();
  if (mode == "atexit") {
    std::thread worker(WorkFor, std::chrono::milliseconds(200), "worker");
    WorkFor(std::chrono::milliseconds(200), "main_work");
    worker.join();
    return 0;
  }
  if (mode != "return" && mode != "exit" && mode != "worker_exit") {
    std::fprintf(stderr, "exit_host: unknown mode '%s'\n", mode.c_str());
    return 2;
  }
  StartSession();
  for (int i = 0; i < 4; ++i) std::thread(WorkForever).detach();
  if (mode == "worker_exit") {
    std::thread([] {
      WorkFor(std::chrono::milliseconds(100), "exiting_worker");
      std::exit(0);
    }).detach();
  }
  WorkFor(std::chrono::milliseconds(100), "main_work");
  if (mode == "exit") std::exit(0);
  if (mode == "worker_exit") {
    for (;;) WorkFor(std::chrono::milliseconds(10), "main_waits");
  }
  return 0;  // the session is still running, and so are the workers
}
