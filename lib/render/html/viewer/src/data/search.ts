// Frame search for the viewer's search box. A query is either a plain
// substring, matched case-insensitively against a frame's function name,
// file path and module, or a /regex/flags literal, matched the same way.
// Matching works on the frame table, not on tree nodes: a session has far
// fewer distinct frames than nodes, and the views map frames to nodes.

import type { FrameInfo } from "./model";

export interface SearchResult {
  /** Indices into the frame table, ascending. */
  matches: Uint32Array;
  /** Why the query matched nothing (a bad regex), or null. */
  error: string | null;
}

/** A predicate for `query`, or an error message. An empty (or blank) query
 * matches nothing: the views show no highlight rather than everything. */
export function compileSearch(query: string): ((text: string) => boolean) | string {
  const trimmed = query.trim();
  if (trimmed === "") return () => false;
  const literal = /^\/(.+)\/([a-z]*)$/s.exec(trimmed);
  if (literal !== null) {
    // 'g' and 'y' make RegExp.test stateful between calls; they mean
    // nothing for a yes/no match, so they are dropped.
    const flags = literal[2].replace(/[gy]/g, "");
    try {
      const regex = new RegExp(literal[1], flags);
      return (text) => regex.test(text);
    } catch (error) {
      return `bad regular expression: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  const needle = trimmed.toLowerCase();
  return (text) => text.toLowerCase().includes(needle);
}

/** True when `frame`'s function, file or module satisfies `test`. */
export function frameMatches(frame: FrameInfo, test: (text: string) => boolean): boolean {
  return test(frame.function) || test(frame.file) || (frame.module !== "" && test(frame.module));
}

/** The frames matching `query` (see compileSearch). */
export function searchFrames(frames: readonly FrameInfo[], query: string): SearchResult {
  const test = compileSearch(query);
  if (typeof test === "string") return { matches: new Uint32Array(0), error: test };
  const found: number[] = [];
  for (let i = 0; i < frames.length; ++i) {
    if (frameMatches(frames[i], test)) found.push(i);
  }
  return { matches: Uint32Array.from(found), error: null };
}

/** A per-frame 0/1 mask of `matches`, for O(1) lookups while drawing. */
export function matchMask(frameCount: number, matches: Uint32Array): Uint8Array {
  const mask = new Uint8Array(frameCount);
  for (const frame of matches) if (frame < frameCount) mask[frame] = 1;
  return mask;
}
