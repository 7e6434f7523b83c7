// Runs Lua scripts of known call structure under the built pyi-lua, in both
// modes, and the `require "pyinstrument"` module under lua5.4, then checks
// the recorded trees: parents and children by name, where the time went,
// coroutines under their resumers, balanced stacks. Times are real (busy
// loops of ~100 ms), so only structure and coarse shares are asserted.

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "pyinstrument/pyinstrument.h"
#include "tests/util/files.h"
#include "tests/util/sanitizer_preload.h"

namespace {

using ::pyi_testing::ReadFile;
using ::pyi_testing::TempPath;

using ::google::protobuf::Value;
using ::testing::HasSubstr;

constexpr char kPyiLua[] = "bindings/lua/pyi-lua";
constexpr char kScripts[] = "tests/lua/";

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

Result RunCommand(const std::string& command) {
  const std::string out = TempPath("stdout.txt");
  const std::string err = TempPath("stderr.txt");
  std::remove(out.c_str());
  std::remove(err.c_str());
  const int status =
      std::system(absl::StrCat(command, " >", out, " 2>", err).c_str());
  Result result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadFile(out);
  result.err = ReadFile(err);
  return result;
}

std::string Field(const google::protobuf::Value& frame, const std::string& key);
void FindAll(const google::protobuf::Value& frame, const std::string& function,
             std::vector<const google::protobuf::Value*>* out);

// A recorded session, loaded from the .pb pyi-lua wrote.
struct Profile {
  pyi_session_stats stats{};
  Value root;  // the JSON renderer's root_frame
  std::string text;
};

Profile Load(const std::string& pb) {
  Profile profile;
  pyi_session* session = nullptr;
  if (pyi_session_load(pb.c_str(), &session) != PYI_OK) {
    ADD_FAILURE() << "cannot load " << pb << ": " << pyi_last_error();
    return profile;
  }
  profile.stats.struct_size = sizeof(profile.stats);
  EXPECT_EQ(pyi_session_get_stats(session, &profile.stats), PYI_OK);
  pyi_buffer json{};
  EXPECT_EQ(pyi_session_render(session, "json", "show_all=1", &json), PYI_OK);
  Value document;
  const auto status = google::protobuf::util::JsonStringToMessage(
      std::string(json.data, json.size), &document);
  EXPECT_TRUE(status.ok()) << status.ToString();
  pyi_buffer_free(&json);
  profile.root = document.struct_value().fields().at("root_frame");
  // Moments with no Lua frame at all (before the script's chunk starts,
  // after it returns) make the renderer add a synthetic "[root]", and lua5.4
  // runs the chunk from a nameless C function: the script's tree is its
  // main chunk.
  if (Field(profile.root, "function") != "<main chunk>") {
    std::vector<const Value*> chunks;
    FindAll(profile.root, "<main chunk>", &chunks);
    if (!chunks.empty()) profile.root = Value(*chunks.front());
  }
  pyi_buffer text{};
  EXPECT_EQ(pyi_session_render(session, "text", "", &text), PYI_OK);
  profile.text.assign(text.data, text.size);
  pyi_buffer_free(&text);
  pyi_session_free(session);
  return profile;
}

std::string Field(const Value& frame, const std::string& key) {
  const auto& fields = frame.struct_value().fields();
  auto it = fields.find(key);
  return it == fields.end() ? "" : it->second.string_value();
}

double Line(const Value& frame) {
  return frame.struct_value().fields().at("line_no").number_value();
}

double Time(const Value& frame) {
  return frame.struct_value().fields().at("time").number_value();
}

std::vector<const Value*> Children(const Value& frame) {
  std::vector<const Value*> children;
  const auto& fields = frame.struct_value().fields();
  auto it = fields.find("children");
  if (it == fields.end()) return children;
  for (const Value& child : it->second.list_value().values()) {
    children.push_back(&child);
  }
  return children;
}

const Value* Child(const Value& frame, const std::string& function) {
  for (const Value* child : Children(frame)) {
    if (Field(*child, "function") == function) return child;
  }
  return nullptr;
}

// Follows `path` (function names) down from `frame`, each a direct child.
const Value* Path(const Value& frame, const std::vector<std::string>& path) {
  const Value* current = &frame;
  for (const std::string& function : path) {
    current = Child(*current, function);
    if (current == nullptr) return nullptr;
  }
  return current;
}

// Every frame named `function` anywhere below `frame`.
void FindAll(const Value& frame, const std::string& function,
             std::vector<const Value*>* out) {
  for (const Value* child : Children(frame)) {
    if (Field(*child, "function") == function) out->push_back(child);
    FindAll(*child, function, out);
  }
}

// The child of `frame` defined at `line`, or null.
const Value* ChildAtLine(const Value& frame, double line) {
  for (const Value* child : Children(frame)) {
    if (Line(*child) == line) return child;
  }
  return nullptr;
}

// Frames below `frame`, counting itself as 1.
int Height(const Value& frame) {
  int height = 0;
  for (const Value* child : Children(frame)) {
    height = std::max(height, Height(*child));
  }
  return height + 1;
}

int Depth(const Value& frame, const std::string& function) {
  int depth = 0;
  const Value* current = &frame;
  while ((current = Child(*current, function)) != nullptr) ++depth;
  return depth;
}

class LuaModes : public ::testing::TestWithParam<std::string> {
 protected:
  // Runs a script under pyi-lua in this test's mode into a .pb file.
  Profile Profiled(const std::string& script) {
    const std::string pb = TempPath(absl::StrCat(script, ".", GetParam(), ".pb"));
    std::remove(pb.c_str());
    const Result result =
        RunCommand(absl::StrCat(kPyiLua, " --mode ", GetParam(), " -o ", pb, " ",
                         kScripts, script, ".lua"));
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.err, "");
    Profile profile = Load(pb);
    EXPECT_EQ(profile.stats.unbalanced_exits, 0u) << profile.text;
    EXPECT_EQ(Field(profile.root, "function"), "<main chunk>") << profile.text;
    EXPECT_THAT(Field(profile.root, "file_path"), HasSubstr(script + ".lua"));
    return profile;
  }

