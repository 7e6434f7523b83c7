// View options: what the reader can change in the page, and how they are kept
// in localStorage between visits.
//
// The adapter is written against a two-method Storage subset so tests (and a
// page opened where storage throws, e.g. a sandboxed file:// frame) can hand
// in anything; every stored value is validated field by field, so a damaged or
// older entry falls back to defaults instead of breaking the page.

export type LibraryMode = "collapse" | "custom" | "off";
export type TimeFormat = "absolute" | "percent";
export type ViewName = "call-stack" | "timeline" | "icicle" | "inverted";

export const VIEW_NAMES: readonly ViewName[] = [
  "call-stack",
  "timeline",
  "icicle",
  "inverted",
];

export interface ViewOptions {
  /** Library frames: grouped ("collapse"), grouped by the user's regexes
   * ("custom", on top of the library roots), or never grouped ("off"). */
  libraryMode: LibraryMode;
  /** ECMAScript regexes over file paths, used when libraryMode is custom. */
  hideRegex: string;
  showRegex: string;
  /** Remove frames flagged hidden and importlib-like loader frames. */
  removeHidden: boolean;
  /** Remove the profiler's own entry frames at the top of the stack. */
  removeProfiler: boolean;
  /** Nodes below this share (percent) of the thread's time are dropped. */
  thresholdPercent: number;
  /** Times in seconds or as a share of the thread's time. */
  timeFormat: TimeFormat;
  /** Fold direct recursion (beyond pyinstrument). */
  collapseRecursion: boolean;
}

export const DEFAULT_OPTIONS: Readonly<ViewOptions> = Object.freeze({
  libraryMode: "collapse",
  hideRegex: "",
  showRegex: "",
  removeHidden: true,
  removeProfiler: true,
  thresholdPercent: 1,
  timeFormat: "absolute",
  collapseRecursion: false,
});

export const OPTIONS_STORAGE_KEY = "libpyinstrument.viewer.options.v1";
export const VIEW_STORAGE_KEY = "libpyinstrument.viewer.view.v1";

/** The part of window.localStorage the adapter uses. */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** window.localStorage, or null where reading it throws (opaque origins). */
export function browserStore(): KeyValueStore | null {
  try {
    const store = globalThis.localStorage;
    return store ?? null;
  } catch {
    return null;
  }
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return typeof value === "string" && (allowed as readonly string[]).includes(value)
    ? (value as T)
    : fallback;
}

function bool(value: unknown, fallback: boolean): boolean {
  return typeof value === "boolean" ? value : fallback;
}

function str(value: unknown, fallback: string): string {
  return typeof value === "string" && value.length <= 10_000 ? value : fallback;
}

/** Clamps a threshold to [0, 100]; NaN and non-numbers give the fallback. */
export function sanitizeThreshold(value: unknown, fallback = DEFAULT_OPTIONS.thresholdPercent): number {
  if (typeof value !== "number" || !Number.isFinite(value)) return fallback;
  return Math.min(100, Math.max(0, value));
}

/** Any value (parsed JSON, partial object) as complete, valid options. */
export function sanitizeOptions(raw: unknown): ViewOptions {
  const o = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  const d = DEFAULT_OPTIONS;
  return {
    libraryMode: oneOf(o.libraryMode, ["collapse", "custom", "off"], d.libraryMode),
    hideRegex: str(o.hideRegex, d.hideRegex),
    showRegex: str(o.showRegex, d.showRegex),
    removeHidden: bool(o.removeHidden, d.removeHidden),
    removeProfiler: bool(o.removeProfiler, d.removeProfiler),
    thresholdPercent: sanitizeThreshold(o.thresholdPercent, d.thresholdPercent),
    timeFormat: oneOf(o.timeFormat, ["absolute", "percent"], d.timeFormat),
    collapseRecursion: bool(o.collapseRecursion, d.collapseRecursion),
  };
}

export function loadOptions(store: KeyValueStore | null): ViewOptions {
  if (store === null) return { ...DEFAULT_OPTIONS };
  try {
    const text = store.getItem(OPTIONS_STORAGE_KEY);
    if (text === null) return { ...DEFAULT_OPTIONS };
    return sanitizeOptions(JSON.parse(text));
  } catch {
    return { ...DEFAULT_OPTIONS };
  }
}

/** Stores `options`; false when the store refused (quota, privacy mode). */
export function saveOptions(store: KeyValueStore | null, options: ViewOptions): boolean {
  if (store === null) return false;
  try {
    store.setItem(OPTIONS_STORAGE_KEY, JSON.stringify(sanitizeOptions(options)));
    return true;
  } catch {
    return false;
  }
}

export function loadView(store: KeyValueStore | null): ViewName {
  try {
    return oneOf(store?.getItem(VIEW_STORAGE_KEY) ?? null, VIEW_NAMES, "call-stack");
  } catch {
    return "call-stack";
  }
}

export function saveView(store: KeyValueStore | null, view: ViewName): void {
  try {
    store?.setItem(VIEW_STORAGE_KEY, view);
  } catch {
    // Not being able to remember the view is not worth an error.
  }
}

/** The error message of a regex the reader typed, or null when it compiles
 * (an empty pattern is "no rule" and fine). */
export function regexError(pattern: string): string | null {
  if (pattern === "") return null;
  try {
    new RegExp(pattern);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
