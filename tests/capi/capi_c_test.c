/*
 * Tests of the C ABI written in C: the header must compile as C99 with
 * -Wall -Wextra -pedantic -Werror, and every call here goes through it
 * exactly as a C host's would. capi_test.cc runs each function as a
 * GoogleTest case; a function returns 0 on success, or fills `failure` and
 * returns the failing line.
 */
/* mkdir, stat and opendir for the bad-path sweep. */
#define _POSIX_C_SOURCE 200809L

#include "capi_c_test.h"

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <pyinstrument/pyinstrument.h>

#include "c_check.h"

#define MS 1000000

static int64_t fake_now;
static int64_t fake_clock(void *user_data) {
  (void)user_data;
  return fake_now;
}

static pyi_status start_fake_session(pyi_session **out) {
  pyi_options options;
  pyi_status status = pyi_options_init(&options);
  if (status != PYI_OK) return status;
  options.clock = PYI_CLOCK_CALLBACK;
  options.clock_callback = fake_clock;
  options.gating = PYI_GATING_EVERY_EVENT;
  options.target_description = "capi test";
  fake_now = 0;
  return pyi_session_start(&options, out);
}

int capi_test_version(char *failure) {
  CHECK(pyi_version() == PYI_VERSION_NUMBER);
  CHECK(strcmp(pyi_version_string(), PYI_VERSION_STRING) == 0);
  return 0;
}

int capi_test_status_strings(char *failure) {
  int code;
  for (code = 0; code >= PYI_ERR_INTERNAL; --code) {
    CHECK(pyi_status_str(code) != NULL);
    CHECK(strlen(pyi_status_str(code)) > 0);
  }
  CHECK(strstr(pyi_status_str(PYI_ERR_CORRUPT), "CORRUPT") != NULL);
  CHECK(strcmp(pyi_status_str(12345), "unknown pyi_status") == 0);
  CHECK(pyi_last_error() != NULL);
  return 0;
}

int capi_test_options(char *failure) {
  pyi_options options;
  pyi_session *session = (pyi_session *)1;
  CHECK(pyi_options_init(NULL) == PYI_ERR_INVALID_ARGUMENT);
  CHECK(pyi_options_init(&options) == PYI_OK);
  CHECK(options.struct_size == sizeof(pyi_options));
  CHECK(options.interval_ns == 1000000);
  CHECK(options.clock == PYI_CLOCK_WALL);
  CHECK(options.gating == PYI_GATING_TIMING_THREAD);
  CHECK(options.memory_cap_bytes > 0);

  options.struct_size = 4;
  CHECK(pyi_session_start(&options, &session) == PYI_ERR_INVALID_ARGUMENT);
  CHECK(session == NULL);
  CHECK(strstr(pyi_last_error(), "struct_size") != NULL);

  pyi_options_init(&options);
  options.struct_size = sizeof(pyi_options) + 8;
  CHECK(pyi_session_start(&options, &session) == PYI_ERR_VERSION);

  pyi_options_init(&options);
  options.interval_ns = 0;
  CHECK(pyi_session_start(&options, &session) == PYI_ERR_INVALID_ARGUMENT);
  CHECK(strstr(pyi_last_error(), "interval_ns") != NULL);

  pyi_options_init(&options);
  options.clock = 7;
  CHECK(pyi_session_start(&options, &session) == PYI_ERR_INVALID_ARGUMENT);

  pyi_options_init(&options);
  options.clock = PYI_CLOCK_CALLBACK;
  CHECK(pyi_session_start(&options, &session) == PYI_ERR_INVALID_ARGUMENT);
  CHECK(strstr(pyi_last_error(), "clock_callback") != NULL);

  pyi_options_init(&options);
  options.gating = 9;
  CHECK(pyi_session_start(&options, &session) == PYI_ERR_INVALID_ARGUMENT);

  pyi_options_init(&options);
  options.library_root_count = 2;
  CHECK(pyi_session_start(&options, &session) == PYI_ERR_INVALID_ARGUMENT);

  CHECK(pyi_session_start(NULL, NULL) == PYI_ERR_INVALID_ARGUMENT);
  return 0;
}

int capi_test_null_arguments(char *failure) {
  pyi_frame_id id = 99;
  pyi_session_stats stats;
  pyi_buffer buffer;
  pyi_session *session = NULL;
  CHECK(pyi_frame_register(NULL, "f.c", 1, NULL, &id) ==
        PYI_ERR_INVALID_ARGUMENT);
  CHECK(id == 0);
  CHECK(pyi_frame_register("f", "f.c", 1, NULL, NULL) ==
        PYI_ERR_INVALID_ARGUMENT);
  CHECK(pyi_frame_register_flags("f", "f.c", 1, NULL, 0x80, &id) ==
        PYI_ERR_INVALID_ARGUMENT);
  CHECK(pyi_session_stop(NULL) == PYI_ERR_INVALID_ARGUMENT);
  memset(&stats, 0, sizeof(stats));
  stats.struct_size = sizeof(stats);
  CHECK(pyi_session_get_stats(NULL, &stats) == PYI_ERR_INVALID_ARGUMENT);
  CHECK(pyi_session_save(NULL, "x.pb") == PYI_ERR_INVALID_ARGUMENT);
  CHECK(pyi_session_save_to_buffer(NULL, &buffer) == PYI_ERR_INVALID_ARGUMENT);
  CHECK(buffer.data == NULL && buffer.size == 0);
  CHECK(pyi_session_load(NULL, &session) == PYI_ERR_INVALID_ARGUMENT);
  CHECK(pyi_session_load("x.pb", NULL) == PYI_ERR_INVALID_ARGUMENT);
  CHECK(pyi_session_load_from_buffer(NULL, 3, &session) ==
        PYI_ERR_INVALID_ARGUMENT);
  CHECK(pyi_session_render(NULL, "text", NULL, &buffer) ==
        PYI_ERR_INVALID_ARGUMENT);
  CHECK(pyi_thread_set_name(NULL) == PYI_ERR_INVALID_ARGUMENT);
  /* Destroy functions and hot-path calls accept what they are given. */
  pyi_session_free(NULL);
  pyi_buffer_free(NULL);
  memset(&buffer, 0, sizeof(buffer));
  pyi_buffer_free(&buffer);
  pyi_thread_sample(NULL, 4);
  pyi_thread_sample(NULL, 0);
  return 0;
}

int capi_test_register_interns(char *failure) {
  pyi_frame_id a, b, c, hidden;
  CHECK(pyi_frame_register("capi_fn", "capi.c", 3, "capi", &a) == PYI_OK);
  CHECK(pyi_frame_register("capi_fn", "capi.c", 3, "capi", &b) == PYI_OK);
  CHECK(pyi_frame_register("capi_fn", "capi.c", 4, "capi", &c) == PYI_OK);
  CHECK(pyi_frame_register_flags("capi_fn", "capi.c", 3, "capi",
                                 PYI_FRAME_HIDDEN, &hidden) == PYI_OK);
  CHECK(a != 0);
  CHECK(a == b);
  CHECK(a != c);
  CHECK(a != hidden);
  return 0;
}