  // Runs a script that profiles itself on the module's manual clock in
  // this test's mode (`script.lua OUT MODE`), inside pyi-lua, which
  // profiles nothing itself: every time in the tree is exact.
  Profile ManualClock(const std::string& script) {
    const std::string pb =
        TempPath(absl::StrCat(script, ".manual.", GetParam(), ".pb"));
    std::remove(pb.c_str());
    const Result result =
        RunCommand(absl::StrCat(kPyiLua, " --mode off ", kScripts, script,
                                ".lua ", pb, " ", GetParam()));
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.err, "");
    Profile profile = Load(pb);
    EXPECT_EQ(profile.stats.unbalanced_exits, 0u) << profile.text;
    EXPECT_EQ(Field(profile.root, "function"), "<main chunk>") << profile.text;
    return profile;
  }

  bool Hooks() const { return GetParam() == "hooks"; }
};

constexpr double kExact = 1e-9;  // seconds; the manual clock is exact

TEST_P(LuaModes, NestedCallsCarryTheirBusyTime) {
  const Profile profile = Profiled("calls");
  const Value* leaf = Path(profile.root, {"outer", "middle", "leaf"});
  ASSERT_NE(leaf, nullptr) << profile.text;
  EXPECT_EQ(leaf->struct_value().fields().at("line_no").number_value(), 6);
  // The busy loop is where leaf's time goes, and it is ~120 ms.
  const Value* spin = Child(*leaf, "spin");
  ASSERT_NE(spin, nullptr) << profile.text;
  EXPECT_GE(Time(*spin), 0.9 * Time(*leaf));
  EXPECT_GE(Time(*leaf), 0.08);
  EXPECT_EQ(Field(*spin, "file_path").substr(
                Field(*spin, "file_path").size() - 8),
            "spin.lua");
}

TEST_P(LuaModes, RecursionNestsAndTailCallsReplaceFrames) {
  const Profile profile = Profiled("calls");
  // fib(15) recurses: fib under fib under fib...
  EXPECT_GE(Depth(profile.root, "fib"), 5) << profile.text;
  // countdown tail-calls itself six times; only one frame is ever live, so
  // its busy loop sits right under one countdown frame. (Hooks mode keeps
  // the frame of the call and folds the tail calls of a function to itself
  // into it; sample mode sees only the last one, "countdown (tail call)".)
  const Value* countdown = nullptr;
  for (const Value* child : Children(profile.root)) {
    if (Line(*child) == 16) countdown = child;
  }
  ASSERT_NE(countdown, nullptr) << profile.text;
  if (GetParam() == "hooks") {
    EXPECT_EQ(Field(*countdown, "function"), "countdown");
  }
  for (const Value* child : Children(*countdown)) {
    EXPECT_NE(Line(*child), 16) << profile.text;
  }
  const Value* spin = Child(*countdown, "spin");
  ASSERT_NE(spin, nullptr) << profile.text;
  EXPECT_GE(Time(*spin), 0.05);
}

