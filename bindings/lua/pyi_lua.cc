// pyi-lua: runs a Lua 5.4 script under the profiler, the Lua counterpart of
// `pyinstrument script.py`.
//
//   pyi-lua [--interval S] [--mode hooks|sample|off] [-r RENDERER]
//           [-p OPTIONS] [-o OUT] script.lua [args...]
//
// The report goes to stdout, or to OUT: with -r, OUT gets that renderer's
// report; without, the format comes from OUT's ending (.pb, .json,
// .speedscope.json, .pprof, ...). `--mode off` runs the script without
// profiling (a baseline for benchmarks) and writes no report. A script that
// fails still gets its report; its error and traceback go to stderr and
// pyi-lua exits with 1. Usage errors exit with 2.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <string>

#include "bindings/lua/lua_profiler.h"
#include "bindings/lua/module.h"
#include "pyinstrument/pyinstrument.h"

namespace {

struct Args {
  double interval = 0.001;
  pyi::lua::Mode mode = pyi::lua::Mode::kHooks;
  const char* renderer = nullptr;
  const char* render_options = "";
  const char* output = nullptr;
  int script = 0;  // index of the script in argv
};

void Usage(FILE* out) {
  fprintf(out,
          "usage: pyi-lua [--interval S] [--mode hooks|sample|off] "
          "[-r RENDERER] [-p OPTIONS] [-o OUT] script.lua [args...]\n"
          "  --interval S  sampling interval in seconds (default 0.001)\n"
          "  --mode M      hooks: call/return hooks (default); sample: "
          "stacks walked\n"
          "                on a timer; off: no profiling\n"
          "  -r RENDERER   text (default), json, ...\n"
          "  -p OPTIONS    renderer options, key=value,...\n"
          "  -o OUT        write the report to OUT (format from its ending "
          "without -r)\n");
}

// Returns 0 on success, else the exit code.
int ParseArgs(int argc, char** argv, Args* args) {
  int i = 1;
  for (; i < argc; ++i) {
    const char* arg = argv[i];
    if (arg[0] != '-' || strcmp(arg, "-") == 0) break;
    if (strcmp(arg, "--") == 0) {
      ++i;
      break;
    }
    if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
      Usage(stdout);
      exit(0);
    }
    // Options with a value: "--name value" or "--name=value".
    const char* value = nullptr;
    std::string name = arg;
    const size_t equals = name.find('=');
    if (equals != std::string::npos && name.rfind("--", 0) == 0) {
      value = arg + equals + 1;
      name.resize(equals);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      fprintf(stderr, "pyi-lua: %s needs a value\n", arg);
      return 2;
    }
    if (name == "--interval" || name == "-i") {
      char* end = nullptr;
      args->interval = strtod(value, &end);
      if (end == value || *end != '\0' || !(args->interval > 0) ||
          args->interval > 3600) {
        fprintf(stderr, "pyi-lua: bad interval '%s'\n", value);
        return 2;
      }
    } else if (name == "--mode" || name == "-m") {
      if (!pyi::lua::ParseMode(value, &args->mode)) {
        fprintf(stderr,
                "pyi-lua: bad mode '%s' (expected hooks, sample or off)\n",
                value);
        return 2;
      }
    } else if (name == "--renderer" || name == "-r") {
      args->renderer = value;
    } else if (name == "--render-options" || name == "-p") {
      args->render_options = value;
    } else if (name == "--outfile" || name == "--output" || name == "-o") {
      args->output = value;
    } else {
      fprintf(stderr, "pyi-lua: unknown option %s\n", arg);
      Usage(stderr);
      return 2;
    }
  }
  if (i >= argc) {
    fprintf(stderr, "pyi-lua: no script given\n");
    Usage(stderr);
    return 2;
  }
  args->script = i;
  return 0;
}

// The message handler of the script's lua_pcall: the error with a traceback.
int Traceback(lua_State* L) {
  const char* message = lua_tostring(L, 1);
  if (message == nullptr) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) {
      return 1;
    }
    message = lua_pushfstring(L, "(error object is a %s value)",
                              luaL_typename(L, 1));
  }
  luaL_traceback(L, L, message, 1);
  return 1;
}

// The global `arg` table as lua.c builds it: the script at 0, its arguments
// from 1, the interpreter and options at negative indices.
void SetArgTable(lua_State* L, int argc, char** argv, int script) {
  lua_createtable(L, argc - script - 1, script + 1);
  for (int i = 0; i < argc; ++i) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i - script);
  }
  lua_setglobal(L, "arg");
}

