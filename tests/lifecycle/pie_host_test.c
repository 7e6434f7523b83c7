/*
 * A host built the way gcc builds executables by default (-fPIE, -pie),
 * linked against libpyinstrument.so.1, profiled by the timing thread. Such
 * a host reads pyi_hot_tick, the tick the header's inline fast path
 * compares, from a copy in its own data (a copy relocation); this checks
 * that the library advances that copy: the work must be sampled at the
 * interval. Exits 0 on success; prints the reason and exits 1 otherwise.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <pyinstrument/pyinstrument.h>

static pyi_frame_id spin_id;
static volatile uint64_t sink;

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Enters and exits a frame in a tight loop for `ns` of wall time: only the
 * inline fast path's tick comparison can notice that a sample is due. */
static void spin(int64_t ns) {
  const int64_t end = now_ns() + ns;
  while (now_ns() < end) {
    int i;
    for (i = 0; i < 1000; ++i) {
      pyi_frame_enter(spin_id);
      sink += (uint64_t)i;
      pyi_frame_exit(spin_id);
    }
  }
}

int main(void) {
  pyi_options options;
  pyi_session *session = NULL;
  pyi_session_stats stats;
  pyi_buffer report = {NULL, 0};

  if (pyi_frame_register("spin", "pie_host_test.c", 1, "pie", &spin_id) !=
      PYI_OK) {
    fprintf(stderr, "register: %s\n", pyi_last_error());
    return 1;
  }
  pyi_options_init(&options);
  options.interval_ns = 1000000; /* 1 ms, timing thread, wall clock */
  if (pyi_session_start(&options, &session) != PYI_OK) {
    fprintf(stderr, "start: %s\n", pyi_last_error());
    return 1;
  }
  spin(300 * 1000000LL);
  pyi_session_stop(session);

  memset(&stats, 0, sizeof(stats));
  stats.struct_size = sizeof(stats);
  if (pyi_session_get_stats(session, &stats) != PYI_OK) {
    fprintf(stderr, "stats: %s\n", pyi_last_error());
    return 1;
  }
  if (pyi_session_render(session, "text", "color=0,unicode=0", &report) !=
      PYI_OK) {
    fprintf(stderr, "render: %s\n", pyi_last_error());
    return 1;
  }
  /* ~300 samples at 1 ms when the fast path sees the ticks; with a tick the
   * host never sees, the only sample is the one taken at stop. The bound
   * leaves room for a timing thread starved on a loaded machine. */
  if (stats.sample_count < 30 || strstr(report.data, "spin") == NULL) {
    fprintf(stderr, "%llu samples in %lld ns, %lld ticks\n%s",
            (unsigned long long)stats.sample_count,
            (long long)stats.duration_ns, (long long)stats.timing_ticks,
            report.data);
    return 1;
  }
  printf("%llu samples, %lld ticks\n", (unsigned long long)stats.sample_count,
         (long long)stats.timing_ticks);
  pyi_buffer_free(&report);
  pyi_session_free(session);
  return 0;
}