/* Runs main -> work (3 ms) -> main (1 ms) on a fake clock. */
static int record_small_session(char *failure, pyi_session **out) {
  pyi_frame_id main_frame, work;
  CHECK(pyi_frame_register("capi_main", "app.c", 10, NULL, &main_frame) ==
        PYI_OK);
  CHECK(pyi_frame_register("capi_work", "app.c", 20, NULL, &work) == PYI_OK);
  CHECK(start_fake_session(out) == PYI_OK);
  pyi_frame_enter(main_frame);
  fake_now = 1 * MS;
  pyi_frame_enter(work);
  fake_now = 4 * MS;
  pyi_frame_exit(work);
  fake_now = 5 * MS;
  pyi_frame_exit(main_frame);
  CHECK(pyi_session_stop(*out) == PYI_OK);
  return 0;
}

int capi_test_session_lifecycle(char *failure) {
  pyi_session *session = NULL;
  pyi_session_stats stats;
  pyi_buffer report = {NULL, 0};
  int line = record_small_session(failure, &session);
  if (line != 0) return line;

  CHECK(pyi_session_stop(session) == PYI_ERR_STATE);
  memset(&stats, 0, sizeof(stats));
  stats.struct_size = sizeof(stats);
  CHECK(pyi_session_get_stats(session, &stats) == PYI_OK);
  CHECK(stats.sample_count == 3);
  CHECK(stats.duration_ns == 5 * MS);
  CHECK(stats.interval_ns == 1 * MS);
  CHECK(stats.thread_count == 1);
  CHECK(stats.dropped_samples == 0);
  CHECK(stats.unbalanced_exits == 0);
  CHECK(stats.timing_ticks == -1); /* every-event gating: no timing thread */
  /* A caller built before timing_ticks existed: the rest is filled, the
   * memory past its struct is not touched. */
  memset(&stats, 0, sizeof(stats));
  stats.timing_ticks = 12345;
  stats.struct_size = (uint32_t)offsetof(pyi_session_stats, timing_ticks);
  CHECK(pyi_session_get_stats(session, &stats) == PYI_OK);
  CHECK(stats.sample_count == 3);
  CHECK(stats.interval_ns == 1 * MS);
  CHECK(stats.timing_ticks == 12345);
  stats.struct_size = sizeof(stats) + 8;
  CHECK(pyi_session_get_stats(session, &stats) == PYI_ERR_VERSION);
  stats.struct_size = 8;
  CHECK(pyi_session_get_stats(session, &stats) == PYI_ERR_INVALID_ARGUMENT);

  CHECK(pyi_session_render(session, "text", "unicode=0,color=0", &report) ==
        PYI_OK);
  CHECK(report.data != NULL);
  CHECK(report.size == strlen(report.data));
  CHECK(strstr(report.data, "capi_main") != NULL);
  CHECK(strstr(report.data, "capi_work") != NULL);
  CHECK(strstr(report.data, "capi test") != NULL);
  pyi_buffer_free(&report);
  CHECK(report.data == NULL);

  CHECK(pyi_session_render(session, "no-such-renderer", NULL, &report) ==
        PYI_ERR_INVALID_ARGUMENT);
  CHECK(strstr(pyi_last_error(), "no-such-renderer") != NULL);
  CHECK(pyi_session_render(session, "text", "no_such_option=1", &report) ==
        PYI_ERR_INVALID_ARGUMENT);
  pyi_session_free(session);
  return 0;
}

/* A timing-thread session whose clock (the fake one) says a second passed
 * while the timing thread, on real time, had microseconds: the ticks fall
 * far short of the 1000 intervals, and the report says the samples are
 * sparse. It would take a half-second stall between start and stop for the
 * thread to tick 500 times. */
int capi_test_sparse_timing_ticks_reported(char *failure) {
  pyi_options options;
  pyi_session *session = NULL;
  pyi_session_stats stats;
  pyi_buffer report = {NULL, 0};
  pyi_frame_id frame;
  CHECK(pyi_frame_register("capi_sparse", "app.c", 30, NULL, &frame) ==
        PYI_OK);
  CHECK(pyi_options_init(&options) == PYI_OK);
  CHECK(options.gating == PYI_GATING_TIMING_THREAD);
  options.clock = PYI_CLOCK_CALLBACK;
  options.clock_callback = fake_clock;
  options.interval_ns = 1 * MS;
  fake_now = 0;
  CHECK(pyi_session_start(&options, &session) == PYI_OK);
  pyi_frame_enter(frame);
  fake_now = 1000 * MS;
  pyi_frame_exit(frame);
  CHECK(pyi_session_stop(session) == PYI_OK);

  memset(&stats, 0, sizeof(stats));
  stats.struct_size = sizeof(stats);
  CHECK(pyi_session_get_stats(session, &stats) == PYI_OK);
  CHECK(stats.duration_ns == 1000 * MS);
  CHECK(stats.timing_ticks >= 0);
  CHECK(stats.timing_ticks < 500);
  CHECK(pyi_session_render(session, "text", "unicode=0,color=0", &report) ==
        PYI_OK);
  CHECK(strstr(report.data, "sparse samples (the timing thread ran ") != NULL);
  CHECK(strstr(report.data, " in 1000 intervals: a busy machine, or a tick callback that waited)") !=
        NULL);
  pyi_buffer_free(&report);

  /* The count survives a save and a load. */
  pyi_buffer saved = {NULL, 0};
  pyi_session *loaded = NULL;
  const int64_t ticks = stats.timing_ticks;
  CHECK(pyi_session_save_to_buffer(session, &saved) == PYI_OK);
  CHECK(pyi_session_load_from_buffer(saved.data, saved.size, &loaded) ==
        PYI_OK);
  memset(&stats, 0, sizeof(stats));
  stats.struct_size = sizeof(stats);
  CHECK(pyi_session_get_stats(loaded, &stats) == PYI_OK);
  CHECK(stats.timing_ticks == ticks);
  pyi_buffer_free(&saved);
  pyi_session_free(loaded);
  pyi_session_free(session);
  return 0;
}

int capi_test_running_session_refuses_reads(char *failure) {
  pyi_session *session = NULL;
  pyi_buffer buffer;
  pyi_session_stats stats;
  CHECK(start_fake_session(&session) == PYI_OK);
  CHECK(pyi_session_save_to_buffer(session, &buffer) == PYI_ERR_STATE);
  CHECK(pyi_session_render(session, "text", NULL, &buffer) == PYI_ERR_STATE);
  memset(&stats, 0, sizeof(stats));
  stats.struct_size = sizeof(stats);
  CHECK(pyi_session_get_stats(session, &stats) == PYI_ERR_STATE);
  /* Freeing a running session stops it. */
  pyi_session_free(session);
  return 0;
}

int capi_test_buffer_round_trip(char *failure) {
  pyi_session *session = NULL, *loaded = NULL;
  pyi_buffer bytes, again, first_report, second_report;
  int line = record_small_session(failure, &session);
  if (line != 0) return line;
  CHECK(pyi_session_save_to_buffer(session, &bytes) == PYI_OK);
  CHECK(bytes.size > 0);
  CHECK(pyi_session_load_from_buffer(bytes.data, bytes.size, &loaded) ==
        PYI_OK);
  CHECK(pyi_session_save_to_buffer(loaded, &again) == PYI_OK);
  CHECK(again.size == bytes.size);
  CHECK(memcmp(again.data, bytes.data, bytes.size) == 0);
  CHECK(pyi_session_render(session, "text", "color=0", &first_report) ==
        PYI_OK);
  CHECK(pyi_session_render(loaded, "text", "color=0", &second_report) ==
        PYI_OK);
  CHECK(strcmp(first_report.data, second_report.data) == 0);
  pyi_buffer_free(&bytes);
  pyi_buffer_free(&again);
  pyi_buffer_free(&first_report);
  pyi_buffer_free(&second_report);
  pyi_session_free(session);
  pyi_session_free(loaded);
  return 0;
}