int PushArgs(lua_State* L, int argc, char** argv, int script) {
  const int count = argc - script - 1;
  luaL_checkstack(L, count + 3, "too many arguments to script");
  for (int i = script + 1; i < argc; ++i) lua_pushstring(L, argv[i]);
  return count;
}

// The report to stdout or to args.output. Returns false on failure.
bool WriteReport(const Args& args, pyi_session* session) {
  pyi_status status;
  if (args.output != nullptr && args.renderer == nullptr) {
    status = pyi_session_export_to_file(session, nullptr, args.output);
    if (status != PYI_OK) {
      fprintf(stderr, "pyi-lua: %s\n", pyi_last_error());
      return false;
    }
    return true;
  }
  const char* renderer = args.renderer != nullptr ? args.renderer : "text";
  const char* options = args.render_options;
  if (options[0] == '\0' && args.output == nullptr &&
      strcmp(renderer, "text") == 0 && isatty(STDOUT_FILENO)) {
    options = "unicode=1,color=1";
  }
  pyi_buffer report{};
  status = pyi_session_render(session, renderer, options, &report);
  if (status != PYI_OK) {
    fprintf(stderr, "pyi-lua: %s\n", pyi_last_error());
    return false;
  }
  const bool to_file = args.output != nullptr;
  FILE* out = to_file ? fopen(args.output, "wb") : stdout;
  bool ok = out != nullptr && fwrite(report.data, 1, report.size, out) ==
                                  report.size;
  if (out != nullptr) {
    if (to_file ? fclose(out) != 0 : fflush(out) != 0) ok = false;
  }
  pyi_buffer_free(&report);
  if (!ok) {
    fprintf(stderr, "pyi-lua: cannot write %s\n",
            args.output != nullptr ? args.output : "stdout");
  }
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (const int code = ParseArgs(argc, argv, &args); code != 0) return code;
  const char* script = argv[args.script];

  lua_State* L = luaL_newstate();
  if (L == nullptr) {
    fprintf(stderr, "pyi-lua: cannot create a Lua state (out of memory)\n");
    return 1;
  }
  luaL_openlibs(L);
  // require "pyinstrument" finds this binary's own copy of the module.
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_pyinstrument);
  lua_setfield(L, -2, "pyinstrument");
  lua_pop(L, 1);
  pyi::lua::InstallCoroutineWrappers(L);
  SetArgTable(L, argc, argv, args.script);
  // The message handler runs when the script fails, with the failing stack
  // still in place; reports leave it out.
  pyi::lua::NameCFunction(Traceback, "<traceback>", PYI_FRAME_PROFILER);

  lua_pushcfunction(L, Traceback);
  const int handler = lua_gettop(L);
  int status = luaL_loadfile(L, script);
  if (status != LUA_OK) {
    fprintf(stderr, "pyi-lua: %s\n", lua_tostring(L, -1));
    lua_close(L);
    return 1;
  }
  const int nargs = PushArgs(L, argc, argv, args.script);

  pyi_session* session = nullptr;
  if (args.mode != pyi::lua::Mode::kOff) {
    pyi_options options;
    pyi_options_init(&options);
    options.interval_ns = static_cast<int64_t>(args.interval * 1e9);
    if (options.interval_ns < 1000) options.interval_ns = 1000;
    std::string target = script;
    for (int i = args.script + 1; i < argc; ++i) {
      target += " ";
      target += argv[i];
    }
    options.target_description = target.c_str();
    if (pyi_session_start(&options, &session) != PYI_OK) {
      fprintf(stderr, "pyi-lua: %s\n", pyi_last_error());
      lua_close(L);
      return 1;
    }
    std::string error;
    if (!pyi::lua::Attach(L, args.mode, options.interval_ns, 0, &error)) {
      fprintf(stderr, "pyi-lua: %s\n", error.c_str());
      pyi_session_free(session);
      lua_close(L);
      return 1;
    }
  }

  status = lua_pcall(L, nargs, 0, handler);

  pyi::lua::Detach();
  bool ok = status == LUA_OK;
  if (session != nullptr) {
    pyi_session_stop(session);
    if (!WriteReport(args, session)) ok = false;
    pyi_session_free(session);
  }
  if (status != LUA_OK) {
    const char* message = lua_tostring(L, -1);
    fprintf(stderr, "pyi-lua: %s\n",
            message != nullptr ? message : "(error object is not a string)");
  }
  lua_close(L);
  return ok ? 0 : 1;
}
