#include "bindings/lua/lua_profiler.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "pyinstrument/pyinstrument.h"

namespace pyi {
namespace lua {
namespace {

// ---- Frame identities -----------------------------------------------------

// Lua names a function by how its caller refers to it ("n"), so one function
// may be registered under several names. Lookups are keyed by pointers Lua
// already hands out (the interned source and name strings, the C function),
// which costs no hashing of text on the hot path; since a collected string's
// address can be reused, each hit is checked against the copied text.
//
// A tail-called function ("t": istailcall) is a frame of its own identity,
// its name with kTailSuffix, so that every view can tell it from a call.
struct FrameKey {
  const void* source;
  const void* name;
  const void* cfunction;
  int64_t line_and_tail;  // linedefined * 2, plus 1 when tail-called

  bool operator==(const FrameKey& other) const {
    return source == other.source && name == other.name &&
           cfunction == other.cfunction &&
           line_and_tail == other.line_and_tail;
  }
  template <typename H>
  friend H AbslHashValue(H h, const FrameKey& key) {
    return H::combine(std::move(h), key.source, key.name, key.cfunction,
                      key.line_and_tail);
  }
};

constexpr char kTailSuffix[] = " (tail call)";

struct CachedFrame {
  pyi_frame_id id = 0;
  std::string name;       // the name at the call site; "" when it had none
  std::string short_src;  // lua_Debug::short_src
};

struct KnownCFunction {
  std::string name;
  uint32_t flags = 0;
};

class FrameCache {
 public:
  // `ar` describes stack level `level` of S and is filled with "Sn", and
  // its istailcall set ("t", or from the hook event);
  // `running` is the thread that is executing (its stack has room for one
  // value, which "f" needs). S is `running` or a thread that resumed it.
  pyi_frame_id Lookup(lua_State* S, int level, lua_State* running,
                      lua_Debug* ar);

  // The function a frame Lookup returned is a frame of: one number per Lua
  // function, whatever name or tail mark its frames carry (0 for C
  // functions). Hooks mode compares them along tail chains, a rare path,
  // which is why they are not kept beside the ids on the shadow stack.
  uint32_t FunctionOf(pyi_frame_id id) const {
    auto it = function_of_.find(id);
    return it == function_of_.end() ? 0 : it->second;
  }

  void Clear() {
    frames_.clear();
    fallback_names_.clear();
    functions_.clear();
    function_of_.clear();
  }

  absl::flat_hash_map<lua_CFunction, KnownCFunction> known_c;

 private:
  pyi_frame_id Register(lua_State* S, int level, lua_Debug* ar,
                        lua_CFunction cfunction, CachedFrame* out);