int capi_test_file_round_trip(char *failure, const char *directory) {
  char path[4096];
  pyi_session *session = NULL, *loaded = NULL;
  pyi_session_stats stats;
  int line = record_small_session(failure, &session);
  if (line != 0) return line;
  snprintf(path, sizeof(path), "%s/capi_round_trip.pb", directory);
  CHECK(pyi_session_save(session, path) == PYI_OK);
  CHECK(pyi_session_load(path, &loaded) == PYI_OK);
  memset(&stats, 0, sizeof(stats));
  stats.struct_size = sizeof(stats);
  CHECK(pyi_session_get_stats(loaded, &stats) == PYI_OK);
  CHECK(stats.sample_count == 3);
  CHECK(stats.duration_ns == 5 * MS);

  snprintf(path, sizeof(path), "%s/no/such/dir/x.pb", directory);
  CHECK(pyi_session_save(session, path) == PYI_ERR_IO);
  CHECK(strstr(pyi_last_error(), "no/such/dir") != NULL);
  pyi_session_free(loaded);
  loaded = (pyi_session *)1;
  CHECK(pyi_session_load(path, &loaded) == PYI_ERR_IO);
  CHECK(loaded == NULL);
  pyi_session_free(session);
  return 0;
}

int capi_test_bad_bytes(char *failure) {
  pyi_session *session = NULL, *loaded = NULL;
  pyi_buffer bytes;
  const char text[] = "hello, this is not a session";
  int line = record_small_session(failure, &session);
  if (line != 0) return line;
  CHECK(pyi_session_save_to_buffer(session, &bytes) == PYI_OK);

  CHECK(pyi_session_load_from_buffer("", 0, &loaded) == PYI_ERR_FORMAT);
  CHECK(pyi_session_load_from_buffer(text, sizeof(text), &loaded) ==
        PYI_ERR_FORMAT);
  CHECK(pyi_session_load_from_buffer(bytes.data, bytes.size - 3, &loaded) ==
        PYI_ERR_CORRUPT);
  CHECK(loaded == NULL);
  pyi_buffer_free(&bytes);
  pyi_session_free(session);
  return 0;
}

int capi_test_host_walked_stack(char *failure) {
  pyi_frame_id frames[2];
  pyi_session *session = NULL;
  pyi_session_stats stats;
  CHECK(pyi_frame_register("lua_main", "main.lua", 1, NULL, &frames[0]) ==
        PYI_OK);
  CHECK(pyi_frame_register("lua_step", "main.lua", 9, NULL, &frames[1]) ==
        PYI_OK);
  CHECK(start_fake_session(&session) == PYI_OK);
  CHECK(pyi_thread_set_name("interpreter") == PYI_OK);
  CHECK(pyi_sample_due());
  fake_now = 2 * MS;
  pyi_thread_sample(frames, 2);
  fake_now = 3 * MS;
  pyi_thread_sample(frames, 1);
  CHECK(pyi_session_stop(session) == PYI_OK);
  memset(&stats, 0, sizeof(stats));
  stats.struct_size = sizeof(stats);
  CHECK(pyi_session_get_stats(session, &stats) == PYI_OK);
  CHECK(stats.sample_count == 2);
  pyi_session_free(session);
  return 0;
}

int capi_test_unbalanced_exits_reported(char *failure) {
  pyi_frame_id a, b;
  pyi_session *session = NULL;
  pyi_session_stats stats;
  CHECK(pyi_frame_register("capi_unbalanced_a", "u.c", 1, NULL, &a) == PYI_OK);
  CHECK(pyi_frame_register("capi_unbalanced_b", "u.c", 2, NULL, &b) == PYI_OK);
  CHECK(start_fake_session(&session) == PYI_OK);
  pyi_frame_exit(a); /* never entered */
  pyi_frame_enter(a);
  pyi_frame_enter(b);
  pyi_frame_exit(a); /* b's exit was missed */
  CHECK(pyi_session_stop(session) == PYI_OK);
  memset(&stats, 0, sizeof(stats));
  stats.struct_size = sizeof(stats);
  CHECK(pyi_session_get_stats(session, &stats) == PYI_OK);
  CHECK(stats.unbalanced_exits == 2);
  pyi_session_free(session);
  return 0;
}

int capi_test_session_combine(char *failure) {
  pyi_session *first = NULL, *second = NULL, *running = NULL;
  pyi_session *combined = (pyi_session *)1;
  const pyi_session *inputs[3];
  pyi_session_stats stats;
  pyi_buffer json = {NULL, 0};
  int line = record_small_session(failure, &first);
  if (line != 0) return line;
  line = record_small_session(failure, &second);
  if (line != 0) return line;
  inputs[0] = second;
  inputs[1] = first;

  CHECK(pyi_session_combine(inputs, 2, NULL) == PYI_ERR_INVALID_ARGUMENT);
  CHECK(pyi_session_combine(NULL, 2, &combined) == PYI_ERR_INVALID_ARGUMENT);
  CHECK(combined == NULL);
  CHECK(pyi_session_combine(inputs, 0, &combined) == PYI_ERR_INVALID_ARGUMENT);
  inputs[2] = NULL;
  CHECK(pyi_session_combine(inputs, 3, &combined) == PYI_ERR_INVALID_ARGUMENT);
  CHECK(strstr(pyi_last_error(), "sessions[2]") != NULL);
  CHECK(start_fake_session(&running) == PYI_OK);
  inputs[2] = running;
  CHECK(pyi_session_combine(inputs, 3, &combined) == PYI_ERR_STATE);
  CHECK(combined == NULL);
  pyi_session_free(running);

  CHECK(pyi_session_combine(inputs, 2, &combined) == PYI_OK);
  memset(&stats, 0, sizeof(stats));
  stats.struct_size = sizeof(stats);
  CHECK(pyi_session_get_stats(combined, &stats) == PYI_OK);
  CHECK(stats.sample_count == 6);
  CHECK(stats.duration_ns == 10 * MS);
  CHECK(stats.thread_count == 1); /* same thread id and name: merged */
  CHECK(stats.interval_ns == 1 * MS);
  CHECK(pyi_session_render(combined, "json", NULL, &json) == PYI_OK);
  CHECK(strstr(json.data, "\"function\":\"capi_main\"") != NULL);
  CHECK(strstr(json.data, "\"time\":0.01,") != NULL);
  pyi_buffer_free(&json);

  /* The inputs are unchanged. */
  CHECK(pyi_session_get_stats(first, &stats) == PYI_OK);
  CHECK(stats.sample_count == 3);
  pyi_session_free(combined);
  pyi_session_free(first);
  pyi_session_free(second);
  return 0;
}

