import { describe, expect, it } from "vitest";
import type { FrameInfo } from "./model";
import { compileSearch, matchMask, searchFrames } from "./search";

const frame = (fn: string, file: string, module = ""): FrameInfo => ({
  function: fn,
  file,
  line: 1,
  module,
  flags: 0,
  isLibrary: false,
  library: "",
});
const frames = [
  frame("main", "/app/main.c"),
  frame("ParseJSON", "/app/json/parse.c", "Json"),
  frame("memcpy", "/usr/lib/libc.so.6"),
  frame("parse_args", "/app/args.c"),
];

describe("searchFrames", () => {
  it("matches substrings of name, file or module, ignoring case", () => {
    expect([...searchFrames(frames, "parse").matches]).toEqual([1, 3]);
    expect([...searchFrames(frames, "LIBC").matches]).toEqual([2]);
    expect([...searchFrames(frames, "json").matches]).toEqual([1]);
    expect([...searchFrames(frames, "  main  ").matches]).toEqual([0]);
  });

  it("matches nothing for an empty query", () => {
    expect(searchFrames(frames, "").matches.length).toBe(0);
    expect(searchFrames(frames, "   ").matches.length).toBe(0);
  });

  it("takes /regex/flags", () => {
    expect([...searchFrames(frames, "/^parse/").matches]).toEqual([3]);
    expect([...searchFrames(frames, "/^parse/i").matches]).toEqual([1, 3]);
    expect([...searchFrames(frames, "/\\.c$/g").matches]).toEqual([0, 1, 3]);
    // 'g' is dropped, so repeated tests do not skip matches.
    const test = compileSearch("/a/g");
    expect(typeof test).toBe("function");
    if (typeof test === "function") expect([test("a"), test("a")]).toEqual([true, true]);
  });

  it("reports a bad regex instead of throwing", () => {
    const result = searchFrames(frames, "/(/");
    expect(result.matches.length).toBe(0);
    expect(result.error).toMatch(/^bad regular expression: /);
    expect(searchFrames(frames, "x").error).toBeNull();
  });

  it("builds a mask", () => {
    expect([...matchMask(4, Uint32Array.from([1, 3, 9]))]).toEqual([0, 1, 0, 1]);
  });
});