  absl::flat_hash_map<FrameKey, CachedFrame> frames_;
  // Keyed by a Lua function's place and shape (see Register). The last
  // name Lua gave it at a call: the name of its calls without one (tail
  // calls, calls from C).
  absl::flat_hash_map<std::string, std::string> fallback_names_;
  // Its number (FunctionOf).
  absl::flat_hash_map<std::string, uint32_t> functions_;
  absl::flat_hash_map<pyi_frame_id, uint32_t> function_of_;
};

pyi_frame_id FrameCache::Lookup(lua_State* S, int level, lua_State* running,
                                lua_Debug* ar) {
  const bool is_c = ar->what[0] == 'C';
  lua_CFunction cfunction = nullptr;
  if (is_c && ar->name == nullptr) {
    // Nameless C functions are told apart by their address.
    lua_getinfo(running, "f", ar);
    cfunction = lua_tocfunction(running, -1);
    lua_pop(running, 1);
  }
  const FrameKey key{ar->source, ar->name,
                     reinterpret_cast<const void*>(cfunction),
                     int64_t{ar->linedefined} * 2 + (ar->istailcall ? 1 : 0)};
  auto it = frames_.find(key);
  if (it != frames_.end()) {
    const CachedFrame& cached = it->second;
    const bool name_ok = ar->name == nullptr ? cached.name.empty()
                                             : cached.name == ar->name;
    if (name_ok && (is_c || cached.short_src == ar->short_src)) {
      return cached.id;
    }
  }
  CachedFrame fresh;
  const pyi_frame_id id = Register(S, level, ar, cfunction, &fresh);
  if (id != 0) frames_[key] = std::move(fresh);
  return id;
}

// ---- Names for functions Lua does not name ---------------------------------

// A variable found to hold a function: `name`, after `prefix` and a dot when
// the variable is a field of a loaded module. Both point into strings Lua
// keeps alive while the variable's function or table lives.
struct VariableName {
  const char* prefix = nullptr;
  const char* name = nullptr;
};

// Names of Lua's own temporaries ("(temporary)", "(for state)", ...) and C
// functions' upvalues ("") name no variable.
bool IsVariableName(const char* name) {
  return name != nullptr && name[0] != '\0' && name[0] != '(';
}

// Looks through the upvalues of the function at `index` of S for a value
// raw-equal to the one at `target`.
bool FindInUpvalues(lua_State* S, int index, int target, VariableName* out) {
  for (int n = 1;; ++n) {
    const char* name = lua_getupvalue(S, index, n);
    if (name == nullptr) return false;
    const bool found = IsVariableName(name) && lua_rawequal(S, -1, target);
    lua_pop(S, 1);
    if (found) {
      out->name = name;
      return true;
    }
  }
}

// Looks through the string keys of the table at `table` for a value
// raw-equal to the one at `target`; with `upvalues`, through the upvalues of
// the table's functions instead.
bool FindInTable(lua_State* S, int table, int target, bool upvalues,
                 VariableName* out) {
  lua_pushnil(S);
  while (lua_next(S, table) != 0) {
    bool found = false;
    if (upvalues) {
      found = lua_type(S, -1) == LUA_TFUNCTION &&
              FindInUpvalues(S, lua_gettop(S), target, out);
    } else if (lua_type(S, -2) == LUA_TSTRING && lua_rawequal(S, -1, target)) {
      found = true;
      out->name = lua_tostring(S, -2);  // a string key: no conversion
    }
    lua_pop(S, 1);
    if (found) {
      lua_pop(S, 1);
      return true;
    }
  }
  return false;
}

// FindInTable over each module in the package.loaded table at `loaded`
// except the globals (at `globals`); a field is named "module.field".
bool FindInModules(lua_State* S, int loaded, int globals, int target,
                   bool upvalues, VariableName* out) {
  lua_pushnil(S);
  while (lua_next(S, loaded) != 0) {
    bool found = false;
    if (lua_type(S, -2) == LUA_TSTRING && lua_type(S, -1) == LUA_TTABLE &&
        !lua_rawequal(S, -1, globals)) {
      found = FindInTable(S, lua_gettop(S), target, upvalues, out);
      if (found && !upvalues) out->prefix = lua_tostring(S, -2);
    }
    lua_pop(S, 1);
    if (found) {
      lua_pop(S, 1);
      return true;
    }
  }
  return false;
}

// The deepest levels above a function whose variables the search reads.
constexpr int kMaxSearchLevels = 64;

// Looks through the locals and upvalues of the functions active in T from
// stack level `first` outwards (at most kMaxSearchLevels) for a value
// raw-equal to the one at `target` of T's stack.
bool FindInStack(lua_State* T, int first, int target, VariableName* out) {
  for (int up = first; up < first + kMaxSearchLevels; ++up) {
    lua_Debug outer;
    if (lua_getstack(T, up, &outer) == 0) return false;
    for (int n = 1;; ++n) {
      const char* name = lua_getlocal(T, &outer, n);
      if (name == nullptr) break;
      const bool found = IsVariableName(name) && lua_rawequal(T, -1, target);
      lua_pop(T, 1);
      if (found) {
        out->name = name;
        return true;
      }
    }
    lua_getinfo(T, "f", &outer);
    const bool found = FindInUpvalues(T, lua_gettop(T), target, out);
    lua_pop(T, 1);
    if (found) return true;
  }
  return false;
}

lua_State* ResumerOf(lua_State* co);

// Finds a variable that holds the function running at stack level `level`
// of S, the way a reader of the code would name it: its own upvalue (a
// recursive local function), a local or upvalue of the functions active
// below it (in S, then in the states that resumed S: a function handed to
// coroutine.wrap is named where it was handed over), a global, a field of a
// loaded module ("string.rep"), or an upvalue of a global or module
// function (a module's private helper). Runs once per registered frame.
// Raises no Lua error (only the raw, non-allocating parts of the C API are
// used) and leaves the stacks as they were.
bool FindVariableName(lua_State* S, int level, VariableName* out) {
  if (!lua_checkstack(S, 8)) return false;
  const int base = lua_gettop(S);
  lua_Debug ar;
  if (lua_getstack(S, level, &ar) == 0) return false;
  lua_getinfo(S, "f", &ar);
  const int target = lua_gettop(S);
  bool found = FindInUpvalues(S, target, target, out) ||
               FindInStack(S, level + 1, target, out);
  // Into the resumers: a copy of the function goes to each one's stack, so
  // that it compares there.
  for (lua_State* resumer = ResumerOf(S);
       !found && resumer != nullptr && resumer != S &&
       lua_checkstack(resumer, 8);
       resumer = ResumerOf(resumer)) {
    lua_pushvalue(S, target);
    lua_xmove(S, resumer, 1);
    found = FindInStack(resumer, 0, lua_gettop(resumer), out);
    lua_pop(resumer, 1);
  }
  if (!found) {
    lua_rawgeti(S, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    const int globals = lua_gettop(S);
    // package.loaded, found without interning "_LOADED" (which could raise
    // a memory error) by walking the registry's string keys.
    int loaded = 0;
    lua_pushnil(S);
    while (lua_next(S, LUA_REGISTRYINDEX) != 0) {
      if (lua_type(S, -2) == LUA_TSTRING && lua_type(S, -1) == LUA_TTABLE &&
          strcmp(lua_tostring(S, -2), LUA_LOADED_TABLE) == 0) {
        lua_remove(S, -2);
        loaded = lua_gettop(S);
        break;
      }
      lua_pop(S, 1);
    }
    found = FindInTable(S, globals, target, /*upvalues=*/false, out) ||
            (loaded != 0 && FindInModules(S, loaded, globals, target,
                                          /*upvalues=*/false, out)) ||
            FindInTable(S, globals, target, /*upvalues=*/true, out) ||
            (loaded != 0 && FindInModules(S, loaded, globals, target,
                                          /*upvalues=*/true, out));
  }
  lua_settop(S, base);
  return found;
}

// Out of line: it runs once per frame identity, and inlined it made every
// lookup's prologue heavier.
ABSL_ATTRIBUTE_NOINLINE pyi_frame_id FrameCache::Register(
    lua_State* S, int level, lua_Debug* ar, lua_CFunction cfunction,
    CachedFrame* out) {
  const bool is_c = ar->what[0] == 'C';
  const bool tail = ar->istailcall != 0;
  std::string name;
  uint32_t flags = 0;
  if (ar->name != nullptr) {
    name = ar->name;
  } else if (is_c) {
    auto known = known_c.find(cfunction);
    if (known != known_c.end()) {
      name = known->second.name;
      flags = known->second.flags;
    } else {
      char text[48];
      snprintf(text, sizeof(text), "<C function %p>",
               reinterpret_cast<void*>(cfunction));
      name = text;
    }
  } else if (strcmp(ar->what, "main") == 0) {
    name = "<main chunk>";
  }
  std::string file;
  uint32_t line = 0;
  uint32_t function = 0;
  if (is_c) {
    file = "[C]";
  } else {
    // "@path" chunks keep their whole path (short_src may elide it);
    // strings and "=name" chunks are shown as Lua shows them.
    file = ar->source != nullptr && ar->source[0] == '@' ? ar->source + 1
                                                         : ar->short_src;
    line = ar->linedefined > 0 ? static_cast<uint32_t>(ar->linedefined) : 0;
    // The function's place and shape, which tells apart all functions but
    // those of one signature defined on one line (Lua exposes no identity
    // of a function's prototype).
    lua_getinfo(S, "u", ar);
    const std::string shape = absl::StrCat(
        file, ":", line, "-", ar->lastlinedefined, "/", ar->nparams,
        ar->isvararg ? "+" : "", "/", ar->nups);
    function = functions_.try_emplace(shape, functions_.size() + 1)
                   .first->second;
    if (ar->name != nullptr) {
      fallback_names_[shape] = name;
    } else if (name.empty()) {
      // Called from C or by a tail call: Lua has no name for it. The name
      // Lua gave it at an earlier call, else a variable that holds it.
      auto fallback = fallback_names_.find(shape);
      VariableName variable;
      if (fallback != fallback_names_.end()) {
        name = fallback->second;
      } else if (FindVariableName(S, level, &variable)) {
        name = variable.prefix != nullptr
                   ? absl::StrCat(variable.prefix, ".", variable.name)
                   : variable.name;
      } else if (tail) {
        // A tail call's callee had a name at its call site, which Lua does
        // not keep: "<anonymous>" would say it has none. Lua's traceback
        // names such functions this way.
        name = absl::StrCat("function <", ar->short_src, ":", line, ">");
      } else {
        name = "<anonymous>";
      }
    }
  }
  if (tail) name += kTailSuffix;
  pyi_frame_id id = 0;
  if (pyi_frame_register_flags(name.c_str(), file.c_str(), line, nullptr,
                               flags, &id) != PYI_OK) {
    return 0;
  }
  function_of_[id] = function;
  out->id = id;
  out->name = ar->name != nullptr ? ar->name : "";
  out->short_src = ar->short_src;
  return id;
}

// ---- The resume chain ------------------------------------------------------

// Which coroutine resumed which, kept by the resume/wrap wrappers. Sampling
// walks it outwards from the running coroutine; the timer signal arms every
// state in it. The signal handler runs on the same thread and reads these,
// hence atomics (lock-free, so async-signal-safe).
constexpr int kMaxChain = 64;

struct ChainLink {
  std::atomic<lua_State*> resumer{nullptr};
  std::atomic<lua_State*> co{nullptr};
};

ChainLink g_chain[kMaxChain];
std::atomic<int> g_chain_depth{0};
std::atomic<lua_State*> g_main{nullptr};
std::atomic<bool> g_arming{false};

// Records that L resumes co; returns the depth to restore afterwards, or -1
// when the chain is full (nothing recorded). A wrapper unwound by an error
// never restores its depth, so links above L's own are stale by now: they
// are dropped here, and a running state that is not in the chain (the main
// thread, or a coroutine resumed through an unwrapped resume) starts over.
int PushChain(lua_State* L, lua_State* co) {
  int depth = g_chain_depth.load(std::memory_order_relaxed);
  int keep = 0;
  for (int i = depth - 1; i >= 0; --i) {
    if (g_chain[i].co.load(std::memory_order_relaxed) == L) {
      keep = i + 1;
      break;
    }
  }
  if (keep >= kMaxChain) return -1;
  g_chain_depth.store(keep, std::memory_order_relaxed);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  g_chain[keep].resumer.store(L, std::memory_order_relaxed);
  g_chain[keep].co.store(co, std::memory_order_relaxed);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  g_chain_depth.store(keep + 1, std::memory_order_relaxed);
  return keep;
}

// The state that resumed `co` through the wrappers, if it is running.
lua_State* ResumerOf(lua_State* co) {
  const int depth = g_chain_depth.load(std::memory_order_relaxed);
  for (int i = depth - 1; i >= 0; --i) {
    if (g_chain[i].co.load(std::memory_order_relaxed) == co) {
      return g_chain[i].resumer.load(std::memory_order_relaxed);
    }
  }
  return nullptr;
}

void PopChain(int token) {
  if (token >= 0) g_chain_depth.store(token, std::memory_order_relaxed);
}

// Links left behind by an error stay in the chain, and the timer signal
// arms every coroutine in it, until the next resume repairs it; by then a
// coroutine may have been collected. So each linked coroutine is also kept
// in a registry table under its link's index, until another takes that
// place: a stale link then names a dead coroutine, never freed memory. The
// table is made with room for every link, so storing into it allocates
// nothing (and cannot raise).
const char kChainAnchors = 0;  // the registry key is its address

void CreateChainAnchors(lua_State* L) {
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &kChainAnchors) == LUA_TTABLE) {
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  lua_createtable(L, kMaxChain, 0);
  for (int i = 1; i <= kMaxChain; ++i) {
    lua_pushboolean(L, 0);
    lua_rawseti(L, -2, i);
  }
  lua_rawsetp(L, LUA_REGISTRYINDEX, &kChainAnchors);
}

// Keeps the coroutine at `co_index` of L alive as link `token` (from
// PushChain). Leaves L's stack as it was.
void AnchorChainLink(lua_State* L, int co_index, int token) {
  if (token < 0) return;
  co_index = lua_absindex(L, co_index);
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &kChainAnchors) == LUA_TTABLE) {
    lua_pushvalue(L, co_index);
    lua_rawseti(L, -2, token + 1);
  }
  lua_pop(L, 1);
}

// ---- The profiler -----------------------------------------------------------

constexpr int kHookMask = LUA_MASKCALL | LUA_MASKRET;
// The period of the permanent count hook when no timer can be had.
constexpr int kFallbackCountPeriod = 1000;
// The most frames one activation record carries in hooks mode: the call
// and the tail calls that replaced it. Past it, the newest tail-called
// frame replaces the last one.
constexpr size_t kMaxTailChain = 32;

struct Entry {
  // A constructor for emplace_back, so that the call event's push is an
  // instantiation of its own, which GCC inlines (with the three pushes
  // sharing push_back it stopped doing so: ~1.4% more instructions per
  // event).
  Entry(pyi_frame_id id, const void* ci) : id(id), ci(ci) {}

