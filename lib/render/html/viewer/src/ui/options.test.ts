import { describe, expect, test } from "vitest";
import {
  DEFAULT_OPTIONS,
  type KeyValueStore,
  loadOptions,
  loadView,
  OPTIONS_STORAGE_KEY,
  regexError,
  sanitizeOptions,
  saveOptions,
  saveView,
} from "./options";

function memoryStore(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
  };
}

describe("options persistence", () => {
  test("round-trips every field", () => {
    const store = memoryStore();
    const options = {
      libraryMode: "custom" as const,
      hideRegex: ".*/vendor/.*",
      showRegex: "^/src",
      removeHidden: false,
      removeProfiler: false,
      thresholdPercent: 2.5,
      timeFormat: "percent" as const,
      collapseRecursion: true,
    };
    expect(saveOptions(store, options)).toBe(true);
    expect(loadOptions(store)).toEqual(options);
  });

  test("defaults when nothing is stored or there is no storage", () => {
    expect(loadOptions(memoryStore())).toEqual(DEFAULT_OPTIONS);
    expect(loadOptions(null)).toEqual(DEFAULT_OPTIONS);
    expect(saveOptions(null, DEFAULT_OPTIONS)).toBe(false);
  });

  test("damaged or foreign values fall back field by field", () => {
    const store = memoryStore();
    store.setItem(OPTIONS_STORAGE_KEY, "{not json");
    expect(loadOptions(store)).toEqual(DEFAULT_OPTIONS);
    store.setItem(
      OPTIONS_STORAGE_KEY,
      JSON.stringify({ libraryMode: "bogus", thresholdPercent: 500, removeHidden: "yes", hideRegex: 3, timeFormat: "percent" }),
    );
    expect(loadOptions(store)).toEqual({ ...DEFAULT_OPTIONS, thresholdPercent: 100, timeFormat: "percent" });
    expect(sanitizeOptions({ thresholdPercent: Number.NaN }).thresholdPercent).toBe(DEFAULT_OPTIONS.thresholdPercent);
    expect(sanitizeOptions({ thresholdPercent: -1 }).thresholdPercent).toBe(0);
  });

  test("a store that throws is survived", () => {
    const throwing: KeyValueStore = {
      getItem: () => {
        throw new Error("SecurityError");
      },
      setItem: () => {
        throw new Error("QuotaExceededError");
      },
    };
    expect(loadOptions(throwing)).toEqual(DEFAULT_OPTIONS);
    expect(saveOptions(throwing, DEFAULT_OPTIONS)).toBe(false);
    expect(loadView(throwing)).toBe("call-stack");
    expect(() => saveView(throwing, "timeline")).not.toThrow();
  });

  test("view is remembered and validated", () => {
    const store = memoryStore();
    saveView(store, "icicle");
    expect(loadView(store)).toBe("icicle");
    store.data.set([...store.data.keys()][0], "<script>");
    expect(loadView(store)).toBe("call-stack");
  });

  test("regexError reports patterns that do not compile", () => {
    expect(regexError("")).toBeNull();
    expect(regexError("^/usr/")).toBeNull();
    expect(regexError("(")).toMatch(/./);
  });
});
