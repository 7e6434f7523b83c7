// Reading a libpyinstrument session (`.pb`, proto/pyinstrument/session.proto)
// into SessionData; the TypeScript twin of lib/session/session_io.cc's
// ParseSession, with the same checks (the end_crc32 trailer included) and
// the same three kinds of failure:
//
//   * not ours (empty, another format)       -> SessionFormatError "not-ours"
//   * ours but damaged (truncated, bad index) -> SessionFormatError "damaged"
//   * ours, from a newer format version       -> SessionFormatError "newer"
//
// The message is parsed by the code protoc-gen-es generates from the .proto
// (src/gen, `npm run gen`). Before that, two cheap passes over the raw bytes
// do what protobuf-es does not: the magic, format version and end_crc32
// trailer are read first (so foreign, newer and truncated files are told
// apart), and checkWire walks the field tags (not the packed arrays) to
// reject a wrong wire type or a field running past its enclosing message,
// which protobuf-es would misread or let through. protobuf-es 2 reads every
// 64-bit field as a BigInt whatever the field's jstype; the sample deltas are
// turned into numbers once, below.
//
// Nothing in the input is trusted: every length, index and delta is checked
// before use, and memory is proportional to the input's size.

import { fromBinary } from "@bufbuild/protobuf";
import { type FrameTable, SessionSchema, type Thread } from "../gen/pyinstrument/session_pb";
import type { FrameInfo, SessionData, ThreadData } from "./model";
import { isLibraryFile, libraryNameOfFile } from "./processors";

/** Value of the `magic` field every session file starts with. */
export const SESSION_MAGIC = "libpyinstrument.session";
/** The newest format version this reader understands. */
export const SESSION_FORMAT_VERSION = 1;

export type SessionFormatErrorKind = "not-ours" | "damaged" | "newer";

export class SessionFormatError extends Error {
  readonly kind: SessionFormatErrorKind;
  constructor(kind: SessionFormatErrorKind, message: string) {
    super(message);
    this.name = "SessionFormatError";
    this.kind = kind;
  }
}

function damaged(problem: string): SessionFormatError {
  return new SessionFormatError("damaged", `damaged libpyinstrument session: ${problem}`);
}

// 0x0a 0x17 "libpyinstrument.session": field 1, length 23, then the magic.
// protobuf writes fields in number order, so this is always first.
const HEADER = new Uint8Array([0x0a, SESSION_MAGIC.length, ...Array.from(SESSION_MAGIC, (c) => c.charCodeAt(0))]);

// The end_crc32 trailer (session.proto field 200, fixed32): its tag as a
// varint (0xc5 0x0c), then the CRC-32 of every byte before the tag,
// little-endian. Protobuf data cut at a field boundary parses cleanly as a
// smaller session; the trailer turns that into an error.
const TRAILER_TAG = [0xc5, 0x0c] as const;
const TRAILER_SIZE = TRAILER_TAG.length + 4;

/** CRC-32 as zlib computes it (reflected, polynomial 0xedb88320), from a
 * table generated here rather than pasted in. */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; ++n) {
    let c = n;
    for (let k = 0; k < 8; ++k) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; ++i) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------
// Wire checks protobuf-es leaves out. Linear in the number of fields, not in
// the size of the packed arrays (their lengths are checked and skipped).

const CORRUPT = "truncated or corrupt protobuf data";

/** A varint at `pos` before `end`, low 32 bits (as protobuf reads uint32);
 * returns the value and sets `wirePos` past it. At most 10 bytes. */
let wirePos = 0;
function varint(buf: Uint8Array, pos: number, end: number): number {
  let value = 0;
  for (let i = 0; i < 10; ++i) {
    if (pos >= end) throw damaged(CORRUPT);
    const b = buf[pos++];
    if (i < 5) value |= (b & 0x7f) << (7 * i);
    if (b < 0x80) {
      wirePos = pos;
      return value >>> 0;
    }
  }
  throw damaged(CORRUPT);
}

/** The length of a length-delimited field starting at `pos`, checked
 * against `end`; sets `wirePos` to the first byte of the payload. */
function wireLength(buf: Uint8Array, pos: number, end: number): number {
  let length = 0;
  let scale = 1;
  for (let i = 0; ; ++i) {
    if (i === 10 || pos >= end) throw damaged(CORRUPT);
    const b = buf[pos++];
    length += (b & 0x7f) * scale;
    scale *= 128;
    if (b < 0x80) break;
  }
  if (length > end - pos) throw damaged(CORRUPT);
  wirePos = pos;
  return length;
}