  pyi_frame_id id;
  const void* ci;  // lua_Debug::i_ci: the activation record of the frame
};

// The frames a hooks-mode profiler entered for one Lua thread (the main
// thread or a coroutine), outermost first. A tail call reuses its caller's
// activation record, so consecutive entries may share a `ci`: the call and
// the tail calls that replaced it, all of which end at its return.
struct StateRecord {
  lua_State* L = nullptr;
  std::vector<Entry> entries;
};

void HooksHook(lua_State* L, lua_Debug* ar);
void SampleHook(lua_State* L, lua_Debug* ar);

class Profiler {
 public:
  Mode mode = Mode::kOff;
  lua_State* main = nullptr;
  lua_State* attached = nullptr;
  FrameCache cache;
  bool failed = false;
  // false: no timer (SIGPROF is the host's). Sample mode then keeps a
  // permanent count hook; hooks mode samples at calls and returns only.
  bool timer_armed = false;
  timer_t timer{};
  struct sigaction old_action {};

  // hooks mode
  absl::flat_hash_map<lua_State*, std::unique_ptr<StateRecord>> states;
  std::vector<StateRecord*> active;  // the states running, resumer first
  // Entered and exited at once to make the library sample the shadow stack
  // between events (hidden: it is never on the stack when a sample is due).
  pyi_frame_id sample_marker = 0;

