"""python3 -m libpyinstrument [options] script.py [args...]

(or `libpyinstrument [options] script.py`, the console script an installed
wheel provides). Runs a script under the profiler, like `pyinstrument script.py`, and writes a
report when it ends (also when it raises: the report first, then the
traceback, and the exit status is 1).
"""

import argparse
import os
import sys
import traceback
import types

import libpyinstrument

# Renderers print reports; the other names are interchange formats written
# with export().
_RENDERERS = ("text", "json", "html")
_FORMATS = ("session", "pprof", "speedscope", "chrome", "collapsed")


def _parser(prog):
    parser = argparse.ArgumentParser(
        prog=prog,
        usage="%(prog)s [options] scriptfile [arg] ...",
        description="Profile a Python script with libpyinstrument.")
    parser.add_argument(
        "-r", "--renderer", default=None,
        choices=_RENDERERS + _FORMATS,
        help="report or format (default: text, or inferred from -o's ending)")
    parser.add_argument("-o", "--outfile", default=None,
                        help="write the report here instead of stdout")
    parser.add_argument("-p", "--render-option", action="append", default=[],
                        metavar="KEY=VALUE",
                        help="a renderer option, e.g. show_all=true (repeat)")
    parser.add_argument("-m", "--mode", default="setprofile",
                        choices=("setprofile", "sample"),
                        help="setprofile (per-call hook) or sample (all "
                             "threads, no hook)")
    parser.add_argument("-i", "--interval", type=float, default=0.001,
                        help="seconds between samples (default 0.001)")
    parser.add_argument("--all-threads", action="store_true",
                        help="setprofile mode: also profile new threads")
    parser.add_argument("--show-all", action="store_true",
                        help="show library and hidden frames")
    parser.add_argument("--unicode", action="store_true")
    parser.add_argument("--color", action="store_true")
    parser.add_argument("script", help="the Python script to run")
    parser.add_argument("args", nargs=argparse.REMAINDER,
                        help="arguments for the script")
    return parser


def _infer_renderer(outfile):
    """A renderer name, or None to export in the format the ending names."""
    if outfile is None or outfile.endswith(".txt"):
        return "text"
    if outfile.endswith(".html"):
        return "html"
    if outfile.endswith((".speedscope.json", ".trace.json", ".chrome.json")):
        return None
    if outfile.endswith(".json") or not os.path.splitext(outfile)[1]:
        return "json" if outfile.endswith(".json") else "text"
    return None


def _write_report(profiler, options):
    outfile = options.outfile
    renderer = options.renderer or _infer_renderer(outfile)
    if renderer is None or renderer in _FORMATS:
        if outfile is None:
            raise ValueError(f"-r {renderer} needs -o FILE")
        profiler.export(outfile, renderer)
        return
    extra = dict(option.split("=", 1) for option in options.render_option
                 if "=" in option)
    if options.show_all:
        extra["show_all"] = True
    if renderer == "text":
        extra.setdefault("unicode", options.unicode)
        extra.setdefault("color", options.color and outfile is None)
    report = profiler.output(renderer, **extra)
    if outfile is None:
        sys.stdout.write(report)
        sys.stdout.flush()
    else:
        with open(outfile, "w", encoding="utf-8") as file:
            file.write(report)


def _run_script(path, argv):
    """Runs `path` as __main__, as `python3 path` would."""
    with open(path, "rb") as file:
        source = file.read()
    code = compile(source, path, "exec")
    sys.argv[:] = argv
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    main_module = type(sys)("__main__")
    main_module.__file__ = path
    main_module.__builtins__ = __builtins__
    saved_main = sys.modules.get("__main__")
    sys.modules["__main__"] = main_module
    try:
        # Called as a function, the script's <module> frame sits right
        # under this (profiler) frame, with no exec() builtin between.
        types.FunctionType(code, main_module.__dict__)()
    finally:
        if saved_main is not None:
            sys.modules["__main__"] = saved_main


def main(argv=None, prog="python3 -m libpyinstrument"):
    options = _parser(prog).parse_args(argv)
    script = options.script
    if not os.path.exists(script):
        print(f"libpyinstrument: no such file: {script}", file=sys.stderr)
        return 2
    profiler = libpyinstrument.Profiler(
        interval=options.interval, mode=options.mode,
        all_threads=options.all_threads,
        target_description="Program: " + " ".join([script] + options.args))
    exit_code = 0
    failure = None
    profiler.start()
    try:
        _run_script(script, [script] + options.args)
    except SystemExit as exit:
        code = exit.code
        if code is None:
            exit_code = 0
        elif isinstance(code, int):
            exit_code = code
        else:
            print(code, file=sys.stderr)
            exit_code = 1
    except KeyboardInterrupt:
        failure = sys.exc_info()
        exit_code = 130
    except BaseException:
        failure = sys.exc_info()
        exit_code = 1
    finally:
        profiler.stop()
    try:
        _write_report(profiler, options)
    except (libpyinstrument.Error, OSError, ValueError) as error:
        print(f"libpyinstrument: cannot write the report: {error}",
              file=sys.stderr)
        exit_code = exit_code or 1
    if failure is not None:
        # The script's own frames only, as `python3 script.py` shows them.
        tb = failure[2]
        while tb is not None and tb.tb_frame.f_code.co_filename != script:
            tb = tb.tb_next
        traceback.print_exception(failure[0], failure[1], tb or failure[2])
    return exit_code


def console_main():
    """The `libpyinstrument` console script. The script pip writes calls
    this from its own module frame, which is glue like runpy's."""
    from . import _classify
    _classify.add_glue(sys._getframe(1).f_code)
    return main(prog="libpyinstrument")


if __name__ == "__main__":
    sys.exit(main())