int capi_test_session_resample(char *failure) {
  pyi_session *session = NULL, *running = NULL;
  pyi_session *coarse = (pyi_session *)1;
  pyi_session_stats stats;
  pyi_buffer json = {NULL, 0};
  int line = record_small_session(failure, &session);
  if (line != 0) return line;

  CHECK(pyi_session_resample(session, 2 * MS, NULL) ==
        PYI_ERR_INVALID_ARGUMENT);
  CHECK(pyi_session_resample(NULL, 2 * MS, &coarse) ==
        PYI_ERR_INVALID_ARGUMENT);
  CHECK(coarse == NULL);
  CHECK(pyi_session_resample(session, 1 * MS, &coarse) ==
        PYI_ERR_INVALID_ARGUMENT);
  CHECK(strstr(pyi_last_error(), "coarser") != NULL);
  CHECK(pyi_session_resample(session, 0, &coarse) == PYI_ERR_INVALID_ARGUMENT);
  CHECK(pyi_session_resample(session, -5, &coarse) ==
        PYI_ERR_INVALID_ARGUMENT);
  CHECK(start_fake_session(&running) == PYI_OK);
  CHECK(pyi_session_resample(running, 2 * MS, &coarse) == PYI_ERR_STATE);
  pyi_session_free(running);

  /* Samples [main] 1 ms, [main work] 3 ms, [main] 1 ms become buckets of
   * 2 ms: [main] (a tie goes to the stack reached first), [main work], and
   * the last 1 ms of [main]. */
  CHECK(pyi_session_resample(session, 2 * MS, &coarse) == PYI_OK);
  memset(&stats, 0, sizeof(stats));
  stats.struct_size = sizeof(stats);
  CHECK(pyi_session_get_stats(coarse, &stats) == PYI_OK);
  CHECK(stats.sample_count == 3);
  CHECK(stats.interval_ns == 2 * MS);
  CHECK(stats.duration_ns == 5 * MS);
  CHECK(pyi_session_render(coarse, "json", "show_all", &json) == PYI_OK);
  CHECK(strstr(json.data, "\"function\":\"capi_main\"") != NULL);
  CHECK(strstr(json.data, "\"time\":0.005,") != NULL);
  pyi_buffer_free(&json);
  pyi_session_free(coarse);
  pyi_session_free(session);
  return 0;
}

/* Total sample count of a session, or -1. */
static int64_t sample_count(const pyi_session *session) {
  pyi_session_stats stats;
  memset(&stats, 0, sizeof(stats));
  stats.struct_size = sizeof(stats);
  if (pyi_session_get_stats(session, &stats) != PYI_OK) return -1;
  return (int64_t)stats.sample_count;
}

int capi_test_export_formats(char *failure) {
  static const char *const formats[] = {"session", "pprof", "speedscope",
                                        "chrome",  "collapsed", "text",
                                        "json",    "PPROF"};
  pyi_session *session = NULL, *running = NULL;
  pyi_session *imported = (pyi_session *)1;
  pyi_buffer bytes = {NULL, 0};
  size_t i;
  int line = record_small_session(failure, &session);
  if (line != 0) return line;

  CHECK(pyi_session_export(session, "pprof", NULL) ==
        PYI_ERR_INVALID_ARGUMENT);
  CHECK(pyi_session_export(NULL, "pprof", &bytes) == PYI_ERR_INVALID_ARGUMENT);
  CHECK(pyi_session_export(session, NULL, &bytes) == PYI_ERR_INVALID_ARGUMENT);
  CHECK(pyi_session_export(session, "gif", &bytes) ==
        PYI_ERR_INVALID_ARGUMENT);
  CHECK(strstr(pyi_last_error(), "gif") != NULL);
  CHECK(bytes.data == NULL && bytes.size == 0);
  CHECK(start_fake_session(&running) == PYI_OK);
  CHECK(pyi_session_export(running, "pprof", &bytes) == PYI_ERR_STATE);
  pyi_session_free(running);

  for (i = 0; i < sizeof(formats) / sizeof(formats[0]); ++i) {
    CHECK(pyi_session_export(session, formats[i], &bytes) == PYI_OK);
    CHECK(bytes.size > 0);
    CHECK(bytes.data[bytes.size] == '\0');
    pyi_buffer_free(&bytes);
  }

  /* Collapsed stacks, exactly: [main] 1 ms, [main work] 3 ms, [main] 1 ms
   * (one sample per event). */
  CHECK(pyi_session_export(session, "collapsed", &bytes) == PYI_OK);
  CHECK(strcmp(bytes.data,
               "capi_main (app.c:10) 2\n"
               "capi_main (app.c:10);capi_work (app.c:20) 1\n") == 0);
  pyi_buffer_free(&bytes);

  /* pprof round trip through the buffer import. */
  CHECK(pyi_session_export(session, "pprof", &bytes) == PYI_OK);
  CHECK((unsigned char)bytes.data[0] == 0x1f);
  CHECK(pyi_session_import_from_buffer(bytes.data, bytes.size, NULL) ==
        PYI_ERR_INVALID_ARGUMENT);
  CHECK(pyi_session_import_from_buffer(bytes.data, bytes.size, &imported) ==
        PYI_OK);
  CHECK(sample_count(imported) == sample_count(session));
  pyi_session_free(imported);
  pyi_buffer_free(&bytes);

  /* Our own .pb through the same entry point. */
  CHECK(pyi_session_export(session, "session", &bytes) == PYI_OK);
  CHECK(pyi_session_import_from_buffer(bytes.data, bytes.size, &imported) ==
        PYI_OK);
  CHECK(sample_count(imported) == 3);
  pyi_session_free(imported);
  pyi_buffer_free(&bytes);
  pyi_session_free(session);
  return 0;
}

int capi_test_export_to_file_and_import(char *failure,
                                        const char *directory) {
  char path[1024];
  pyi_session *session = NULL;
  pyi_session *imported = (pyi_session *)1;
  pyi_buffer text = {NULL, 0};
  FILE *file;
  char head[32] = {0};
  int line = record_small_session(failure, &session);
  if (line != 0) return line;

  /* The format from the name's ending. */
  snprintf(path, sizeof(path), "%s/capi.pb.gz", directory);
  CHECK(pyi_session_export_to_file(session, NULL, path) == PYI_OK);
  CHECK(pyi_session_import(path, NULL) == PYI_ERR_INVALID_ARGUMENT);
  CHECK(pyi_session_import(NULL, &imported) == PYI_ERR_INVALID_ARGUMENT);
  CHECK(imported == NULL);
  CHECK(pyi_session_import(path, &imported) == PYI_OK);
  CHECK(sample_count(imported) == 3);
  CHECK(pyi_session_render(imported, "text", NULL, &text) == PYI_OK);
  CHECK(strstr(text.data, "capi_work") != NULL);
  pyi_buffer_free(&text);
  pyi_session_free(imported);

  /* An explicit format wins over the ending. */
  snprintf(path, sizeof(path), "%s/capi_trace.txt", directory);
  CHECK(pyi_session_export_to_file(session, "chrome", path) == PYI_OK);
  file = fopen(path, "rb");
  CHECK(file != NULL);
  CHECK(fread(head, 1, 15, file) == 15);
  fclose(file);
  CHECK(strcmp(head, "{\"traceEvents\":") == 0);

  snprintf(path, sizeof(path), "%s/capi.unknown", directory);
  CHECK(pyi_session_export_to_file(session, NULL, path) ==
        PYI_ERR_INVALID_ARGUMENT);
  CHECK(strstr(pyi_last_error(), "capi.unknown") != NULL);
  snprintf(path, sizeof(path), "%s/no/such/dir/x.pb.gz", directory);
  CHECK(pyi_session_export_to_file(session, NULL, path) == PYI_ERR_IO);
  CHECK(pyi_session_export_to_file(session, NULL, NULL) ==
        PYI_ERR_INVALID_ARGUMENT);
  CHECK(pyi_session_export_to_file(NULL, NULL, path) ==
        PYI_ERR_INVALID_ARGUMENT);
  pyi_session_free(session);
  return 0;
}