  // sample mode
  std::vector<pyi_frame_id> sample;

  void OnEvent(lua_State* L, lua_Debug* ar);
  void SampleShadowStack(lua_State* L);
  void TakeSample(lua_State* L);
  void Seed(lua_State* L, int first_level, StateRecord* record, bool enter);
  void ExitAll();

 private:
  StateRecord* Record(lua_State* L);
  void SwitchTo(lua_State* L);
  void Trim(StateRecord* record, lua_State* L, bool exit);
  void TailCall(StateRecord* record, lua_State* L, lua_Debug* ar);
  void WalkInto(lua_State* S, lua_State* running);
};

Profiler* g_profiler = nullptr;

// NameCFunction's names, copied into each profiler's cache at Attach.
absl::flat_hash_map<lua_CFunction, KnownCFunction>& NamedCFunctions() {
  static auto* names =
      new absl::flat_hash_map<lua_CFunction, KnownCFunction>();
  return *names;
}

// The activation record of the caller of stack level 0, or null when level 0
// is the outermost frame of L.
const void* CallerCi(lua_State* L) {
  lua_Debug caller;
  if (lua_getstack(L, 1, &caller) == 0) return nullptr;
  return caller.i_ci;
}

StateRecord* Profiler::Record(lua_State* L) {
  auto it = states.find(L);
  if (it != states.end()) return it->second.get();
  if (states.size() > 4096) {
    // Records of suspended coroutines are only a cache (a resumed state is
    // seeded from its real stack when it has none), so dropping the ones
    // not running bounds memory when coroutines die suspended or by error.
    for (auto entry = states.begin(); entry != states.end();) {
      auto current = entry++;
      if (std::find(active.begin(), active.end(), current->second.get()) ==
          active.end()) {
        states.erase(current);
      }
    }
  }
  auto record = std::make_unique<StateRecord>();
  record->L = L;
  StateRecord* raw = record.get();
  states.emplace(L, std::move(record));
  return raw;
}

// Pushes the frames of L from `first_level` outwards (outermost first). A
// frame that was tail-called is marked so; the frames it replaced are gone.
void Profiler::Seed(lua_State* L, int first_level, StateRecord* record,
                    bool enter) {
  lua_Debug ar;
  int levels = first_level;
  while (lua_getstack(L, levels, &ar) != 0) ++levels;
  for (int level = levels - 1; level >= first_level; --level) {
    if (lua_getstack(L, level, &ar) == 0) continue;
    lua_getinfo(L, "Snt", &ar);
    const pyi_frame_id id = cache.Lookup(L, level, L, &ar);
    if (id == 0) continue;
    record->entries.push_back({id, ar.i_ci});
    if (enter) pyi_frame_enter(id);
  }
}

// Lua 5.4 calls no return hook for frames an error unwinds, so the record
// may hold frames that are gone. Every frame's caller is in the record
// (seeded or entered by its call event), so the frames above the caller of
// stack level 0 are exactly the stale ones (and, on a return event, the
// returning frame with the tail calls that replaced it).
void Profiler::Trim(StateRecord* record, lua_State* L, bool exit) {
  const void* caller = CallerCi(L);
  std::vector<Entry>& entries = record->entries;
  while (!entries.empty() && entries.back().ci != caller) {
    if (exit) pyi_frame_exit(entries.back().id);
    entries.pop_back();
  }
}

// Another Lua thread runs than at the previous event: either states above it
// in the chain yielded, returned or died, or it is a coroutine being resumed
// by the current one. Only the running chain's frames are on the shadow
// stack; a suspended coroutine's frames wait in its record.
void Profiler::SwitchTo(lua_State* L) {
  int found = -1;
  for (int i = static_cast<int>(active.size()) - 1; i >= 0; --i) {
    if (active[i]->L == L) {
      found = i;
      break;
    }
  }
  // The main thread resumes no one's frames: it is the bottom of any chain
  // (it is only missing from it when profiling began inside a coroutine).
  const int keep = found >= 0 ? found + 1 : (L == main ? 0 : -1);
  if (keep >= 0) {
    while (static_cast<int>(active.size()) > keep) {
      StateRecord* top = active.back();
      for (auto it = top->entries.rbegin(); it != top->entries.rend(); ++it) {
        pyi_frame_exit(it->id);
      }
      active.pop_back();
      // A coroutine that finished has no frames left; forget it (its
      // lua_State may be freed soon and its address reused).
      if (top->entries.empty()) states.erase(top->L);
    }
    if (found >= 0) return;
  }
  const bool known = states.contains(L);
  StateRecord* record = Record(L);
  if (!known) {
    Seed(L, 1, record, /*enter=*/false);
  } else {
    Trim(record, L, /*exit=*/false);
  }
  for (const Entry& entry : record->entries) pyi_frame_enter(entry.id);
  active.push_back(record);
}

// A tail call replaces the running function in its activation record; Lua
// keeps no trace of the replaced one. Its entry stays, so the callee shows
// under the function that tail-called it, and the callee's entry shares its
// `ci`: the one return to come pops them all. A callee already in the chain
// (a function tail-calling itself, or a cycle of them, which would
// otherwise grow the stack without bound) takes the chain back to where it
// was: the frames after it exit, and it runs on in its first frame.
ABSL_ATTRIBUTE_NOINLINE void Profiler::TailCall(StateRecord* record,
                                                lua_State* L, lua_Debug* ar) {
  std::vector<Entry>& entries = record->entries;
  if (!entries.empty() && entries.back().ci != ar->i_ci) {
    // Not the replaced frame on top: frames an error unwound, or (a state
    // seeded at this event) no record of it. Keep what is below.
    Trim(record, L, /*exit=*/true);
  }
  lua_getinfo(L, "Sn", ar);
  ar->istailcall = 1;  // the event says so; "t" would cost a little more
  const pyi_frame_id id = cache.Lookup(L, 0, L, ar);
  if (id == 0) return;  // could not register: the frame is left out
  const uint32_t function = cache.FunctionOf(id);
  size_t chain = entries.size();
  while (chain > 0 && entries[chain - 1].ci == ar->i_ci) --chain;
  for (size_t i = entries.size(); i-- > chain;) {
    if (cache.FunctionOf(entries[i].id) != function) continue;
    while (entries.size() > i + 1) {
      pyi_frame_exit(entries.back().id);
      entries.pop_back();
    }
    return;
  }
  if (entries.size() - chain >= kMaxTailChain) {
    pyi_frame_exit(entries.back().id);
    entries.pop_back();
  }
  entries.push_back({id, ar->i_ci});
  pyi_frame_enter(id);
}

void Profiler::OnEvent(lua_State* L, lua_Debug* ar) {
  if (active.empty() || active.back()->L != L) SwitchTo(L);
  StateRecord* record = active.back();
  std::vector<Entry>& entries = record->entries;
  switch (ar->event) {
    case LUA_HOOKRET:
      if (!entries.empty() && entries.back().ci == ar->i_ci) {
        do {
          pyi_frame_exit(entries.back().id);
          entries.pop_back();
        } while (!entries.empty() && entries.back().ci == ar->i_ci);
      } else {
        Trim(record, L, /*exit=*/true);
      }
      return;
    case LUA_HOOKTAILCALL:
      TailCall(record, L, ar);
      return;
    case LUA_HOOKCALL:
      break;
    default:
      return;
  }
  if (!entries.empty() && entries.back().ci != CallerCi(L)) {
    Trim(record, L, /*exit=*/true);
  }
  lua_getinfo(L, "Sn", ar);
  ar->istailcall = 0;  // LUA_HOOKCALL
  const pyi_frame_id id = cache.Lookup(L, 0, L, ar);
  if (id == 0) return;  // could not register: the frame is left out
  entries.emplace_back(id, ar->i_ci);
  pyi_frame_enter(id);
}

// Hooks mode, between events (the count hook the timer armed, or
// SampleNow): brings the shadow stack up to date and has the library
// record it. The library samples on enter and exit when one is due, and
// always the stack as it is before the event, so entering and leaving a
// marker frame records exactly the running stack.
void Profiler::SampleShadowStack(lua_State* L) {
  if (active.empty() || active.back()->L != L) SwitchTo(L);
  // Frames an error unwound since the last event are above the running
  // function (level 0); it is in the record unless the record is out of
  // step, and then nothing is dropped.
  lua_Debug running;
  std::vector<Entry>& entries = active.back()->entries;
  if (lua_getstack(L, 0, &running) != 0) {
    for (size_t i = entries.size(); i-- > 0;) {
      if (entries[i].ci != running.i_ci) continue;
      while (entries.size() > i + 1) {
        pyi_frame_exit(entries.back().id);
        entries.pop_back();
      }
      break;
    }
  }
  pyi_frame_enter(sample_marker);
  pyi_frame_exit(sample_marker);
}

void Profiler::ExitAll() {
  while (!active.empty()) {
    StateRecord* top = active.back();
    for (auto it = top->entries.rbegin(); it != top->entries.rend(); ++it) {
      pyi_frame_exit(it->id);
    }
    top->entries.clear();
    active.pop_back();
  }
  states.clear();
}

// Appends the frames of S, innermost first. A tail-called frame is marked
// so ("t"); the frames it replaced are gone from the stack, so it shows
// under the caller of the first of them.
void Profiler::WalkInto(lua_State* S, lua_State* running) {
  lua_Debug ar;
  for (int level = 0; lua_getstack(S, level, &ar) != 0; ++level) {
    lua_getinfo(S, "Snt", &ar);
    const pyi_frame_id id = cache.Lookup(S, level, running, &ar);
    if (id != 0) sample.push_back(id);
  }
}

void Profiler::TakeSample(lua_State* L) {
  sample.clear();
  WalkInto(L, L);
  // Continue into the resumers while the chain agrees with what runs.
  lua_State* current = L;
  for (int i = g_chain_depth.load(std::memory_order_relaxed) - 1; i >= 0;
       --i) {
    if (g_chain[i].co.load(std::memory_order_relaxed) != current) break;
    current = g_chain[i].resumer.load(std::memory_order_relaxed);
    WalkInto(current, L);
  }
  std::reverse(sample.begin(), sample.end());
  pyi_thread_sample(sample.data(), sample.size());
}

// A failure inside a hook (out of memory) must not reach Lua, which cannot
// unwind C++ frames: profiling stops quietly and the program goes on.
void Fail(lua_State* L) {
  if (g_profiler != nullptr) g_profiler->failed = true;
  lua_sethook(L, nullptr, 0, 0);
}

void HooksHook(lua_State* L, lua_Debug* ar) {
  Profiler* profiler = g_profiler;
  if (profiler == nullptr || profiler->mode != Mode::kHooks ||
      profiler->failed) {
    lua_sethook(L, nullptr, 0, 0);  // a state hooked by an earlier session
    return;
  }
  if (ar->event == LUA_HOOKCOUNT) {
    // Disarm first: until the next timer signal only calls and returns
    // are hooked.
    lua_sethook(L, HooksHook, kHookMask, 0);
    if (!pyi_sample_due()) return;
  }
  try {
    if (ar->event == LUA_HOOKCOUNT) {
      profiler->SampleShadowStack(L);
    } else {
      profiler->OnEvent(L, ar);
    }
  } catch (...) {
    Fail(L);
  }
}

void SampleHook(lua_State* L, lua_Debug* ar) {
  Profiler* profiler = g_profiler;
  if (profiler == nullptr || profiler->mode != Mode::kSample ||
      profiler->failed) {
    lua_sethook(L, nullptr, 0, 0);
    return;
  }
  // Disarm first: until the next timer signal the VM runs at full speed.
  if (profiler->timer_armed) lua_sethook(L, nullptr, 0, 0);
  if (!pyi_sample_due()) return;
  try {
    profiler->TakeSample(L);
  } catch (...) {
    Fail(L);
  }
}

// What the timer signal sets on every state that may be running: a count
// hook that fires at the next VM instruction (plus, in hooks mode, the call
// and return hooks). Set before the timer starts.
std::atomic<lua_Hook> g_arm_hook{nullptr};
std::atomic<int> g_arm_mask{0};

// The timer signal: arms the count hook on every state that may be running.
// lua_sethook is async-signal-safe by Lua's design (lua.c stops a script
// from its SIGINT handler the same way).
void ArmSignal(int, siginfo_t*, void*) {
  if (!g_arming.load(std::memory_order_relaxed)) return;
  const int saved_errno = errno;
  const lua_Hook hook = g_arm_hook.load(std::memory_order_relaxed);
  const int mask = g_arm_mask.load(std::memory_order_relaxed);
  lua_State* main = g_main.load(std::memory_order_relaxed);
  if (main != nullptr) lua_sethook(main, hook, mask, 1);
  const int depth = g_chain_depth.load(std::memory_order_relaxed);
  for (int i = 0; i < depth && i < kMaxChain; ++i) {
    lua_State* co = g_chain[i].co.load(std::memory_order_relaxed);
    if (co != nullptr) lua_sethook(co, hook, mask, 1);
  }
  errno = saved_errno;
}

// Sets up a timer that sends SIGPROF to this thread twice per interval.
// Refuses (sample mode falls back to a permanent count hook, hooks mode to
// samples at calls and returns only) when the host handles SIGPROF itself.
bool StartTimer(Profiler* profiler, int64_t interval_ns) {
  struct sigaction current {};
  if (sigaction(SIGPROF, nullptr, &current) != 0) return false;
  const bool has_handler = (current.sa_flags & SA_SIGINFO)
                               ? current.sa_sigaction != nullptr
                               : (current.sa_handler != SIG_DFL &&
                                  current.sa_handler != SIG_IGN);
  if (has_handler) return false;
  struct sigaction action {};
  action.sa_sigaction = ArmSignal;
  action.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGPROF, &action, &profiler->old_action) != 0) return false;
  struct sigevent event {};
  event.sigev_notify = SIGEV_THREAD_ID;
  event.sigev_signo = SIGPROF;
  event._sigev_un._tid = static_cast<pid_t>(syscall(SYS_gettid));
  if (timer_create(CLOCK_MONOTONIC, &event, &profiler->timer) != 0) {
    sigaction(SIGPROF, &profiler->old_action, nullptr);
    return false;
  }
  const int64_t period = std::max<int64_t>(interval_ns / 2, 50'000);
  struct itimerspec spec {};
  spec.it_interval.tv_sec = period / 1'000'000'000;
  spec.it_interval.tv_nsec = period % 1'000'000'000;
  spec.it_value = spec.it_interval;
  g_arming.store(true, std::memory_order_relaxed);
  if (timer_settime(profiler->timer, 0, &spec, nullptr) != 0) {
    g_arming.store(false, std::memory_order_relaxed);
    timer_delete(profiler->timer);
    sigaction(SIGPROF, &profiler->old_action, nullptr);
    return false;
  }
  return true;
}

