/*
 * A plain C host that profiles itself with libpyinstrument.
 *
 * The workload is a small "engine": each frame it steps a particle
 * simulation, builds a quadtree over the particles (recursive), sorts them
 * for drawing with the C library's qsort, and checksums a command buffer,
 * while a second thread compresses blocks of data. Every function tells the
 * profiler when it runs through PROFILED_ENTER / PROFILED_EXIT.
 *
 *   c_host [OUT.pb]      prints the console report, saves the session
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pyinstrument/pyinstrument.h>

/* Each call site registers its frame once and keeps the id in a static. */
#define PROFILED_ENTER(name)                                         \
  static pyi_frame_id frame_id_;                                     \
  if (frame_id_ == 0) register_frame(name, __FILE__, __LINE__, &frame_id_); \
  pyi_frame_enter(frame_id_)
#define PROFILED_EXIT() pyi_frame_exit(frame_id_)

static void register_frame(const char *name, const char *file, int line,
                           pyi_frame_id *out) {
  if (pyi_frame_register(name, file, (uint32_t)line, NULL, out) != PYI_OK) {
    fprintf(stderr, "c_host: cannot register %s: %s\n", name, pyi_last_error());
    exit(1);
  }
}

/* Library frames are registered with the file they really live in, so the
 * report can tell them from the application's code. */
static pyi_frame_id register_library_frame(const char *name,
                                           void (*function)(void)) {
  /* ISO C has no cast from a function pointer to void *; a union does it. */
  union {
    void (*function)(void);
    void *object;
  } address;
  Dl_info info;
  pyi_frame_id id = 0;
  const char *file = "libc";
  address.object = NULL;
  address.function = function;
  if (dladdr(address.object, &info) != 0 && info.dli_fname != NULL) {
    file = info.dli_fname;
  }
  if (pyi_frame_register(name, file, 0, NULL, &id) != PYI_OK) {
    fprintf(stderr, "c_host: cannot register %s: %s\n", name, pyi_last_error());
    exit(1);
  }
  return id;
}

enum { kParticles = 20000, kFrames = 150 };

typedef struct {
  double x, y, vx, vy;
} particle;

static particle particles[kParticles];
static pyi_frame_id qsort_frame;
static pyi_frame_id compare_frame;

static double random_unit(uint64_t *state) {
  *state = *state * 6364136223846793005ull + 1442695040888963407ull;
  return (double)(*state >> 11) / 9007199254740992.0;
}

static void apply_forces(double dt) {
  PROFILED_ENTER("apply_forces");
  int i, j;
  for (i = 0; i < kParticles; i += 8) {
    for (j = 0; j < 96; ++j) {
      particle *a = &particles[i];
      particle *b = &particles[(i + j * 61) % kParticles];
      double dx = b->x - a->x, dy = b->y - a->y;
      double d2 = dx * dx + dy * dy + 1e-3;
      double inv = dt / (d2 * sqrt(d2));
      a->vx += dx * inv;
      a->vy += dy * inv;
    }
  }
  PROFILED_EXIT();
}

static void integrate(double dt) {
  PROFILED_ENTER("integrate");
  int i;
  for (i = 0; i < kParticles; ++i) {
    particle *p = &particles[i];
    p->x = fmod(p->x + p->vx * dt + 1.0, 1.0);
    p->y = fmod(p->y + p->vy * dt + 1.0, 1.0);
  }
  PROFILED_EXIT();
}

static void step_physics(double dt) {
  PROFILED_ENTER("step_physics");
  apply_forces(dt);
  integrate(dt);
  PROFILED_EXIT();
}

/* Counts particles per quadrant, recursing until a cell is small or sparse. */
static int build_quadtree(const particle **cell, int count, double x0,
                          double y0, double size, int depth) {
  PROFILED_ENTER("build_quadtree");
  int nodes = 1;
  if (count > 8 && depth < 12) {
    const particle **quadrants[4];
    int counts[4] = {0, 0, 0, 0};
    int q, i;
    double half = size / 2;
    for (q = 0; q < 4; ++q) {
      quadrants[q] = malloc(sizeof(*cell) * (size_t)count);
    }
    for (i = 0; i < count; ++i) {
      int right = cell[i]->x >= x0 + half;
      int top = cell[i]->y >= y0 + half;
      q = right + 2 * top;
      quadrants[q][counts[q]++] = cell[i];
    }
    for (q = 0; q < 4; ++q) {
      nodes += build_quadtree(quadrants[q], counts[q], x0 + half * (q & 1),
                              y0 + half * (q >> 1), half, depth + 1);
      free(quadrants[q]);
    }
  }
  PROFILED_EXIT();
  return nodes;
}

static int compare_depth(const void *a, const void *b) {
  /* A comparator runs inside qsort: it shows below the library's frame. */
  double ya, yb;
  pyi_frame_enter(compare_frame);
  ya = (*(const particle *const *)a)->y;
  yb = (*(const particle *const *)b)->y;
  pyi_frame_exit(compare_frame);
  return (ya > yb) - (ya < yb);
}