// What a known field must look like: a wire type, "packed" (a repeated
// varint, packed or not) or a submessage.
type FieldShape = 0 | 2 | 5 | "packed" | Shapes;
interface Shapes {
  [field: number]: FieldShape;
}
const FRAME_TABLE_SHAPE: Shapes = { 1: "packed", 2: "packed", 3: "packed", 4: "packed", 5: "packed" };
const THREAD_SHAPE: Shapes = {
  ...{ 1: 0, 2: 2, 3: 0, 4: 0, 5: 0, 14: 0 },
  ...{ 10: "packed", 11: "packed", 12: "packed", 13: "packed" },
};
const SESSION_SHAPE: Shapes = {
  ...{ 1: 2, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0, 8: 2, 9: 2, 10: 2, 11: 2, 16: 2 },
  ...{ 17: FRAME_TABLE_SHAPE, 18: THREAD_SHAPE, 200: 5 },
};

/** Checks the fields of one message in buf[pos, end): every tag valid,
 * known fields of the right wire type, nothing running past `end`, groups
 * closed, packed arrays ending on a whole varint. Returns where a group
 * ended (when `group` is its field number) or `end`. */
function checkWire(buf: Uint8Array, pos: number, end: number, shapes: Shapes | null, group = 0): number {
  while (pos < end) {
    const tag = varint(buf, pos, end);
    pos = wirePos;
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 0) throw damaged(CORRUPT);
    if (wire === 4) {
      if (field !== group) throw damaged(CORRUPT);
      return pos;
    }
    const shape = shapes?.[field];
    if (shape === "packed") {
      if (wire !== 0 && wire !== 2) throw damaged(CORRUPT);
    } else if (typeof shape === "object") {
      if (wire !== 2) throw damaged(CORRUPT);
      const length = wireLength(buf, pos, end);
      pos = checkWire(buf, wirePos, wirePos + length, shape);
      continue;
    } else if (shape !== undefined && wire !== shape) {
      throw damaged(CORRUPT);
    }
    switch (wire) {
      case 0:
        varint(buf, pos, end);
        pos = wirePos;
        break;
      case 1:
      case 5: {
        const size = wire === 1 ? 8 : 4;
        if (size > end - pos) throw damaged(CORRUPT);
        pos += size;
        break;
      }
      case 2: {
        const length = wireLength(buf, pos, end);
        pos = wirePos + length;
        // A packed varint array ends where its last varint does.
        if (shape === "packed" && length > 0 && buf[pos - 1] >= 0x80) throw damaged(CORRUPT);
        break;
      }
      case 3:
        pos = checkWire(buf, pos, end, null, field);
        break;
      default:
        throw damaged(CORRUPT);
    }
  }
  if (group !== 0) throw damaged(CORRUPT);
  return pos;
}

// ---------------------------------------------------------------------------
// Decoding.

const utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** Peeks the format version that follows the header: a newer writer may
 * have changed the layout, and then "newer version" is the useful answer. */
function peekFormatVersion(bytes: Uint8Array): number {
  try {
    if (varint(bytes, HEADER.length, bytes.length) !== ((2 << 3) | 0)) throw new Error();
    return varint(bytes, wirePos, bytes.length);
  } catch {
    throw damaged("no format version after the magic");
  }
}

function checkFormatVersion(version: number): void {
  if (version === 0) throw damaged("format version 0");
  if (version > SESSION_FORMAT_VERSION) {
    throw new SessionFormatError(
      "newer",
      `libpyinstrument session format version ${version} is newer than this viewer reads ` +
        `(version ${SESSION_FORMAT_VERSION} and older); use a newer libpyinstrument to view it`,
    );
  }
}

/**
 * Decodes and validates a session from the bytes of a `.pb` file. Throws a
 * SessionFormatError whose message names the first problem found.
 */