void StopTimer(Profiler* profiler) {
  g_arming.store(false, std::memory_order_relaxed);
  // A signal generated for this thread is delivered before timer_delete
  // returns to it, so none is left pending when the old handler returns.
  timer_delete(profiler->timer);
  sigaction(SIGPROF, &profiler->old_action, nullptr);
}

// Sets the profiler's hook on a coroutine about to be resumed (coroutines
// created while a hook is set inherit it; older ones do not).
void EnsureHook(lua_State* co) {
  Profiler* profiler = g_profiler;
  if (profiler == nullptr || profiler->failed) return;
  if (profiler->mode == Mode::kHooks) {
    if (lua_gethook(co) != HooksHook) lua_sethook(co, HooksHook, kHookMask, 0);
  } else if (profiler->mode == Mode::kSample && !profiler->timer_armed) {
    if (lua_gethook(co) != SampleHook) {
      lua_sethook(co, SampleHook, LUA_MASKCOUNT, kFallbackCountPeriod);
    }
  }
}

// ---- coroutine.resume / coroutine.wrap --------------------------------------

// The library's own C functions are called directly from the wrappers, in
// the wrapper's stack frame: no extra Lua call (no extra frame in reports,
// same error messages, which name the function from the call site). They
// may raise errors (bad arguments; errors a wrap propagates), which unwind
// the wrapper without running the rest of it: nothing here needs cleanup
// (PushChain repairs the chain instead), and no C++ object lives across the
// calls.