int capi_test_import_bad_input(char *failure, const char *directory) {
  char path[1024];
  pyi_session *imported = (pyi_session *)1;
  pyi_session *session = NULL;
  pyi_buffer bytes = {NULL, 0};
  FILE *file;
  int line = record_small_session(failure, &session);
  if (line != 0) return line;

  CHECK(pyi_session_import_from_buffer(NULL, 3, &imported) ==
        PYI_ERR_INVALID_ARGUMENT);
  CHECK(imported == NULL);
  CHECK(pyi_session_import_from_buffer("", 0, &imported) == PYI_ERR_FORMAT);
  CHECK(pyi_session_import_from_buffer("hello there", 11, &imported) ==
        PYI_ERR_FORMAT);
  CHECK(imported == NULL);

  /* A truncated gzipped pprof: damaged, and the message says so. */
  CHECK(pyi_session_export(session, "pprof", &bytes) == PYI_OK);
  CHECK(pyi_session_import_from_buffer(bytes.data, bytes.size / 2,
                                       &imported) == PYI_ERR_CORRUPT);
  CHECK(strstr(pyi_last_error(), "truncated gzip") != NULL);

  /* The file entry point names the file. */
  snprintf(path, sizeof(path), "%s/capi_truncated.pb.gz", directory);
  file = fopen(path, "wb");
  CHECK(file != NULL);
  CHECK(fwrite(bytes.data, 1, bytes.size / 2, file) == bytes.size / 2);
  fclose(file);
  pyi_buffer_free(&bytes);
  CHECK(pyi_session_import(path, &imported) == PYI_ERR_CORRUPT);
  CHECK(strstr(pyi_last_error(), "capi_truncated.pb.gz") != NULL);
  CHECK(imported == NULL);
  snprintf(path, sizeof(path), "%s/capi_missing.pb", directory);
  CHECK(pyi_session_import(path, &imported) == PYI_ERR_IO);
  CHECK(strstr(pyi_last_error(), "capi_missing.pb") != NULL);
  pyi_session_free(session);
  return 0;
}

/* ---- Bad input, everywhere ---------------------------------------------
 *
 * One function per call family. Every case is an assertion on the exact
 * status; the sweep also runs under --config=asan, which turns any
 * dereference of a freed handle into a failure. */

#define NOT_LIVE "is not a live pyi_session (freed or never created)"

static int file_exists(const char *path) {
  struct stat info;
  return stat(path, &info) == 0;
}

/* Entries of `directory` other than "." and "..", or -1. */
static int directory_entries(const char *directory) {
  DIR *dir = opendir(directory);
  struct dirent *entry;
  int count = 0;
  if (dir == NULL) return -1;
  while ((entry = readdir(dir)) != NULL) {
    if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0) {
      ++count;
    }
  }
  closedir(dir);
  return count;
}

/* Calls every function that takes one session with `session`, which is not
 * a live session, and expects PYI_ERR_INVALID_ARGUMENT with the registry's
 * message, out parameters reset and nothing written. */
static int expect_not_live(char *failure, pyi_session *session,
                           const char *directory) {
  char path[1024];
  pyi_session_stats stats;
  pyi_buffer buffer;
  pyi_session *out = (pyi_session *)1;
  const pyi_session *inputs[1];

  CHECK_STATUS(pyi_session_stop(session), PYI_ERR_INVALID_ARGUMENT);
  CHECK(strstr(pyi_last_error(), "session " NOT_LIVE) != NULL);

  memset(&stats, 0xab, sizeof(stats));
  stats.struct_size = sizeof(stats);
  CHECK_STATUS(pyi_session_get_stats(session, &stats),
               PYI_ERR_INVALID_ARGUMENT);
  CHECK(strstr(pyi_last_error(), NOT_LIVE) != NULL);
  CHECK(stats.sample_count == UINT64_C(0xabababababababab));

  snprintf(path, sizeof(path), "%s/not_live.pb", directory);
  CHECK_STATUS(pyi_session_save(session, path), PYI_ERR_INVALID_ARGUMENT);
  CHECK(strstr(pyi_last_error(), NOT_LIVE) != NULL);
  CHECK(!file_exists(path));

  buffer.data = (char *)1;
  buffer.size = 5;
  CHECK_STATUS(pyi_session_save_to_buffer(session, &buffer),
               PYI_ERR_INVALID_ARGUMENT);
  CHECK(buffer.data == NULL && buffer.size == 0);

  buffer.data = (char *)1;
  CHECK_STATUS(pyi_session_render(session, "text", NULL, &buffer),
               PYI_ERR_INVALID_ARGUMENT);
  CHECK(strstr(pyi_last_error(), NOT_LIVE) != NULL);
  CHECK(buffer.data == NULL && buffer.size == 0);

  CHECK_STATUS(pyi_session_resample(session, 10 * MS, &out),
               PYI_ERR_INVALID_ARGUMENT);
  CHECK(out == NULL);

  buffer.data = (char *)1;
  CHECK_STATUS(pyi_session_export(session, "pprof", &buffer),
               PYI_ERR_INVALID_ARGUMENT);
  CHECK(buffer.data == NULL && buffer.size == 0);

  snprintf(path, sizeof(path), "%s/not_live.pb.gz", directory);
  CHECK_STATUS(pyi_session_export_to_file(session, NULL, path),
               PYI_ERR_INVALID_ARGUMENT);
  CHECK(strstr(pyi_last_error(), NOT_LIVE) != NULL);
  CHECK(!file_exists(path));

  inputs[0] = session;
  out = (pyi_session *)1;
  CHECK_STATUS(pyi_session_combine(inputs, 1, &out), PYI_ERR_INVALID_ARGUMENT);
  CHECK(strstr(pyi_last_error(), "sessions[0] " NOT_LIVE) != NULL);
  CHECK(out == NULL);

  /* Freeing it does nothing, however often. */
  pyi_session_free(session);
  pyi_session_free(session);
  return 0;
}