// Project issue #13: heavy() and light() end by tail-calling one worker
// with 3:1 work. Hooks mode shows the worker under each caller; sample mode
// sees only what Lua's stack keeps, the worker, under the caller of both.
TEST_P(LuaModes, TailCalledWorkerShowsUnderTheFunctionsThatTailCalledIt) {
  const Profile profile = ManualClock("tailcalls");
  const Value* split = Child(profile.root, "split");
  ASSERT_NE(split, nullptr) << profile.text;
  EXPECT_NEAR(Time(*split), 0.040, kExact);
  if (Hooks()) {
    const Value* heavy = Path(*split, {"heavy", "worker (tail call)"});
    const Value* light = Path(*split, {"light", "worker (tail call)"});
    ASSERT_NE(heavy, nullptr) << profile.text;
    ASSERT_NE(light, nullptr) << profile.text;
    EXPECT_EQ(Line(*heavy), 11);
    EXPECT_NEAR(Time(*heavy) / (Time(*heavy) + Time(*light)), 0.75, 0.03);
    EXPECT_NEAR(Time(*heavy), 0.030, kExact);
    EXPECT_NEAR(Time(*light), 0.010, kExact);
    EXPECT_NEAR(Time(*Child(*split, "heavy")), 0.030, kExact);
  } else {
    const Value* worker = Child(*split, "worker (tail call)");
    ASSERT_NE(worker, nullptr) << profile.text;
    EXPECT_NEAR(Time(*worker), 0.040, kExact);
    EXPECT_EQ(Child(*split, "heavy"), nullptr) << profile.text;
  }
  std::vector<const Value*> unnamed;
  FindAll(*split, "<anonymous>", &unnamed);
  FindAll(*split, "worker", &unnamed);
  EXPECT_TRUE(unnamed.empty()) << profile.text;
}

TEST_P(LuaModes, TailCallChains) {
  const Profile profile = ManualClock("tailcalls");
  const Value* chain = Child(profile.root, "chain");
  ASSERT_NE(chain, nullptr) << profile.text;
  EXPECT_NEAR(Time(*chain), 0.007, kExact);
  if (Hooks()) {
    // chain_a -> chain_b -> chain_c, each under the one that tail-called it.
    const Value* a = Child(*chain, "chain_a");
    ASSERT_NE(a, nullptr) << profile.text;
    const Value* b = Child(*a, "chain_b (tail call)");
    ASSERT_NE(b, nullptr) << profile.text;
    const Value* c = Child(*b, "chain_c (tail call)");
    ASSERT_NE(c, nullptr) << profile.text;
    EXPECT_NEAR(Time(*a), 0.007, kExact);
    EXPECT_NEAR(Time(*b), 0.006, kExact);
    EXPECT_NEAR(Time(*c), 0.004, kExact);
  } else {
    // Each replaced the one before: all three sit under chain.
    EXPECT_NEAR(Time(*Child(*chain, "chain_a")), 0.001, kExact);
    EXPECT_NEAR(Time(*Child(*chain, "chain_b (tail call)")), 0.002, kExact);
    EXPECT_NEAR(Time(*Child(*chain, "chain_c (tail call)")), 0.004, kExact);
  }
}