int ResumeWrapper(lua_State* L) {
  const lua_CFunction original = lua_tocfunction(L, lua_upvalueindex(1));
  lua_State* co = lua_tothread(L, 1);
  int token = -1;
  if (co != nullptr && g_profiler != nullptr) {
    EnsureHook(co);
    token = PushChain(L, co);
    AnchorChainLink(L, 1, token);
  }
  const int results = original(L);
  PopChain(token);
  return results;
}

// A wrapped function: upvalue 1 is the coroutine (where the library's
// auxiliary wrap function expects it), upvalue 2 that function.
int WrappedCall(lua_State* L) {
  const lua_CFunction original = lua_tocfunction(L, lua_upvalueindex(2));
  lua_State* co = lua_tothread(L, lua_upvalueindex(1));
  int token = -1;
  if (co != nullptr && g_profiler != nullptr) {
    EnsureHook(co);
    token = PushChain(L, co);
    AnchorChainLink(L, lua_upvalueindex(1), token);
  }
  const int results = original(L);
  PopChain(token);
  return results;
}

int WrapWrapper(lua_State* L) {
  const lua_CFunction original = lua_tocfunction(L, lua_upvalueindex(1));
  const int results = original(L);  // checks the argument, may raise
  // The library returns a C closure whose first upvalue is the coroutine.
  if (results != 1 || lua_iscfunction(L, -1) == 0 ||
      lua_getupvalue(L, -1, 1) == nullptr) {
    return results;
  }
  if (lua_type(L, -1) != LUA_TTHREAD) {
    lua_pop(L, 1);
    return results;
  }
  lua_pushcfunction(L, lua_tocfunction(L, -2));
  lua_pushcclosure(L, WrappedCall, 2);
  return 1;
}

}  // namespace