int capi_test_bad_session_handles(char *failure, const char *directory) {
  /* Never created: an address that is not a session at all. The registry
   * compares addresses, so the bytes behind it are never read. */
  double not_a_session[8] = {0};
  pyi_session *freed = NULL, *freed_running = NULL, *live = NULL;
  pyi_session *out = (pyi_session *)1;
  const pyi_session *inputs[3];
  int line;

  line = expect_not_live(failure, (pyi_session *)not_a_session, directory);
  if (line != 0) return line;
  line = expect_not_live(failure, (pyi_session *)(uintptr_t)0x10, directory);
  if (line != 0) return line;

  /* Freed after stopping, and freed while running. */
  line = record_small_session(failure, &live);
  if (line != 0) return line;
  line = record_small_session(failure, &freed);
  if (line != 0) return line;
  pyi_session_free(freed);
  line = expect_not_live(failure, freed, directory);
  if (line != 0) return line;
  CHECK(start_fake_session(&freed_running) == PYI_OK);
  pyi_session_free(freed_running);
  line = expect_not_live(failure, freed_running, directory);
  if (line != 0) return line;

  /* A freed session inside an otherwise good array is named by index. */
  inputs[0] = live;
  inputs[1] = live;
  inputs[2] = freed;
  CHECK_STATUS(pyi_session_combine(inputs, 3, &out), PYI_ERR_INVALID_ARGUMENT);
  CHECK(strstr(pyi_last_error(), "sessions[2] " NOT_LIVE) != NULL);
  CHECK(out == NULL);
  inputs[1] = (const pyi_session *)not_a_session;
  CHECK_STATUS(pyi_session_combine(inputs, 3, &out), PYI_ERR_INVALID_ARGUMENT);
  CHECK(strstr(pyi_last_error(), "sessions[1] " NOT_LIVE) != NULL);

  /* The live session is untouched by all of it. */
  CHECK(sample_count(live) == 3);
  pyi_session_free(live);
  pyi_session_free(live); /* a double free is harmless */
  CHECK_STATUS(pyi_session_stop(live), PYI_ERR_INVALID_ARGUMENT);
  return 0;
}

int capi_test_unknown_frame_ids(char *failure) {
  const pyi_frame_id unregistered = 4000000000u;
  pyi_session *session = NULL;
  pyi_session_stats stats;
  pyi_buffer collapsed = {NULL, 0}, text = {NULL, 0};
  CHECK(start_fake_session(&session) == PYI_OK);
  pyi_frame_enter(unregistered);
  fake_now = 1 * MS;
  pyi_frame_enter(0);
  fake_now = 2 * MS;
  pyi_frame_enter(UINT32_MAX);
  fake_now = 4 * MS;
  pyi_frame_exit(UINT32_MAX);
  fake_now = 5 * MS;
  pyi_frame_exit(0);
  fake_now = 6 * MS;
  pyi_frame_exit(unregistered);
  /* Exits of ids that are not on the stack are counted, not obeyed. */
  pyi_frame_exit(0);
  pyi_frame_exit(UINT32_MAX);
  CHECK(pyi_session_stop(session) == PYI_OK);

  memset(&stats, 0, sizeof(stats));
  stats.struct_size = sizeof(stats);
  CHECK(pyi_session_get_stats(session, &stats) == PYI_OK);
  CHECK(stats.sample_count > 0);
  CHECK(stats.unbalanced_exits == 2);
  CHECK(stats.duration_ns == 6 * MS);
  CHECK(pyi_session_export(session, "collapsed", &collapsed) == PYI_OK);
  CHECK(strstr(collapsed.data,
               "<unknown frame 4000000000> 2\n"
               "<unknown frame 4000000000>;<unknown frame 0> 2\n"
               "<unknown frame 4000000000>;<unknown frame 0>;"
               "<unknown frame 4294967295> 1\n") != NULL);
  CHECK(pyi_session_render(session, "text", "color=0,unicode=0,show_all",
                           &text) == PYI_OK);
  CHECK(strstr(text.data, "<unknown frame 4000000000>") != NULL);
  CHECK(strstr(text.data, "<unknown frame 0>") != NULL);
  CHECK(strstr(text.data, "<unknown frame 4294967295>") != NULL);
  pyi_buffer_free(&collapsed);
  pyi_buffer_free(&text);
  pyi_session_free(session);
  return 0;
}

int capi_test_struct_sizes(char *failure) {
  static const uint32_t too_small[] = {0, 1, 4, sizeof(pyi_options) - 1};
  static const uint32_t too_large[] = {sizeof(pyi_options) + 1,
                                       sizeof(pyi_options) + 8, 4096,
                                       UINT32_MAX};
  static const uint32_t stats_small[] = {
      0, 1, 8, offsetof(pyi_session_stats, timing_ticks) - 1,
      offsetof(pyi_session_stats, timing_ticks) + 1,
      sizeof(pyi_session_stats) - 1};
  static const uint32_t stats_large[] = {sizeof(pyi_session_stats) + 1,
                                         sizeof(pyi_session_stats) + 8,
                                         UINT32_MAX};
  pyi_options options;
  pyi_session *session = (pyi_session *)1;
  pyi_session_stats stats;
  size_t i;

  for (i = 0; i < sizeof(too_small) / sizeof(too_small[0]); ++i) {
    pyi_options_init(&options);
    options.struct_size = too_small[i];
    session = (pyi_session *)1;
    CHECK_STATUS(pyi_session_start(&options, &session),
                 PYI_ERR_INVALID_ARGUMENT);
    CHECK(session == NULL);
    CHECK(strstr(pyi_last_error(), "struct_size") != NULL);
  }
  for (i = 0; i < sizeof(too_large) / sizeof(too_large[0]); ++i) {
    pyi_options_init(&options);
    options.struct_size = too_large[i];
    session = (pyi_session *)1;
    CHECK_STATUS(pyi_session_start(&options, &session), PYI_ERR_VERSION);
    CHECK(session == NULL);
    CHECK(strstr(pyi_last_error(), "struct_size") != NULL);
  }

  CHECK(record_small_session(failure, &session) == 0);
  for (i = 0; i < sizeof(stats_small) / sizeof(stats_small[0]); ++i) {
    memset(&stats, 0xcd, sizeof(stats));
    stats.struct_size = stats_small[i];
    CHECK_STATUS(pyi_session_get_stats(session, &stats),
                 PYI_ERR_INVALID_ARGUMENT);
    CHECK(strstr(pyi_last_error(), "struct_size") != NULL);
    CHECK(stats.struct_size == stats_small[i]);
    CHECK(stats.sample_count == UINT64_C(0xcdcdcdcdcdcdcdcd));
  }
  for (i = 0; i < sizeof(stats_large) / sizeof(stats_large[0]); ++i) {
    memset(&stats, 0xcd, sizeof(stats));
    stats.struct_size = stats_large[i];
    CHECK_STATUS(pyi_session_get_stats(session, &stats), PYI_ERR_VERSION);
    CHECK(stats.sample_count == UINT64_C(0xcdcdcdcdcdcdcdcd));
  }
  CHECK_STATUS(pyi_session_get_stats(session, NULL), PYI_ERR_INVALID_ARGUMENT);
  memset(&stats, 0, sizeof(stats));
  stats.struct_size = sizeof(stats);
  CHECK_STATUS(pyi_session_get_stats(session, &stats), PYI_OK);
  pyi_session_free(session);
  return 0;
}