TEST_P(LuaModes, RecursiveTailCallsDoNotGrowTheStack) {
  const Profile profile = ManualClock("tailcalls");
  const Value* recursion = Child(profile.root, "recursion");
  ASSERT_NE(recursion, nullptr) << profile.text;
  EXPECT_NEAR(Time(*recursion), 0.013, kExact);
  // 100000 tail calls of countdown to itself and 4000 between is_even and
  // is_odd: recursion, a function, advance below (or recursion, the
  // callers, a function, advance) at most.
  EXPECT_LE(Height(*recursion), 4) << profile.text;
  if (Hooks()) {
    // Tail calls of a function to itself fold into the frame of its call;
    // a cycle of tail calls goes back to the first frame of each function.
    const Value* countdown = Child(*recursion, "countdown");
    ASSERT_NE(countdown, nullptr) << profile.text;
    EXPECT_NEAR(Time(*countdown), 0.005, kExact);
    const Value* even = Child(*recursion, "is_even");
    ASSERT_NE(even, nullptr) << profile.text;
    EXPECT_NEAR(Time(*even), 0.008, kExact);
    const Value* odd = Child(*even, "is_odd (tail call)");
    ASSERT_NE(odd, nullptr) << profile.text;
    EXPECT_NEAR(Time(*odd), 0.004, kExact);
  } else {
    const Value* countdown = Child(*recursion, "countdown (tail call)");
    ASSERT_NE(countdown, nullptr) << profile.text;
    EXPECT_NEAR(Time(*countdown), 0.005, kExact);
    EXPECT_NEAR(Time(*Child(*recursion, "is_odd (tail call)")), 0.004,
                kExact);
  }
}

// Lua keeps the caller's activation record when it tail-calls a C function:
// an ordinary call, in both modes, under the Lua function that made it.
TEST_P(LuaModes, TailCallsIntoCFunctionsAreCallsUnderTheCaller) {
  const Profile profile = ManualClock("tailcalls");
  const Value* spent =
      Path(profile.root, {"into_c", "via_pcall", "pcall", "spent"});
  ASSERT_NE(spent, nullptr) << profile.text;
  EXPECT_NEAR(Time(*spent), 0.003, kExact);
  const Value* advance =
      Path(profile.root, {"into_c", "via_advance", "advance"});
  ASSERT_NE(advance, nullptr) << profile.text;
  EXPECT_EQ(Field(*advance, "file_path"), "[C]");
  EXPECT_NEAR(Time(*advance), 0.002, kExact);
}

TEST_P(LuaModes, CoroutinesWhoseBodiesTailCall) {
  const Profile profile = ManualClock("tailcalls");
  const Value* coroutines = Child(profile.root, "coroutines");
  ASSERT_NE(coroutines, nullptr) << profile.text;
  EXPECT_NEAR(Time(*coroutines), 0.008, kExact);
  // body (line 71) tail-calls produce (line 65), which yields inside: each
  // resume runs it under the resume call. Lua has no name for a tail-called
  // function; the variable that holds it is found in the frames of the
  // thread that resumed the coroutine.
  for (const std::string resumer : {"gen", "resume"}) {
    const Value* resume = Child(*coroutines, resumer);
    ASSERT_NE(resume, nullptr) << resumer << "\n" << profile.text;
    const Value* produce = nullptr;
    if (Hooks()) {
      const Value* body = ChildAtLine(*resume, 71);
      ASSERT_NE(body, nullptr) << resumer << "\n" << profile.text;
      produce = ChildAtLine(*body, 65);
    } else {
      produce = ChildAtLine(*resume, 65);
    }
    ASSERT_NE(produce, nullptr) << resumer << "\n" << profile.text;
    EXPECT_EQ(Field(*produce, "function"), "produce (tail call)");
    EXPECT_NEAR(Time(*produce), 0.004, kExact);
  }
}

TEST_P(LuaModes, ErrorsInsideTailCalledFunctionsUnwindTheWholeChain) {
  const Profile profile = ManualClock("tailcalls");
  const Value* errors = Child(profile.root, "errors");
  ASSERT_NE(errors, nullptr) << profile.text;
  EXPECT_NEAR(Time(*errors), 0.009, kExact);
  for (const std::string catcher : {"pcall", "resume"}) {
    const Value* raise =
        Hooks() ? Path(*errors, {catcher, "<anonymous>", "relay (tail call)",
                                 "raise (tail call)"})
                : Path(*errors, {catcher, "raise (tail call)"});
    ASSERT_NE(raise, nullptr) << catcher << "\n" << profile.text;
    EXPECT_NEAR(Time(*raise), catcher == "pcall" ? 0.006 : 0.002, kExact);
  }
  // After the errors, errors' own time is its own: nothing unwound stayed
  // on the stack above it.
  const Value* advance = Child(*errors, "advance");
  ASSERT_NE(advance, nullptr) << profile.text;
  EXPECT_NEAR(Time(*advance), 0.001, kExact);
}