export function decodeSession(bytes: Uint8Array): SessionData {
  if (bytes.length === 0) {
    throw new SessionFormatError("not-ours", "empty file, not a libpyinstrument session");
  }
  let ours = bytes.length >= HEADER.length;
  for (let i = 0; ours && i < HEADER.length; ++i) ours = bytes[i] === HEADER[i];
  if (!ours) {
    throw new SessionFormatError(
      "not-ours",
      "not a libpyinstrument session (it does not start with the session magic)",
    );
  }
  checkFormatVersion(peekFormatVersion(bytes));

  // The trailer before parsing, as the C++ reader does.
  const tagAt = bytes.length - TRAILER_SIZE;
  if (
    bytes.length < HEADER.length + TRAILER_SIZE ||
    bytes[tagAt] !== TRAILER_TAG[0] ||
    bytes[tagAt + 1] !== TRAILER_TAG[1]
  ) {
    throw damaged("truncated: the end-of-session checksum is missing");
  }
  const stored =
    (bytes[tagAt + 2] | (bytes[tagAt + 3] << 8) | (bytes[tagAt + 4] << 16) | (bytes[tagAt + 5] << 24)) >>> 0;
  if (crc32(bytes.subarray(0, tagAt)) !== stored) {
    throw damaged("checksum mismatch: the data was changed or damaged");
  }

  // Full parse. Scalars: last one wins; repeated fields and the FrameTable
  // submessage accumulate, as protobuf merges them.
  checkWire(bytes, 0, bytes.length, SESSION_SHAPE);
  let session;
  try {
    session = fromBinary(SessionSchema, bytes, { readUnknownFields: false });
  } catch (error) {
    if (error instanceof SessionFormatError) throw error;
    throw damaged(CORRUPT);
  }
  // A repeated field 1 or 2 later in the data would override the header.
  if (session.magic !== SESSION_MAGIC) throw damaged("magic overwritten");
  checkFormatVersion(session.formatVersion);

  // Strings, decoded once; invalid UTF-8 becomes U+FFFD rather than an error
  // (a host's path need not be UTF-8, and a save must always load).
  const table = session.strings.map((s) => utf8.decode(s));
  if (table.length === 0 || table[0] !== "") {
    throw damaged("string table must start with the empty string");
  }
  const intervalNs = Number(session.intervalNs);
  if (!(intervalNs > 0)) {
    throw damaged(`sampling interval must be positive, got ${intervalNs} ns`);
  }
  const durationNs = Number(session.durationNs);
  if (durationNs < 0) throw damaged("session duration is negative");
  const roots = session.libraryRoots.map((s) => utf8.decode(s));

  const frames = decodeFrames(session.frames, table, roots);
  const threads = session.threads.map((raw, t) => decodeThread(t, raw, frames.length));
  return {
    startTimeUnixNs: Number(session.startTimeUnixNs),
    durationNs,
    cpuTimeNs: Number(session.cpuTimeNs),
    intervalNs,
    clock: session.clock,
    targetDescription: utf8.decode(session.targetDescription),
    program: utf8.decode(session.program),
    libraryVersion: utf8.decode(session.libraryVersion),
    libraryRoots: roots,
    frames,
    threads,
  };
}

function decodeFrames(raw: FrameTable | undefined, table: string[], roots: string[]): FrameInfo[] {
  const fn = raw?.function ?? [];
  const file = raw?.file ?? [];
  const line = raw?.line ?? [];
  const module = raw?.module ?? [];
  const flags = raw?.flags ?? [];
  const count = fn.length;
  if (file.length !== count || line.length !== count || module.length !== count || flags.length !== count) {
    throw damaged(
      `frame table columns differ in length (${count} functions, ${file.length} files, ` +
        `${line.length} lines, ${module.length} modules, ${flags.length} flags)`,
    );
  }
  const frames: FrameInfo[] = new Array<FrameInfo>(count);
  for (let i = 0; i < count; ++i) {
    if (fn[i] >= table.length || file[i] >= table.length || module[i] >= table.length) {
      throw damaged(
        `frame ${i} names string ${Math.max(fn[i], file[i], module[i])} ` +
          `but the string table has ${table.length} entries`,
      );
    }
    const path = table[file[i]];
    frames[i] = {
      function: table[fn[i]],
      file: path,
      line: line[i],
      module: table[module[i]],
      flags: flags[i],
      isLibrary: isLibraryFile(path, roots),
      library: libraryNameOfFile(path, roots),
    };
  }
  return frames;
}

