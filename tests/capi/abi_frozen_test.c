/*
 * The 1.0 structs as a host compiled against the 1.0 header declares them,
 * run against this library. These copies are frozen: never edit them. When
 * a release appends a field to a struct, the copies here are what an older
 * host passes, so these tests prove it gets the defaults of the fields it
 * lacks and that nothing past its struct is read or written.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <pyinstrument/pyinstrument.h>

#include "c_check.h"

typedef struct frozen_options_1_0 {
  uint32_t struct_size;
  uint32_t clock;
  int64_t interval_ns;
  uint32_t gating;
  uint32_t reserved0;
  pyi_clock_fn clock_callback;
  void *clock_user_data;
  const char *target_description;
  uint64_t memory_cap_bytes;
  const char *const *library_roots;
  size_t library_root_count;
} frozen_options_1_0;

typedef struct frozen_stats_1_0 {
  uint32_t struct_size;
  uint32_t thread_count;
  uint64_t sample_count;
  uint64_t dropped_samples;
  uint64_t unbalanced_exits;
  int64_t duration_ns;
  int64_t cpu_time_ns;
  int64_t start_time_unix_ns;
  int64_t interval_ns;
  int64_t timing_ticks;
} frozen_stats_1_0;

/* The header's structs keep the frozen ones as their prefix (C99 has no
 * _Static_assert: a negative array size fails the build). */
#define SAME_FIELD(current, frozen, field)                    \
  typedef char same_offset_##frozen##_##field                 \
      [offsetof(current, field) == offsetof(frozen, field) && \
               sizeof(((current *)0)->field) ==               \
                   sizeof(((frozen *)0)->field)               \
           ? 1                                                \
           : -1]
SAME_FIELD(pyi_options, frozen_options_1_0, struct_size);
SAME_FIELD(pyi_options, frozen_options_1_0, clock);
SAME_FIELD(pyi_options, frozen_options_1_0, interval_ns);
SAME_FIELD(pyi_options, frozen_options_1_0, gating);
SAME_FIELD(pyi_options, frozen_options_1_0, reserved0);
SAME_FIELD(pyi_options, frozen_options_1_0, clock_callback);
SAME_FIELD(pyi_options, frozen_options_1_0, clock_user_data);
SAME_FIELD(pyi_options, frozen_options_1_0, target_description);
SAME_FIELD(pyi_options, frozen_options_1_0, memory_cap_bytes);
SAME_FIELD(pyi_options, frozen_options_1_0, library_roots);
SAME_FIELD(pyi_options, frozen_options_1_0, library_root_count);
SAME_FIELD(pyi_session_stats, frozen_stats_1_0, struct_size);
SAME_FIELD(pyi_session_stats, frozen_stats_1_0, thread_count);
SAME_FIELD(pyi_session_stats, frozen_stats_1_0, sample_count);
SAME_FIELD(pyi_session_stats, frozen_stats_1_0, dropped_samples);
SAME_FIELD(pyi_session_stats, frozen_stats_1_0, unbalanced_exits);
SAME_FIELD(pyi_session_stats, frozen_stats_1_0, duration_ns);
SAME_FIELD(pyi_session_stats, frozen_stats_1_0, cpu_time_ns);
SAME_FIELD(pyi_session_stats, frozen_stats_1_0, start_time_unix_ns);
SAME_FIELD(pyi_session_stats, frozen_stats_1_0, interval_ns);
SAME_FIELD(pyi_session_stats, frozen_stats_1_0, timing_ticks);

#define MS 1000000
#define GUARD_BYTES 64
#define GUARD 0xab

/* A struct of `size` bytes followed by guard bytes the library must not
 * touch. */
typedef union guarded {
  unsigned char bytes[512 + GUARD_BYTES];
  frozen_options_1_0 options; /* aligns the buffer for the structs */
  frozen_stats_1_0 stats;
} guarded;

static int guard_intact(const guarded *block, size_t size) {
  size_t i;
  for (i = size; i < size + GUARD_BYTES; ++i) {
    if (block->bytes[i] != GUARD) return 0;
  }
  return 1;
}

static int64_t frozen_now;
static int64_t frozen_clock(void *user_data) {
  (void)user_data;
  return frozen_now;
}