// Lua 5.4 names no tail-called function; the profiler finds a variable
// that holds it, or names it by its definition.
TEST_P(LuaModes, TailCalledFunctionsAreNamed) {
  const Profile profile = ManualClock("tailcalls");
  const Value* names = Child(profile.root, "names");
  ASSERT_NE(names, nullptr) << profile.text;
  EXPECT_NEAR(Time(*names), 0.005, kExact);
  auto find = [&](const std::string& caller,
                  const std::string& function) -> const Value* {
    return Hooks() ? Path(*names, {caller, function})
                   : Child(*names, function);
  };
  // A module's private helper: an upvalue of the module's function.
  const Value* helper = find("api", "helper (tail call)");
  ASSERT_NE(helper, nullptr) << profile.text;
  EXPECT_THAT(Field(*helper, "file_path"), HasSubstr("tailmodule.lua"));
  EXPECT_NEAR(Time(*helper), 0.002, kExact);
  // A global.
  const Value* global = find("via_global", "global_worker (tail call)");
  ASSERT_NE(global, nullptr) << profile.text;
  EXPECT_EQ(Line(*global), 96);
  // A closure made elsewhere, by the local that holds it.
  const Value* made = find("via_local", "made (tail call)");
  ASSERT_NE(made, nullptr) << profile.text;
  EXPECT_EQ(Line(*made), 98);
  // A literal called in place: its definition, as Lua's tracebacks put it.
  const Value* via_literal = Hooks() ? Child(*names, "via_literal") : names;
  ASSERT_NE(via_literal, nullptr) << profile.text;
  const Value* literal = ChildAtLine(*via_literal, 108);
  ASSERT_NE(literal, nullptr) << profile.text;
  EXPECT_THAT(Field(*literal, "function"),
              ::testing::MatchesRegex(
                  "function <.*tailcalls.lua:108> \\(tail call\\)"));
}

// The script in real time, loops that call nothing included. The
// exact split is asserted on the manual clock above; here the structure,
// the names and a coarse split.
TEST_P(LuaModes, TailCallSplitInRealTime) {
  const Profile profile = Profiled("tailsplit");
  if (Hooks()) {
    const Value* heavy = Path(profile.root, {"heavy", "worker (tail call)"});
    const Value* light = Path(profile.root, {"light", "worker (tail call)"});
    ASSERT_NE(heavy, nullptr) << profile.text;
    ASSERT_NE(light, nullptr) << profile.text;
    const double share = Time(*heavy) / (Time(*heavy) + Time(*light));
    EXPECT_GT(share, 0.65) << profile.text;
    EXPECT_LT(share, 0.85) << profile.text;
  } else {
    const Value* worker = Child(profile.root, "worker (tail call)");
    ASSERT_NE(worker, nullptr) << profile.text;
    EXPECT_GE(Time(*worker), 0.9 * Time(profile.root)) << profile.text;
  }
  std::vector<const Value*> unnamed;
  FindAll(profile.root, "<anonymous>", &unnamed);
  EXPECT_TRUE(unnamed.empty()) << profile.text;
}

// A loop that calls nothing for ~20 ms at a time: hooks mode used to sample
// only at calls and returns (the run: 41 samples in 0.65 s at 1 ms,
// one per call of the worker; here ~18 for 300 ms of CPU). Now both modes
// sample about once per interval the script runs. A sample needs the
// script's thread on a CPU and a tick of the timing thread: on a loaded
// machine (the script's 300 ms of CPU took 1.2 s of wall time with the
// load at 6 on 2 cores) ticks fall while the script waits, so density is
// measured against the intervals of CPU time the process used, or the
// ticks, whichever are fewer. Both modes reached ~0.9 of that there.
TEST_P(LuaModes, ALoopThatCallsNothingIsSampledEveryInterval) {
  const Profile profile = Profiled("busy");
  const pyi_session_stats& stats = profile.stats;
  ASSERT_GT(stats.timing_ticks, 0) << profile.text;
  const double cpu_intervals = static_cast<double>(stats.cpu_time_ns) /
                               static_cast<double>(stats.interval_ns);
  const double possible =
      std::min(cpu_intervals, static_cast<double>(stats.timing_ticks));
  EXPECT_GE(cpu_intervals, 250) << profile.text;
  EXPECT_GE(static_cast<double>(stats.sample_count), 0.5 * possible)
      << "ticks " << stats.timing_ticks << ", CPU intervals "
      << cpu_intervals << "\n" << profile.text;
  const Value* burn = Child(profile.root, "burn");
  ASSERT_NE(burn, nullptr) << profile.text;
  EXPECT_GE(Time(*burn), 0.9 * Time(profile.root));
}

