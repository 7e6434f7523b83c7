// The viewer's in-memory session: what lib/session/session.h holds, decoded
// from the .pb format (proto/pyinstrument/session.proto) into plain objects
// and typed arrays. Strings are resolved (no string table), delta codings are
// undone, and durations are in ns whatever duration_unit_ns the file used.
//
// Numbers that are int64/uint64 in the file are plain JS numbers here, exact
// up to 2^53. decodeSession guarantees that for every sample time (a thread's
// start offset plus its durations, up to 104 days); startTimeUnixNs is above
// 2^53 for any present-day date, so it is exact only to about 0.25 us, which
// is more than a wall-clock display needs.

/** FrameFlag bits (lib/session/session.h; PYI_FRAME_* in the C ABI). */
export const FRAME_HIDDEN = 1 << 0;
export const FRAME_PROFILER = 1 << 1;

/** One frame identity: where a function is defined. */
export interface FrameInfo {
  function: string;
  file: string;
  /** Line the function is defined at; 0 when unknown. */
  line: number;
  /** Module, or class for methods; "" when unknown. */
  module: string;
  /** FRAME_* bits. */
  flags: number;
  /** The file lies under one of SessionData.libraryRoots. */
  isLibrary: boolean;
  /** Short library name, as C++ LibraryName(); "" for application code. */
  library: string;
}

/** Everything recorded on one thread. */
export interface ThreadData {
  /** The host's thread id, in decimal (uint64 does not fit a number). */
  id: string;
  name: string;
  /** From the session start to the start of sample 0, in ns. */
  startOffsetNs: number;
  /** The stack trie: node n's parent is nodeParent[n] (< n) and its frame
   * is nodeFrame[n]. Index 0 is the empty stack (parent 0, frame 0 unused). */
  nodeParent: Uint32Array;
  nodeFrame: Uint32Array;
  /** Sample i's stack node and duration, in time order. */
  sampleNodes: Uint32Array;
  sampleDurationsNs: Float64Array;
  droppedSamples: number;
  unbalancedExits: number;
}

export interface SessionData {
  startTimeUnixNs: number;
  durationNs: number;
  cpuTimeNs: number;
  intervalNs: number;
  /** The pyi_clock value the samples were timed with. */
  clock: number;
  targetDescription: string;
  program: string;
  libraryVersion: string;
  /** File path prefixes that mark library (not application) code. */
  libraryRoots: string[];
  frames: FrameInfo[];
  threads: ThreadData[];
}
