#include "benchmarks/synthetic_session.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace pyi {
namespace {

constexpr uint32_t kUnset = ~uint32_t{0};

// SplitMix64: tiny, fast, and fully specified.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); n > 0. The modulo bias is irrelevant here.
  uint64_t Below(uint64_t n) { return Next() % n; }
  // True with probability percent / 100.
  bool Percent(uint64_t percent) { return Below(100) < percent; }

 private:
  uint64_t state_;
};

struct FramePools {
  uint32_t entry;
  uint32_t main;
  std::vector<uint32_t> app;
  std::vector<uint32_t> library;
};

FramePools MakeFrames(SessionBuilder& builder, Random& random) {
  FramePools pools;
  pools.entry = builder.InternFrame("pyi_thread_entry", "bindings/cpp/scope.h",
                                    12, "", kFrameProfiler);
  pools.main = builder.InternFrame("main", "/home/dev/engine/src/main.cc", 20,
                                   "", 0);
  for (int i = 0; i < 400; ++i) {
    const std::string file = absl::StrCat("/home/dev/engine/src/module", i % 12,
                                          "/file", i % 40, ".cc");
    const uint32_t flags = random.Percent(1) ? uint32_t{kFrameHidden} : 0u;
    pools.app.push_back(builder.InternFrame(
        absl::StrCat("engine::System", i / 8, "::Method", i), file,
        10 + static_cast<uint32_t>(i) * 7, "", flags));
  }
  const char* kLibraryFiles[] = {
      "/usr/lib/x86_64-linux-gnu/libc.so.6",
      "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
      "/usr/lib/x86_64-linux-gnu/libm.so.6",
      "/opt/engine/third_party/absl/container/raw_hash_set.h",
      "/opt/engine/third_party/lua/lvm.c",
      "/opt/engine/third_party/zlib/inflate.c",
  };
  for (int i = 0; i < 330; ++i) {
    pools.library.push_back(builder.InternFrame(
        absl::StrCat("lib_function_", i), kLibraryFiles[i % 6],
        static_cast<uint32_t>(i), "", 0));
  }
  return pools;
}

std::vector<std::vector<uint32_t>> MakeStacks(const SyntheticSessionOptions& options,
                                              const FramePools& pools,
                                              Random& random) {
  const size_t max_depth = std::max<uint32_t>(options.max_depth, 2);
  std::vector<std::vector<uint32_t>> stacks;
  stacks.reserve(std::max<uint32_t>(options.stacks, 1));
  stacks.push_back({pools.entry, pools.main});
  std::vector<uint8_t> is_library_tail = {0};
  while (stacks.size() < std::max<uint32_t>(options.stacks, 1)) {
    // Grow from a prefix of an existing stack: real programs call many
    // things from the same places.
    const size_t parent = random.Below(stacks.size());
    std::vector<uint32_t> stack = stacks[parent];
    const size_t keep = 2 + random.Below(stack.size() - 1);
    stack.resize(std::min(keep, stack.size()));
    bool in_library = false;
    for (uint64_t grow = 1 + random.Below(6);
         grow > 0 && stack.size() < max_depth; --grow) {
      // Libraries mostly call libraries; application code calls either.
      in_library = in_library ? random.Percent(75) : random.Percent(40);
      const std::vector<uint32_t>& pool = in_library ? pools.library : pools.app;
      stack.push_back(pool[random.Below(pool.size())]);
    }
    stacks.push_back(std::move(stack));
  }
  // Neighbours in sorted order share long prefixes, so a walk that moves to
  // nearby indices behaves like a program moving between related calls.
  std::sort(stacks.begin(), stacks.end());
  return stacks;
}

}  // namespace

Session MakeSyntheticSession(const SyntheticSessionOptions& options) {
  Session session;
  session.start_time_unix_ns = 1'700'000'000'000'000'000;
  session.interval_ns = 1'000'000;
  session.target_description = "synthetic benchmark session";
  session.program = "engine --benchmark";
  session.library_version = "bench";
  session.library_roots = {"/usr/lib/x86_64-linux-gnu/",
                           "/opt/engine/third_party/"};
  SessionBuilder builder(&session);
  Random random(options.seed);
  const FramePools pools = MakeFrames(builder, random);
  const std::vector<std::vector<uint32_t>> stacks =
      MakeStacks(options, pools, random);

  const uint32_t thread_count = std::max<uint32_t>(options.threads, 1);
  int64_t longest_thread = 0;
  for (uint32_t t = 0; t < thread_count; ++t) {
    builder.AddThread(1000 + t, t == 0 ? "main" : absl::StrCat("worker-", t));
  }
  for (uint32_t t = 0; t < thread_count; ++t) {
    ThreadSamples& thread = session.threads[t];
    const uint64_t samples =
        options.samples / thread_count + (t < options.samples % thread_count);
    thread.sample_nodes.reserve(samples);
    thread.sample_durations_ns.reserve(samples);
    // Interning a stack walks the builder's hash map once per frame; do it
    // once per distinct stack, not once per sample.
    std::vector<uint32_t> node_of_stack(stacks.size(), kUnset);
    size_t current = random.Below(stacks.size());
    int64_t total = 0;
    for (uint64_t i = 0; i < samples; ++i) {
      const uint64_t move = random.Below(100);
      if (move >= 70 && move < 99) {
        const size_t step = 1 + random.Below(4);
        current = move % 2 ? (current + step) % stacks.size()
                           : (current + stacks.size() - step % stacks.size()) %
                                 stacks.size();
      } else if (move >= 99) {
        // Rare jumps favour the first stacks, for a skewed time profile.
        const uint64_t u = random.Below(1 << 10);
        current = static_cast<size_t>(u * u * u * stacks.size() >> 30);
      }
      uint32_t& node = node_of_stack[current];
      if (node == kUnset) node = builder.InternStack(thread, stacks[current]);
      int64_t duration = 900'000 + static_cast<int64_t>(random.Below(200'001));
      duration -= duration % options.duration_quantum_ns;
      thread.sample_nodes.push_back(node);
      thread.sample_durations_ns.push_back(duration);
      total += duration;
    }
    longest_thread = std::max(longest_thread, total);
  }
  session.duration_ns = longest_thread;
  session.cpu_time_ns = longest_thread / 10 * 9;
  return session;
}

}  // namespace pyi