TEST_P(LuaModes, CFunctionsAndLuaCallbacksFromC) {
  const Profile profile = Profiled("calls");
  const Value* make_strings = Child(profile.root, "make_strings");
  ASSERT_NE(make_strings, nullptr) << profile.text;
  EXPECT_GE(Time(*make_strings), 0.05);
  if (GetParam() == "hooks") {
    // A count hook cannot fire inside a C function that runs no Lua, so
    // only hooks mode sees string.rep itself; sample mode gives its time to
    // the caller.
    const Value* rep = Child(*make_strings, "rep");
    ASSERT_NE(rep, nullptr) << profile.text;
    EXPECT_EQ(Field(*rep, "file_path"), "[C]");
  }
  // table.sort calls the Lua comparator (nameless: called from C), which
  // spins: the time sits in the comparator under sort.
  const Value* sort = Path(profile.root, {"sort_slowly", "sort"});
  ASSERT_NE(sort, nullptr) << profile.text;
  EXPECT_EQ(Field(*sort, "file_path"), "[C]");
  const Value* comparator = Child(*sort, "<anonymous>");
  ASSERT_NE(comparator, nullptr) << profile.text;
  EXPECT_THAT(Field(*comparator, "file_path"), HasSubstr("calls.lua"));
  EXPECT_GE(Time(*comparator), 0.5 * Time(*sort));
}

TEST_P(LuaModes, CoroutinesAppearUnderTheirResumers) {
  const Profile profile = Profiled("coroutines");
  const Value* produce =
      Path(profile.root, {"consume", "resume", "<anonymous>", "produce_item"});
  ASSERT_NE(produce, nullptr) << profile.text;
  ASSERT_NE(Child(*produce, "spin"), nullptr) << profile.text;
  EXPECT_GE(Time(*produce), 0.08);
  // Nowhere else: not at the top, not under the consumer's own spin.
  std::vector<const Value*> all;
  FindAll(profile.root, "produce_item", &all);
  EXPECT_EQ(all.size(), 1u) << profile.text;
  // coroutine.wrap: the generator runs under the call of the wrapper (a C
  // function named from its call site, `gen`). Called from C, it has no
  // name from Lua; it is named by the variable that handed it to
  // coroutine.wrap, in the resuming thread's frames.
  const Value* generate = Path(profile.root, {"drain", "gen", "generate"});
  ASSERT_NE(generate, nullptr) << profile.text;
  EXPECT_NE(Child(*generate, "spin"), nullptr) << profile.text;
  EXPECT_GE(Time(*generate), 0.05);
}

TEST_P(LuaModes, ErrorsUnwindingThroughFramesKeepTheStackBalanced) {
  const Profile profile = Profiled("errors");  // checks unbalanced_exits
  const Value* thrower =
      Path(profile.root, {"guarded", "pcall", "<anonymous>", "level1",
                          "level2", "thrower"});
  ASSERT_NE(thrower, nullptr) << profile.text;
  // After the errors, `after` runs at the top level: had the unwound frames
  // stayed on the stack, it would sit under thrower.
  const Value* after = Child(profile.root, "after");
  ASSERT_NE(after, nullptr) << profile.text;
  EXPECT_GE(Time(*after), 0.08);
  std::vector<const Value*> all;
  FindAll(profile.root, "after", &all);
  EXPECT_EQ(all.size(), 1u) << profile.text;
}

TEST_P(LuaModes, AFailingScriptGetsItsReportItsErrorAndExitCodeOne) {
  const Result result = RunCommand(absl::StrCat(kPyiLua, " --mode ", GetParam(), " ",
                                         kScripts, "fails.lua"));
  EXPECT_EQ(result.exit_code, 1);
  // The text report on stdout, with the frames that failed.
  EXPECT_THAT(result.out, HasSubstr("deep_failure"));
  EXPECT_THAT(result.out, HasSubstr("run"));
  // The error and its traceback on stderr.
  EXPECT_THAT(result.err, HasSubstr("intentional failure"));
  EXPECT_THAT(result.err, HasSubstr("stack traceback"));
  EXPECT_THAT(result.err, HasSubstr("deep_failure"));
}