function decodeThread(t: number, raw: Thread, frameCount: number): ThreadData {
  const stored = raw.nodeParentDelta.length;
  if (raw.nodeFrame.length !== stored) {
    throw damaged(`thread ${t}: stack trie has ${stored} parents but ${raw.nodeFrame.length} frames`);
  }
  const nodeParent = new Uint32Array(stored + 1);
  const nodeFrame = new Uint32Array(stored + 1);
  const deltas = raw.nodeParentDelta;
  const frameOf = raw.nodeFrame;
  for (let k = 0; k < stored; ++k) {
    const n = k + 1;
    const delta = deltas[k];
    if (delta === 0 || delta > n) {
      throw damaged(`thread ${t}: stack node ${n} has parent delta ${delta}, outside 1..${n}`);
    }
    if (frameOf[k] >= frameCount) {
      throw damaged(
        `thread ${t}: stack node ${n} names frame ${frameOf[k]} but the frame table has ${frameCount} entries`,
      );
    }
    nodeParent[n] = n - delta;
    nodeFrame[n] = frameOf[k];
  }

  const samples = raw.sampleNodeDelta.length;
  if (raw.sampleDurationDeltaNs.length !== samples) {
    throw damaged(
      `thread ${t}: ${samples} sample stacks but ${raw.sampleDurationDeltaNs.length} sample durations`,
    );
  }
  const unitNs = Number(raw.durationUnitNs);
  const unit = unitNs === 0 ? 1 : unitNs;
  const sampleNodes = new Uint32Array(samples);
  const sampleDurationsNs = new Float64Array(samples);
  // sint32 deltas, added modulo 2^32.
  const nodeDeltas = raw.sampleNodeDelta;
  const durationDeltas = raw.sampleDurationDeltaNs;
  const nodeCount = stored + 1;
  // Every time the views compute is at most start offset + the sum of the
  // durations; keeping that within 2^53 keeps all of them exact integers
  // (C++ checks the same sum against int64).
  const limit = Number.MAX_SAFE_INTEGER;
  let node = 0;
  let duration = 0;
  const startOffsetNs = Number(raw.startOffsetNs);
  let endNs = Math.max(startOffsetNs, 0);
  for (let s = 0; s < samples; ++s) {
    // Wraps modulo 2^32, mirroring the writer.
    node = (node + nodeDeltas[s]) >>> 0;
    if (node >= nodeCount) {
      throw damaged(
        `thread ${t}: sample ${s} decodes to stack node ${node} but the trie has ${nodeCount} nodes`,
      );
    }
    duration += Number(durationDeltas[s]);
    if (!Number.isSafeInteger(duration)) {
      throw damaged(`thread ${t}: sample ${s} duration delta overflows`);
    }
    if (duration < 0) {
      throw damaged(
        `thread ${t}: sample ${s} decodes to a negative duration (${duration} units of ${unit} ns)`,
      );
    }
    const durationNs = duration * unit;
    endNs += durationNs;
    if (endNs > limit) {
      throw damaged(`thread ${t}: sample ${s} ends past the largest representable time`);
    }
    sampleNodes[s] = node;
    sampleDurationsNs[s] = durationNs;
  }
  return {
    // Exact: a uint64 id need not fit in 2^53.
    id: raw.id.toString(),
    name: utf8.decode(raw.name),
    startOffsetNs,
    nodeParent,
    nodeFrame,
    sampleNodes,
    sampleDurationsNs,
    droppedSamples: Number(raw.droppedSamples),
    unbalancedExits: Number(raw.unbalancedExits),
  };
}

// ---------------------------------------------------------------------------
// Base64, for sessions embedded in the report page.

const BASE64_VALUES = (() => {
  // 255: not a base64 character; 254: whitespace, skipped.
  const table = new Uint8Array(128).fill(255);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (let i = 0; i < alphabet.length; ++i) table[alphabet.charCodeAt(i)] = i;
  // The URL-safe alphabet too: cheap to accept, and a converter may use it.
  table["-".charCodeAt(0)] = 62;
  table["_".charCodeAt(0)] = 63;
  for (const c of " \t\r\n\f") table[c.charCodeAt(0)] = 254;
  return table;
})();

/**
 * Decodes standard (or URL-safe) base64, ignoring whitespace; '=' padding
 * is optional but must only come at the end. One pass over the text with a
 * lookup table, no intermediate binary string (atob), so multi-MB payloads
 * decode in milliseconds. Throws an Error naming the offset of a bad
 * character.
 */
export function decodeBase64(text: string): Uint8Array {
  const out = new Uint8Array(Math.floor((text.length * 3) / 4) + 3);
  let length = 0;
  let bits = 0; // accumulated 6-bit groups
  let groups = 0;
  let i = 0;
  const n = text.length;
  for (; i < n; ++i) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? BASE64_VALUES[c] : 255;
    if (v < 64) {
      bits = (bits << 6) | v;
      if (++groups === 4) {
        out[length++] = bits >>> 16;
        out[length++] = (bits >>> 8) & 0xff;
        out[length++] = bits & 0xff;
        bits = 0;
        groups = 0;
      }
    } else if (v === 254) {
      continue;
    } else if (c === 61 /* '=' */) {
      break;
    } else {
      throw new Error(`invalid base64: unexpected character at offset ${i}`);
    }
  }
  // After '=': only more '=' and whitespace.
  for (; i < n; ++i) {
    const c = text.charCodeAt(i);
    if (c !== 61 && !(c < 128 && BASE64_VALUES[c] === 254)) {
      throw new Error(`invalid base64: data after padding at offset ${i}`);
    }
  }
  if (groups === 1) throw new Error("invalid base64: truncated (a lone trailing character)");
  if (groups === 2) out[length++] = bits >>> 4;
  else if (groups === 3) {
    out[length++] = bits >>> 10;
    out[length++] = (bits >>> 2) & 0xff;
  }
  return out.subarray(0, length);
}