bool ParseMode(const char* text, Mode* out) {
  if (text == nullptr) return false;
  if (strcmp(text, "off") == 0) {
    *out = Mode::kOff;
  } else if (strcmp(text, "hooks") == 0) {
    *out = Mode::kHooks;
  } else if (strcmp(text, "sample") == 0) {
    *out = Mode::kSample;
  } else {
    return false;
  }
  return true;
}

void InstallCoroutineWrappers(lua_State* L) {
  if (!lua_checkstack(L, 4)) return;
  if (lua_getglobal(L, "coroutine") != LUA_TTABLE) {
    lua_pop(L, 1);
    return;
  }
  CreateChainAnchors(L);
  struct {
    const char* name;
    lua_CFunction wrapper;
  } const wrappers[] = {{"resume", ResumeWrapper}, {"wrap", WrapWrapper}};
  for (const auto& wrapper : wrappers) {
    lua_getfield(L, -1, wrapper.name);
    const lua_CFunction current = lua_tocfunction(L, -1);
    if (current == nullptr || current == wrapper.wrapper) {
      lua_pop(L, 1);  // absent, replaced by the host, or already ours
      continue;
    }
    lua_pushcclosure(L, wrapper.wrapper, 1);
    lua_setfield(L, -2, wrapper.name);
  }
  lua_pop(L, 1);
}

