/*
 * A C host built outside the repository against an installed
 * libpyinstrument (tools/install_test.sh builds it with pkg-config, from a
 * release tarball and with Bazel). work_a runs for 3 units and work_b for 1
 * unit of a clock the host advances itself (PYI_CLOCK_CALLBACK, sampled at
 * every event), so the report's split is exactly 3:1.
 *
 *   host REPORT.json [SESSION.pb]   the text report goes to stdout
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <pyinstrument/pyinstrument.h>

#define UNIT_NS 1000000 /* 1 ms */

static int64_t now_ns;
static pyi_frame_id main_frame, work_a_frame, work_b_frame;

static int64_t host_clock(void *user_data) {
  (void)user_data;
  return now_ns;
}

static void work_a(void) {
  pyi_frame_enter(work_a_frame);
  now_ns += 3 * UNIT_NS;
  pyi_frame_exit(work_a_frame);
}

static void work_b(void) {
  pyi_frame_enter(work_b_frame);
  now_ns += 1 * UNIT_NS;
  pyi_frame_exit(work_b_frame);
}

static int fail(const char *what) {
  fprintf(stderr, "host: %s: %s\n", what, pyi_last_error());
  return 1;
}

static int write_file(const char *path, const pyi_buffer *buffer) {
  FILE *file = fopen(path, "wb");
  int ok = file != NULL && fwrite(buffer->data, 1, buffer->size, file) == buffer->size;
  if (file != NULL && fclose(file) != 0) ok = 0;
  if (!ok) fprintf(stderr, "host: cannot write %s\n", path);
  return ok ? 0 : 1;
}

int main(int argc, char **argv) {
  pyi_options options;
  pyi_session *session = NULL;
  pyi_buffer json = {NULL, 0};
  pyi_buffer text = {NULL, 0};
  int status = 0;
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: host REPORT.json [SESSION.pb]\n");
    return 2;
  }
  if (pyi_version() != PYI_VERSION_NUMBER) {
    fprintf(stderr, "host: built with header %s, loaded library %s\n",
            PYI_VERSION_STRING, pyi_version_string());
    return 1;
  }
  if (pyi_frame_register("host_main", __FILE__, __LINE__, "host", &main_frame) != PYI_OK ||
      pyi_frame_register("work_a", __FILE__, __LINE__, "host", &work_a_frame) != PYI_OK ||
      pyi_frame_register("work_b", __FILE__, __LINE__, "host", &work_b_frame) != PYI_OK) {
    return fail("pyi_frame_register");
  }
  pyi_options_init(&options);
  options.clock = PYI_CLOCK_CALLBACK;
  options.clock_callback = host_clock;
  options.gating = PYI_GATING_EVERY_EVENT;
  options.interval_ns = UNIT_NS;
  options.target_description = "install test: C host";
  if (pyi_session_start(&options, &session) != PYI_OK) return fail("pyi_session_start");

  pyi_frame_enter(main_frame);
  work_a();
  work_b();
  pyi_frame_exit(main_frame);

  if (pyi_session_stop(session) != PYI_OK) return fail("pyi_session_stop");
  if (pyi_session_render(session, "json", NULL, &json) != PYI_OK) return fail("render json");
  if (pyi_session_render(session, "text", "unicode=0,color=0", &text) != PYI_OK) {
    return fail("render text");
  }
  status |= write_file(argv[1], &json);
  fwrite(text.data, 1, text.size, stdout);
  if (argc == 3 && pyi_session_save(session, argv[2]) != PYI_OK) status |= fail("pyi_session_save");
  pyi_buffer_free(&json);
  pyi_buffer_free(&text);
  pyi_session_free(session);
  printf("host: libpyinstrument %s\n", pyi_version_string());
  return status;
}