static void sort_for_drawing(const particle **order) {
  PROFILED_ENTER("sort_for_drawing");
  pyi_frame_enter(qsort_frame);
  qsort(order, kParticles, sizeof(*order), compare_depth);
  pyi_frame_exit(qsort_frame);
  PROFILED_EXIT();
}

static uint32_t checksum_commands(const particle **order) {
  PROFILED_ENTER("checksum_commands");
  uint32_t a = 1, b = 0;
  int i, round;
  for (round = 0; round < 2; ++round) {
    for (i = 0; i < kParticles; ++i) {
      const unsigned char *bytes = (const unsigned char *)order[i];
      size_t k;
      for (k = 0; k < sizeof(particle); ++k) {
        a = (a + bytes[k]) % 65521;
        b = (b + a) % 65521;
      }
    }
  }
  PROFILED_EXIT();
  return (b << 16) | a;
}

static uint32_t render_frame(void) {
  PROFILED_ENTER("render_frame");
  static const particle *order[kParticles];
  int i, nodes;
  uint32_t sum;
  for (i = 0; i < kParticles; ++i) order[i] = &particles[i];
  nodes = build_quadtree(order, kParticles, 0, 0, 1, 0);
  sort_for_drawing(order);
  sum = checksum_commands(order) ^ (uint32_t)nodes;
  PROFILED_EXIT();
  return sum;
}

/* The second thread: run-length "compression" of generated blocks. */
static size_t compress_block(const unsigned char *in, size_t size,
                             unsigned char *out) {
  PROFILED_ENTER("compress_block");
  size_t i = 0, written = 0;
  while (i < size) {
    size_t run = 1;
    while (i + run < size && run < 255 && in[i + run] == in[i]) ++run;
    out[written++] = (unsigned char)run;
    out[written++] = in[i];
    i += run;
  }
  PROFILED_EXIT();
  return written;
}

static void fill_block(unsigned char *block, size_t size, uint64_t *state) {
  PROFILED_ENTER("fill_block");
  size_t i;
  for (i = 0; i < size; ++i) {
    block[i] = (unsigned char)(random_unit(state) < 0.8 ? 0 : i & 7);
  }
  PROFILED_EXIT();
}

static volatile int worker_should_stop;

static void *compression_worker(void *unused) {
  enum { kBlock = 1 << 16 };
  static unsigned char block[kBlock], packed[2 * kBlock];
  uint64_t state = 7;
  size_t total = 0;
  (void)unused;
  pyi_thread_set_name("compressor");
  {
    PROFILED_ENTER("compression_worker");
    while (!worker_should_stop) {
      fill_block(block, kBlock, &state);
      total += compress_block(block, kBlock, packed);
    }
    PROFILED_EXIT();
  }
  return (void *)(uintptr_t)total;
}

static uint32_t run_engine(void) {
  PROFILED_ENTER("run_engine");
  uint32_t sum = 0;
  int frame;
  for (frame = 0; frame < kFrames; ++frame) {
    step_physics(1e-4);
    sum ^= render_frame();
  }
  PROFILED_EXIT();
  return sum;
}

int main(int argc, char **argv) {
  const char *out_path = argc > 1 ? argv[1] : "c_host.pb";
  pyi_options options;
  pyi_session *session = NULL;
  pyi_buffer report = {NULL, 0};
  pthread_t worker;
  uint64_t seed = 42;
  uint32_t sum;
  int i;

  for (i = 0; i < kParticles; ++i) {
    particles[i].x = random_unit(&seed);
    particles[i].y = random_unit(&seed);
  }
  qsort_frame = register_library_frame("qsort", (void (*)(void))qsort);
  if (pyi_frame_register("compare_depth", __FILE__, __LINE__, NULL,
                         &compare_frame) != PYI_OK) {
    fprintf(stderr, "c_host: %s\n", pyi_last_error());
    return 1;
  }

  pyi_options_init(&options);
  options.target_description = "c_host: particle engine, 150 frames";
  if (pyi_session_start(&options, &session) != PYI_OK) {
    fprintf(stderr, "c_host: cannot start profiling: %s\n", pyi_last_error());
    return 1;
  }
  if (pthread_create(&worker, NULL, compression_worker, NULL) != 0) {
    fprintf(stderr, "c_host: cannot start the worker thread\n");
    return 1;
  }
  {
    PROFILED_ENTER("main");
    sum = run_engine();
    PROFILED_EXIT();
  }
  worker_should_stop = 1;
  pthread_join(worker, NULL);
  if (pyi_session_stop(session) != PYI_OK) {
    fprintf(stderr, "c_host: %s\n", pyi_last_error());
    return 1;
  }

  if (pyi_session_render(session, "text", NULL, &report) != PYI_OK) {
    fprintf(stderr, "c_host: cannot render: %s\n", pyi_last_error());
    return 1;
  }
  fwrite(report.data, 1, report.size, stdout);
  pyi_buffer_free(&report);
  if (pyi_session_save(session, out_path) != PYI_OK) {
    fprintf(stderr, "c_host: cannot save %s: %s\n", out_path,
            pyi_last_error());
    return 1;
  }
  printf("checksum %08x; session saved to %s\n", sum, out_path);
  pyi_session_free(session);
  return 0;
}