bool Attach(lua_State* L, Mode mode, int64_t interval_ns, int first_level,
            std::string* error) {
  if (g_profiler != nullptr) {
    *error = "the Lua profiler is already attached";
    return false;
  }
  if (mode == Mode::kOff) return true;
  try {
    auto profiler = std::make_unique<Profiler>();
    profiler->mode = mode;
    profiler->attached = L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
    profiler->main = lua_tothread(L, -1);
    lua_pop(L, 1);
    profiler->sample.reserve(256);
    profiler->cache.known_c = NamedCFunctions();
    profiler->cache.known_c.emplace(
        WrappedCall, KnownCFunction{"<coroutine.wrap function>", 0});
    InstallCoroutineWrappers(L);
    g_main.store(profiler->main, std::memory_order_relaxed);
    g_chain_depth.store(0, std::memory_order_relaxed);
    g_profiler = profiler.release();
  } catch (const std::bad_alloc&) {
    *error = "out of memory";
    return false;
  }
  Profiler* profiler = g_profiler;
  if (mode == Mode::kHooks) {
    if (pyi_frame_register_flags("<pyinstrument sample>", "[C]", 0, nullptr,
                                 PYI_FRAME_HIDDEN | PYI_FRAME_PROFILER,
                                 &profiler->sample_marker) != PYI_OK) {
      Detach();
      *error = pyi_last_error();
      return false;
    }
    try {
      StateRecord* record = nullptr;
      {
        auto owned = std::make_unique<StateRecord>();
        owned->L = L;
        record = owned.get();
        profiler->states.emplace(L, std::move(owned));
      }
      profiler->Seed(L, first_level, record, /*enter=*/true);
      profiler->active.push_back(record);
    } catch (const std::bad_alloc&) {
      Detach();
      *error = "out of memory";
      return false;
    }
    lua_sethook(L, HooksHook, kHookMask, 0);
    if (profiler->main != L) {
      lua_sethook(profiler->main, HooksHook, kHookMask, 0);
    }
    // Calls and returns alone leave a loop that calls nothing unsampled
    // until it ends; the timer arms a count hook that samples it.
    g_arm_hook.store(HooksHook, std::memory_order_relaxed);
    g_arm_mask.store(kHookMask | LUA_MASKCOUNT, std::memory_order_relaxed);
    profiler->timer_armed = StartTimer(profiler, interval_ns);
  } else {
    // The thread is timed from its first call into the library: make that
    // now, not its first sample.
    pyi_thread_sample(nullptr, 0);
    g_arm_hook.store(SampleHook, std::memory_order_relaxed);
    g_arm_mask.store(LUA_MASKCOUNT, std::memory_order_relaxed);
    profiler->timer_armed = StartTimer(profiler, interval_ns);
    if (!profiler->timer_armed) {
      lua_sethook(L, SampleHook, LUA_MASKCOUNT, kFallbackCountPeriod);
      lua_sethook(profiler->main, SampleHook, LUA_MASKCOUNT,
                  kFallbackCountPeriod);
    }
  }
  return true;
}

void Detach() {
  Profiler* profiler = g_profiler;
  if (profiler == nullptr) return;
  if (profiler->timer_armed) StopTimer(profiler);
  // Unhook the states known to be alive; any other coroutine still hooked
  // unhooks itself at its next event, finding no profiler.
  lua_sethook(profiler->main, nullptr, 0, 0);
  lua_sethook(profiler->attached, nullptr, 0, 0);
  for (StateRecord* record : profiler->active) {
    lua_sethook(record->L, nullptr, 0, 0);
  }
  const int depth = g_chain_depth.load(std::memory_order_relaxed);
  for (int i = 0; i < depth && i < kMaxChain; ++i) {
    lua_sethook(g_chain[i].co.load(std::memory_order_relaxed), nullptr, 0, 0);
  }
  profiler->ExitAll();
  g_main.store(nullptr, std::memory_order_relaxed);
  g_profiler = nullptr;
  delete profiler;
}

bool Attached() { return g_profiler != nullptr; }

void SampleNow(lua_State* L) {
  Profiler* profiler = g_profiler;
  if (profiler == nullptr || profiler->failed || !pyi_sample_due()) return;
  try {
    if (profiler->mode == Mode::kHooks) {
      profiler->SampleShadowStack(L);
    } else if (profiler->mode == Mode::kSample) {
      profiler->TakeSample(L);
    }
  } catch (...) {
    Fail(L);
  }
}

void NameCFunction(lua_CFunction function, const char* name, uint32_t flags) {
  NamedCFunctions()[function] = KnownCFunction{name, flags};
}

}  // namespace lua
}  // namespace pyi