int capi_test_frozen_1_0_options(char *failure) {
  guarded block;
  pyi_session *session = NULL;
  pyi_frame_id work;
  pyi_buffer report = {NULL, 0};
  frozen_stats_1_0 stats;

  /* init writes the caller's bytes only, with the 1.0 defaults. */
  memset(&block, GUARD, sizeof(block));
  CHECK_STATUS(pyi_options_init_sized((pyi_options *)&block,
                                      sizeof(frozen_options_1_0)),
               PYI_OK);
  CHECK(guard_intact(&block, sizeof(frozen_options_1_0)));
  CHECK(block.options.struct_size == sizeof(frozen_options_1_0));
  CHECK(block.options.clock == PYI_CLOCK_WALL);
  CHECK(block.options.interval_ns == 1000000);
  CHECK(block.options.gating == PYI_GATING_TIMING_THREAD);
  CHECK(block.options.memory_cap_bytes == (uint64_t)512 << 20);
  CHECK(block.options.library_roots == NULL);
  CHECK(block.options.library_root_count == 0);

  /* A session started from the 1.0 struct runs with what it says. */
  block.options.clock = PYI_CLOCK_CALLBACK;
  block.options.clock_callback = frozen_clock;
  block.options.gating = PYI_GATING_EVERY_EVENT;
  block.options.interval_ns = 2 * MS;
  block.options.target_description = "frozen 1.0 host";
  frozen_now = 0;
  CHECK_STATUS(pyi_session_start((const pyi_options *)&block, &session),
               PYI_OK);
  CHECK_STATUS(
      pyi_frame_register("frozen_work", "frozen.c", 1, "frozen", &work),
      PYI_OK);
  pyi_frame_enter(work);
  frozen_now += 10 * MS;
  pyi_frame_exit(work);
  CHECK_STATUS(pyi_session_stop(session), PYI_OK);

  memset(&block, GUARD, sizeof(block));
  block.stats.struct_size = sizeof(frozen_stats_1_0);
  CHECK_STATUS(pyi_session_get_stats(session, (pyi_session_stats *)&block),
               PYI_OK);
  CHECK(guard_intact(&block, sizeof(frozen_stats_1_0)));
  memcpy(&stats, &block, sizeof(stats));
  CHECK(stats.interval_ns == 2 * MS);
  CHECK(stats.sample_count == 1);
  CHECK(stats.timing_ticks == -1); /* every-event gating has no ticks */

  CHECK_STATUS(pyi_session_render(session, "text", "color=0,unicode=0",
                                  &report),
               PYI_OK);
  CHECK(strstr(report.data, "frozen_work") != NULL);
  CHECK(strstr(report.data, "frozen 1.0 host") != NULL);
  pyi_buffer_free(&report);
  pyi_session_free(session);
  return 0;
}

int capi_test_struct_larger_than_library_knows(char *failure) {
  guarded block;
  const size_t larger = sizeof(pyi_options) + 16;
  pyi_session *session = (pyi_session *)1;

  memset(&block, GUARD, sizeof(block));
  CHECK_STATUS(pyi_options_init_sized((pyi_options *)&block, larger),
               PYI_ERR_VERSION);
  CHECK(strstr(pyi_last_error(), "newer than the library") != NULL);
  CHECK(guard_intact(&block, larger));
  /* Zeroed, with the caller's size: starting from it is refused too. */
  CHECK(block.options.struct_size == larger);
  CHECK(block.options.interval_ns == 0);
  CHECK_STATUS(pyi_session_start((const pyi_options *)&block, &session),
               PYI_ERR_VERSION);
  CHECK(session == NULL);
  CHECK(strstr(pyi_last_error(), "options->struct_size") != NULL);

  /* A size that is no version of the struct is refused, untouched. */
  memset(&block, GUARD, sizeof(block));
  CHECK_STATUS(pyi_options_init_sized((pyi_options *)&block,
                                      sizeof(frozen_options_1_0) - 8),
               PYI_ERR_INVALID_ARGUMENT);
  CHECK(strstr(pyi_last_error(), "no version of the struct") != NULL);
  CHECK(guard_intact(&block, 0));
  CHECK_STATUS(pyi_options_init_sized(NULL, sizeof(pyi_options)),
               PYI_ERR_INVALID_ARGUMENT);
  return 0;
}

int capi_test_stats_before_1_0(char *failure) {
  /* Hosts built before 1.0 passed the stats without timing_ticks; they get
   * every field they know and nothing past it. */
  const size_t before = offsetof(frozen_stats_1_0, timing_ticks);
  guarded block;
  pyi_session *session = NULL;
  pyi_frame_id work;
  pyi_options options;

  pyi_options_init(&options);
  options.clock = PYI_CLOCK_CALLBACK;
  options.clock_callback = frozen_clock;
  options.gating = PYI_GATING_EVERY_EVENT;
  frozen_now = 0;
  CHECK_STATUS(pyi_session_start(&options, &session), PYI_OK);
  CHECK_STATUS(pyi_frame_register("old_work", "old.c", 1, NULL, &work),
               PYI_OK);
  pyi_frame_enter(work);
  frozen_now += 5 * MS;
  pyi_frame_exit(work);
  CHECK_STATUS(pyi_session_stop(session), PYI_OK);

  memset(&block, GUARD, sizeof(block));
  block.stats.struct_size = (uint32_t)before;
  CHECK_STATUS(pyi_session_get_stats(session, (pyi_session_stats *)&block),
               PYI_OK);
  CHECK(guard_intact(&block, before));
  CHECK(block.stats.sample_count == 1);
  CHECK(block.stats.duration_ns == 5 * MS);
  pyi_session_free(session);
  return 0;
}