int capi_test_bad_options_and_names(char *failure) {
  static const uint32_t bad_enums[] = {3, 100, 0x80000000u, UINT32_MAX};
  static const int64_t bad_intervals[] = {0, -1, -1000000, INT64_MIN};
  static const char *const bad_formats[] = {"", "gif", "p", "sessionx",
                                            " text", "text ", "PPROF\n"};
  const char *roots[2] = {"/usr/", NULL};
  pyi_options options;
  pyi_session *session = (pyi_session *)1;
  pyi_buffer buffer = {NULL, 0};
  pyi_frame_id id = 7;
  size_t i;

  for (i = 0; i < sizeof(bad_enums) / sizeof(bad_enums[0]); ++i) {
    pyi_options_init(&options);
    options.clock = bad_enums[i];
    CHECK_STATUS(pyi_session_start(&options, &session),
                 PYI_ERR_INVALID_ARGUMENT);
    CHECK(strstr(pyi_last_error(), "options->clock") != NULL);
    CHECK(session == NULL);
    pyi_options_init(&options);
    options.gating = bad_enums[i];
    CHECK_STATUS(pyi_session_start(&options, &session),
                 PYI_ERR_INVALID_ARGUMENT);
    CHECK(strstr(pyi_last_error(), "options->gating") != NULL);
    pyi_options_init(&options);
    options.reserved0 = bad_enums[i];
    CHECK_STATUS(pyi_session_start(&options, &session),
                 PYI_ERR_INVALID_ARGUMENT);
    /* Bit 2 and up are unknown flags (3 is HIDDEN | PROFILER). */
    CHECK_STATUS(pyi_frame_register_flags("f", "f.c", 1, NULL,
                                          bad_enums[i] | 0x4u, &id),
                 PYI_ERR_INVALID_ARGUMENT);
    CHECK(id == 0);
  }
  for (i = 0; i < sizeof(bad_intervals) / sizeof(bad_intervals[0]); ++i) {
    pyi_options_init(&options);
    options.interval_ns = bad_intervals[i];
    CHECK_STATUS(pyi_session_start(&options, &session),
                 PYI_ERR_INVALID_ARGUMENT);
    CHECK(strstr(pyi_last_error(), "interval_ns") != NULL);
  }
  pyi_options_init(&options);
  options.library_roots = roots;
  options.library_root_count = 2;
  CHECK_STATUS(pyi_session_start(&options, &session),
               PYI_ERR_INVALID_ARGUMENT);
  CHECK(strstr(pyi_last_error(), "library_roots[1]") != NULL);
  pyi_options_init(&options);
  options.library_root_count = SIZE_MAX;
  CHECK_STATUS(pyi_session_start(&options, &session),
               PYI_ERR_INVALID_ARGUMENT);
  pyi_options_init(&options);
  options.clock = PYI_CLOCK_CALLBACK;
  options.clock_user_data = &options;
  CHECK_STATUS(pyi_session_start(&options, &session),
               PYI_ERR_INVALID_ARGUMENT);
  CHECK(session == NULL);

  /* NULL strings. */
  CHECK_STATUS(pyi_frame_register(NULL, NULL, 0, NULL, &id),
               PYI_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(pyi_frame_register_flags(NULL, "f.c", 1, NULL, 0, &id),
               PYI_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(pyi_frame_register_flags("f", "f.c", 1, NULL, 0, NULL),
               PYI_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(pyi_thread_set_name(NULL), PYI_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(pyi_frame_register("", NULL, 0, NULL, &id), PYI_OK);
  CHECK(id != 0);

  /* Unknown names for render and export, and NULL ones. */
  CHECK(record_small_session(failure, &session) == 0);
  CHECK_STATUS(pyi_session_render(session, NULL, NULL, &buffer),
               PYI_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(pyi_session_render(session, "text", NULL, NULL),
               PYI_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(pyi_session_export(session, "text", NULL),
               PYI_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(pyi_session_export(session, NULL, &buffer),
               PYI_ERR_INVALID_ARGUMENT);
  for (i = 0; i < sizeof(bad_formats) / sizeof(bad_formats[0]); ++i) {
    buffer.data = (char *)1;
    CHECK_STATUS(pyi_session_render(session, bad_formats[i], NULL, &buffer),
                 PYI_ERR_INVALID_ARGUMENT);
    CHECK(buffer.data == NULL && buffer.size == 0);
    buffer.data = (char *)1;
    CHECK_STATUS(pyi_session_export(session, bad_formats[i], &buffer),
                 PYI_ERR_INVALID_ARGUMENT);
    CHECK(buffer.data == NULL && buffer.size == 0);
  }
  CHECK_STATUS(pyi_session_render(session, "text", "=", &buffer),
               PYI_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(pyi_session_render(session, "text", "threshold=abc", &buffer),
               PYI_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(pyi_session_render(session, "html", "anything=1", &buffer),
               PYI_ERR_INVALID_ARGUMENT);
  CHECK(pyi_session_render(session, "text", "", &buffer) == PYI_OK);
  pyi_buffer_free(&buffer);
  pyi_session_free(session);
  return 0;
}

int capi_test_hot_path_and_buffers_bad_input(char *failure) {
  pyi_frame_id frames[2] = {0, UINT32_MAX};
  pyi_session *session = NULL;
  pyi_session *out = (pyi_session *)1;
  pyi_session_stats stats;

  /* Hot path: a NULL stack with any depth is ignored; odd ids are kept. */
  CHECK(start_fake_session(&session) == PYI_OK);
  fake_now = 2 * MS;
  pyi_thread_sample(NULL, SIZE_MAX);
  pyi_thread_sample(NULL, (size_t)1 << 40);
  pyi_thread_sample(NULL, 1);
  pyi_thread_sample(NULL, 0);
  fake_now = 4 * MS;
  pyi_thread_sample(frames, 2);
  fake_now = 6 * MS;
  pyi_thread_sample(frames, 0);
  CHECK_STATUS(pyi_thread_set_name(""), PYI_OK);
  CHECK(pyi_session_stop(session) == PYI_OK);
  memset(&stats, 0, sizeof(stats));
  stats.struct_size = sizeof(stats);
  CHECK(pyi_session_get_stats(session, &stats) == PYI_OK);
  CHECK(stats.sample_count >= 1);
  pyi_session_free(session);

  /* Loading: a huge size with NULL data is refused before any read. */
  CHECK_STATUS(pyi_session_load_from_buffer(NULL, SIZE_MAX, &out),
               PYI_ERR_INVALID_ARGUMENT);
  CHECK(out == NULL);
  CHECK_STATUS(pyi_session_load_from_buffer(NULL, 1, &out),
               PYI_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(pyi_session_load_from_buffer(NULL, 0, &out), PYI_ERR_FORMAT);
  CHECK(out == NULL);
  CHECK_STATUS(pyi_session_load_from_buffer("x", 1, NULL),
               PYI_ERR_INVALID_ARGUMENT);
  out = (pyi_session *)1;
  CHECK_STATUS(pyi_session_import_from_buffer(NULL, SIZE_MAX, &out),
               PYI_ERR_INVALID_ARGUMENT);
  CHECK(out == NULL);
  CHECK_STATUS(pyi_session_import_from_buffer(NULL, 0, &out), PYI_ERR_FORMAT);
  CHECK_STATUS(pyi_session_import_from_buffer("x", 1, NULL),
               PYI_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(pyi_session_import_from_buffer("\x1f\x8b", 2, &out),
               PYI_ERR_CORRUPT);
  CHECK(out == NULL);
  CHECK_STATUS(pyi_session_save_to_buffer(NULL, NULL),
               PYI_ERR_INVALID_ARGUMENT);
  return 0;
}

int capi_test_resample_and_combine_bad_input(char *failure) {
  static const int64_t bad_intervals[] = {-1, -2 * MS, INT64_MIN, 0, MS};
  pyi_session *session = NULL, *second = NULL;
  pyi_session *out = (pyi_session *)1;
  const pyi_session *inputs[2];
  size_t i;
  CHECK(record_small_session(failure, &session) == 0);
  CHECK(record_small_session(failure, &second) == 0);

  for (i = 0; i < sizeof(bad_intervals) / sizeof(bad_intervals[0]); ++i) {
    out = (pyi_session *)1;
    CHECK_STATUS(pyi_session_resample(session, bad_intervals[i], &out),
                 PYI_ERR_INVALID_ARGUMENT);
    CHECK(out == NULL);
  }
  CHECK_STATUS(pyi_session_resample(NULL, -1, &out), PYI_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(pyi_session_resample(session, -1, NULL),
               PYI_ERR_INVALID_ARGUMENT);
  /* The coarsest interval there is: everything in one bucket. */
  CHECK_STATUS(pyi_session_resample(session, INT64_MAX, &out), PYI_OK);
  CHECK(sample_count(out) == 1);
  pyi_session_free(out);

  /* Combine: empty, NULL and huge counts. */
  inputs[0] = session;
  inputs[1] = NULL;
  out = (pyi_session *)1;
  CHECK_STATUS(pyi_session_combine(NULL, 0, &out), PYI_ERR_INVALID_ARGUMENT);
  CHECK(out == NULL);
  CHECK_STATUS(pyi_session_combine(inputs, 0, &out), PYI_ERR_INVALID_ARGUMENT);
  CHECK(strstr(pyi_last_error(), "count is 0") != NULL);
  CHECK_STATUS(pyi_session_combine(NULL, 1, &out), PYI_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(pyi_session_combine(NULL, SIZE_MAX, &out),
               PYI_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(pyi_session_combine(inputs, 2, &out), PYI_ERR_INVALID_ARGUMENT);
  CHECK(strstr(pyi_last_error(), "sessions[1] is NULL") != NULL);
  inputs[1] = session;
  inputs[0] = NULL;
  CHECK_STATUS(pyi_session_combine(inputs, 2, &out), PYI_ERR_INVALID_ARGUMENT);
  CHECK(strstr(pyi_last_error(), "sessions[0] is NULL") != NULL);
  CHECK(out == NULL);
  CHECK_STATUS(pyi_session_combine(inputs, 2, NULL), PYI_ERR_INVALID_ARGUMENT);

  /* The same session twice, and one alone, are fine. */
  inputs[0] = session;
  CHECK_STATUS(pyi_session_combine(inputs, 2, &out), PYI_OK);
  CHECK(sample_count(out) == 6);
  pyi_session_free(out);
  CHECK_STATUS(pyi_session_combine(inputs, 1, &out), PYI_OK);
  CHECK(sample_count(out) == 3);
  pyi_session_free(out);
  pyi_session_free(second);
  pyi_session_free(session);
  return 0;
}

int capi_test_bad_paths(char *failure, const char *directory) {
  char dir[1024], path[1200], missing[1200];
  pyi_session *session = NULL;
  pyi_session *out = (pyi_session *)1;
  FILE *file;
  CHECK(record_small_session(failure, &session) == 0);
  snprintf(dir, sizeof(dir), "%s/capi_bad_paths", directory);
  CHECK(mkdir(dir, 0755) == 0 || file_exists(dir));
  CHECK(directory_entries(dir) == 0);
  snprintf(missing, sizeof(missing), "%s/missing/x.pb", dir);

  /* NULL and empty paths. */
  CHECK_STATUS(pyi_session_save(session, NULL), PYI_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(pyi_session_export_to_file(session, "pprof", NULL),
               PYI_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(pyi_session_load(NULL, &out), PYI_ERR_INVALID_ARGUMENT);
  CHECK(out == NULL);
  CHECK_STATUS(pyi_session_import(NULL, &out), PYI_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(pyi_session_save(session, ""), PYI_ERR_INVALID_ARGUMENT);
  CHECK(strcmp(pyi_last_error(), "path is empty") == 0);
  CHECK_STATUS(pyi_session_export_to_file(session, "pprof", ""),
               PYI_ERR_INVALID_ARGUMENT);
  CHECK(strcmp(pyi_last_error(), "path is empty") == 0);
  CHECK_STATUS(pyi_session_export_to_file(session, NULL, ""),
               PYI_ERR_INVALID_ARGUMENT);
  out = (pyi_session *)1;
  CHECK_STATUS(pyi_session_load("", &out), PYI_ERR_INVALID_ARGUMENT);
  CHECK(strcmp(pyi_last_error(), "path is empty") == 0);
  CHECK(out == NULL);
  out = (pyi_session *)1;
  CHECK_STATUS(pyi_session_import("", &out), PYI_ERR_INVALID_ARGUMENT);
  CHECK(strcmp(pyi_last_error(), "path is empty") == 0);
  CHECK(out == NULL);

  /* A directory as the path: reading fails, writing does not replace it. */
  out = (pyi_session *)1;
  CHECK_STATUS(pyi_session_load(dir, &out), PYI_ERR_IO);
  CHECK(strstr(pyi_last_error(), "capi_bad_paths") != NULL);
  CHECK(out == NULL);
  out = (pyi_session *)1;
  CHECK_STATUS(pyi_session_import(dir, &out), PYI_ERR_IO);
  CHECK(strstr(pyi_last_error(), "capi_bad_paths") != NULL);
  CHECK(out == NULL);
  CHECK_STATUS(pyi_session_save(session, dir), PYI_ERR_IO);
  CHECK(strstr(pyi_last_error(), "capi_bad_paths") != NULL);
  CHECK_STATUS(pyi_session_export_to_file(session, "pprof", dir), PYI_ERR_IO);
  CHECK(strstr(pyi_last_error(), "capi_bad_paths") != NULL);
  /* No temporary file is left behind. */
  CHECK(directory_entries(dir) == 0);

  /* A path in a missing directory. */
  out = (pyi_session *)1;
  CHECK_STATUS(pyi_session_load(missing, &out), PYI_ERR_IO);
  CHECK(strstr(pyi_last_error(), "missing/x.pb") != NULL);
  CHECK(out == NULL);
  CHECK_STATUS(pyi_session_import(missing, &out), PYI_ERR_IO);
  CHECK_STATUS(pyi_session_save(session, missing), PYI_ERR_IO);
  CHECK(strstr(pyi_last_error(), "missing/x.pb") != NULL);
  CHECK_STATUS(pyi_session_export_to_file(session, NULL, missing), PYI_ERR_IO);
  CHECK(strstr(pyi_last_error(), "missing/x.pb") != NULL);
  /* A path under a regular file. */
  snprintf(path, sizeof(path), "%s/file", dir);
  file = fopen(path, "wb");
  CHECK(file != NULL);
  fclose(file);
  snprintf(path, sizeof(path), "%s/file/x.pb", dir);
  CHECK_STATUS(pyi_session_save(session, path), PYI_ERR_IO);
  CHECK_STATUS(pyi_session_load(path, &out), PYI_ERR_IO);
  /* An empty file: not a session. */
  snprintf(path, sizeof(path), "%s/file", dir);
  CHECK_STATUS(pyi_session_load(path, &out), PYI_ERR_FORMAT);
  CHECK(strstr(pyi_last_error(), "file") != NULL);
  CHECK_STATUS(pyi_session_import(path, &out), PYI_ERR_FORMAT);
  CHECK(out == NULL);
  CHECK(directory_entries(dir) == 1);
  CHECK(remove(path) == 0);
  pyi_session_free(session);
  return 0;
}