TEST_P(LuaModes, JsonReportToAFile) {
  const std::string json = TempPath(absl::StrCat("calls.", GetParam(), ".json"));
  const Result result =
      RunCommand(absl::StrCat(kPyiLua, " --mode ", GetParam(), " -r json -o ", json,
                       " ", kScripts, "calls.lua"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "");
  Value document;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(ReadFile(json), &document)
          .ok());
  std::vector<const Value*> leaves;
  FindAll(document.struct_value().fields().at("root_frame"), "leaf", &leaves);
  EXPECT_EQ(leaves.size(), 1u);
}

// The module, loaded by pyi-lua's preload (no profiling by pyi-lua itself).
TEST_P(LuaModes, ModuleInsidePyiLua) {
  const std::string out = TempPath(absl::StrCat("module-in-pyi.", GetParam()));
  const Result result =
      RunCommand(absl::StrCat(kPyiLua, " --mode off ", kScripts, "module.lua ", out,
                       " ", GetParam()));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("work"));
  const Profile profile = Load(out + ".pb");
  EXPECT_EQ(profile.stats.unbalanced_exits, 0u);
  // start() was called from the main chunk, which was entered first.
  const Value* work = Path(profile.root, {"work", "spin"});
  ASSERT_NE(work, nullptr) << profile.text;
  EXPECT_GE(Time(*work), 0.08);
  EXPECT_NE(ReadFile(out + ".json").find("\"root_frame\""), std::string::npos);
  EXPECT_NE(ReadFile(out + ".speedscope.json").find("speedscope"),
            std::string::npos);
}

// The module as a standalone C module in Debian's lua5.4 interpreter.
TEST_P(LuaModes, ModuleInLua54) {
  ASSERT_EQ(access("/usr/bin/lua5.4", X_OK), 0)
      << "lua5.4 is missing: run tools/setup.sh";
  const std::string out = TempPath(absl::StrCat("module-lua54.", GetParam()));
  // In a sanitizer build the module needs its runtime loaded first; the
  // interpreter keeps its own memory until exit, so leaks are not ours.
  const std::string preload = pyi_testing::SanitizerRuntimes();
  const std::string environment =
      preload.empty() ? ""
                      : absl::StrCat("LD_PRELOAD='", preload,
                                     "' ASAN_OPTIONS=detect_leaks=0 ");
  const Result result = RunCommand(absl::StrCat(
      environment, "LUA_CPATH='bindings/lua/?.so' /usr/bin/lua5.4 ", kScripts,
      "module.lua ", out, " ", GetParam()));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("work"));
  const Profile profile = Load(out + ".pb");
  EXPECT_EQ(profile.stats.unbalanced_exits, 0u);
  const Value* work = Path(profile.root, {"work", "spin"});
  ASSERT_NE(work, nullptr) << profile.text;
  EXPECT_GE(Time(*work), 0.08);
}

INSTANTIATE_TEST_SUITE_P(Modes, LuaModes,
                         ::testing::Values("hooks", "sample"),
                         [](const auto& info) { return info.param; });

TEST(PyiLua, UsageErrors) {
  Result result = RunCommand(kPyiLua);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("no script"));
  result = RunCommand(absl::StrCat(kPyiLua, " --mode bogus x.lua"));
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("bad mode"));
  result = RunCommand(absl::StrCat(kPyiLua, " --interval -1 x.lua"));
  EXPECT_EQ(result.exit_code, 2);
  result = RunCommand(absl::StrCat(kPyiLua, " ", kScripts, "no-such-script.lua"));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("no-such-script.lua"));
}

TEST(PyiLua, OffModeRunsTheScriptWithoutAReport) {
  const Result result =
      RunCommand(absl::StrCat(kPyiLua, " --mode off ", kScripts, "calls.lua"));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "");
}

}  // namespace

namespace {

// examples/lua/game.lua runs under pyi-lua, and the profile points at the
// broad phase of its physics.
TEST(Examples, GameRunsUnderPyiLua) {
  const std::string pb = TempPath("game.pb");
  const Result result =
      RunCommand(absl::StrCat(kPyiLua, " --mode sample -o ", pb,
                       " examples/lua/game.lua 20"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("game: 20 frames"));
  const Profile profile = Load(pb);
  EXPECT_NE(Path(profile.root, {"physics"}), nullptr) << profile.text;
  EXPECT_EQ(profile.stats.unbalanced_exits, 0u);
}

}  // namespace
