// Reading a libpyinstrument session (`.pb`, proto/pyinstrument/session.proto)
// into SessionData; the TypeScript twin of lib/session/session_io.cc's
// ParseSession, with the same checks (the end_crc32 trailer included) and
// the same three kinds of failure:
//
//   * not ours (empty, another format)       -> SessionFormatError "not-ours"
//   * ours but damaged (truncated, bad index) -> SessionFormatError "damaged"
//   * ours, from a newer format version       -> SessionFormatError "newer"
//
// The wire format is read by hand rather than through the generated
// protobuf-es classes: those turn every sint64 sample delta into a BigInt,
// which for a million samples costs more than the rest of the page's
// start-up. The message is small and fixed (see the .proto), and the tests
// cross-check this reader against protobuf-es encodings.
//
// Nothing in the input is trusted: every length, index and delta is checked
// before use, and memory is proportional to the input's size.

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
const TWO_32 = 4294967296;

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
// A minimal protobuf wire reader. Varints are read as two 32-bit halves so
// that 64-bit values neither go through BigInt nor lose their low bits.

class Reader {
  pos: number;
  // Halves of the last varint read by varint64().
  lo = 0;
  hi = 0;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    /** Exclusive end; narrowed while a packed field is read. */
    public end: number,
  ) {
    this.pos = start;
  }

  /** Reads a varint of up to 10 bytes into lo/hi. */
  varint64(): void {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    let b = 0;
    // Low 28 bits from the first 4 bytes.
    for (; shift < 28; shift += 7) {
      if (this.pos >= this.end) throw damaged("truncated or corrupt protobuf data");
      b = buf[this.pos++];
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.lo = lo >>> 0;
        this.hi = 0;
        return;
      }
    }
    // Fifth byte: 4 bits to lo, 3 bits to hi.
    if (this.pos >= this.end) throw damaged("truncated or corrupt protobuf data");
    b = buf[this.pos++];
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      for (shift = 3; ; shift += 7) {
        if (shift > 31) throw damaged("truncated or corrupt protobuf data");
        if (this.pos >= this.end) throw damaged("truncated or corrupt protobuf data");
        b = buf[this.pos++];
        if (shift < 32) hi |= (b & 0x7f) << shift;
        if (b < 0x80) break;
      }
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** A varint truncated to its low 32 bits, as protobuf reads uint32. */
  uint32(): number {
    const buf = this.buf;
    // Fast path: one byte, the common case for deltas and indices.
    if (this.pos < this.end && buf[this.pos] < 0x80) return buf[this.pos++];
    this.varint64();
    return this.lo;
  }

  /** int64 as a number (exact within +-2^53). */
  int64(): number {
    this.varint64();
    return toSigned(this.lo, this.hi);
  }

  /** uint64 as a number (exact up to 2^53). */
  uint64(): number {
    this.varint64();
    return this.hi * TWO_32 + this.lo;
  }

  /** sint64 (zigzag) as a number; exact within +-2^53. */
  sint64(): number {
    const buf = this.buf;
    if (this.pos < this.end && buf[this.pos] < 0x80) {
      const n = buf[this.pos++];
      return n & 1 ? -((n + 1) / 2) : n / 2;
    }
    this.varint64();
    return zigzag64(this.lo, this.hi);
  }

  /** Length of a length-delimited field, checked against the end. */
  length(): number {
    this.varint64();
    const length = this.hi * TWO_32 + this.lo;
    if (length > this.end - this.pos) throw damaged("truncated or corrupt protobuf data");
    return length;
  }

  bytes(): Uint8Array {
    const length = this.length();
    const start = this.pos;
    this.pos += length;
    return this.buf.subarray(start, start + length);
  }

  /** Skips a field of `wireType` (after its tag), groups included. */
  skip(wireType: number, fieldNumber: number): void {
    switch (wireType) {
      case 0:
        this.varint64();
        return;
      case 1:
        this.advance(8);
        return;
      case 2: {
        // Not `this.pos += this.length()`: that reads pos before length()
        // moves it past the length prefix.
        const length = this.length();
        this.pos += length;
        return;
      }
      case 5:
        this.advance(4);
        return;
      case 3: {
        // A group: skip fields until the matching end-group tag.
        for (;;) {
          if (this.pos >= this.end) throw damaged("truncated or corrupt protobuf data");
          const tag = this.uint32();
          const type = tag & 7;
          const number = tag >>> 3;
          if (type === 4) {
            if (number !== fieldNumber) throw damaged("truncated or corrupt protobuf data");
            return;
          }
          if (number === 0) throw damaged("truncated or corrupt protobuf data");
          this.skip(type, number);
        }
      }
      default:
        throw damaged("truncated or corrupt protobuf data");
    }
  }

  private advance(n: number): void {
    if (n > this.end - this.pos) throw damaged("truncated or corrupt protobuf data");
    this.pos += n;
  }
}

/** Two's-complement 64-bit halves as a number. */
function toSigned(lo: number, hi: number): number {
  if (hi & 0x80000000) {
    // -(~value + 1), computed on the halves.
    const nlo = (~lo >>> 0) + 1;
    const nhi = ~hi >>> 0;
    return -(nhi * TWO_32 + nlo);
  }
  return hi * TWO_32 + lo;
}

function zigzag64(lo: number, hi: number): number {
  const negative = lo & 1;
  // value = n >>> 1, on the halves.
  let vlo = ((lo >>> 1) | (hi << 31)) >>> 0;
  let vhi = hi >>> 1;
  if (negative) {
    // -(value + 1) = ~value as two's complement.
    vlo = ~vlo >>> 0;
    vhi = ~vhi >>> 0;
  }
  return toSigned(vlo, vhi);
}

/** Calls `read` once per element of a repeated varint field, packed or not. */
function readRepeated(reader: Reader, wireType: number, read: () => void): void {
  if (wireType === 2) {
    const length = reader.length();
    const end = reader.pos + length;
    const outer = reader.end;
    // Narrow the reader's end so element reads cannot run past the field.
    reader.end = end;
    try {
      while (reader.pos < end) read();
    } finally {
      reader.end = outer;
    }
    if (reader.pos !== end) throw damaged("truncated or corrupt protobuf data");
  } else if (wireType === 0) {
    read();
  } else {
    throw damaged("truncated or corrupt protobuf data");
  }
}

/** Growable number column; typed arrays for the big ones. */
class Column<T extends Uint32Array | Int32Array | Float64Array> {
  data: T;
  length = 0;
  constructor(private readonly make: (n: number) => T) {
    this.data = make(16);
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  /** Reserves room for `more` values (packed arrays have at most one
   * element per byte). */
  reserve(more: number): void {
    const need = this.length + more;
    if (need <= this.data.length) return;
    const bigger = this.make(Math.max(need, this.data.length * 2));
    bigger.set(this.data.subarray(0, this.length));
    this.data = bigger;
  }
}

const u32 = (n: number): Uint32Array => new Uint32Array(n);
const f64 = (n: number): Float64Array => new Float64Array(n);
const i32 = (n: number): Int32Array => new Int32Array(n);

// ---------------------------------------------------------------------------
// Messages as they are on the wire, before checks.

interface RawThread {
  id: string;
  name: Uint8Array;
  startOffsetNs: number;
  droppedSamples: number;
  unbalancedExits: number;
  nodeParentDelta: Column<Uint32Array>;
  nodeFrame: Column<Uint32Array>;
  // sint32 deltas kept as int32 bit patterns; they are added modulo 2^32.
  sampleNodeDelta: Column<Int32Array>;
  sampleDurationDelta: Column<Float64Array>;
  durationUnitNs: number;
}

interface RawFrames {
  function: Column<Uint32Array>;
  file: Column<Uint32Array>;
  line: Column<Uint32Array>;
  module: Column<Uint32Array>;
  flags: Column<Uint32Array>;
}

const EMPTY = new Uint8Array(0);

function readThread(reader: Reader, end: number): RawThread {
  const thread: RawThread = {
    id: "0",
    name: EMPTY,
    startOffsetNs: 0,
    droppedSamples: 0,
    unbalancedExits: 0,
    nodeParentDelta: new Column(u32),
    nodeFrame: new Column(u32),
    sampleNodeDelta: new Column(i32),
    sampleDurationDelta: new Column(f64),
    durationUnitNs: 0,
  };
  const r = new Reader(reader.buf, reader.pos, end);
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    switch (field) {
      case 1:
        expectWire(wire, 0);
        r.varint64();
        thread.id = (BigInt(r.hi) * 4294967296n + BigInt(r.lo)).toString();
        break;
      case 2:
        expectWire(wire, 2);
        thread.name = r.bytes();
        break;
      case 3:
        expectWire(wire, 0);
        thread.startOffsetNs = r.int64();
        break;
      case 4:
        expectWire(wire, 0);
        thread.droppedSamples = r.uint64();
        break;
      case 5:
        expectWire(wire, 0);
        thread.unbalancedExits = r.uint64();
        break;
      case 10:
        thread.nodeParentDelta.reserve(packedBound(r, wire));
        readRepeated(r, wire, () => thread.nodeParentDelta.push(r.uint32()));
        break;
      case 11:
        thread.nodeFrame.reserve(packedBound(r, wire));
        readRepeated(r, wire, () => thread.nodeFrame.push(r.uint32()));
        break;
      case 12:
        thread.sampleNodeDelta.reserve(packedBound(r, wire));
        // sint32: zigzag on the low 32 bits.
        readRepeated(r, wire, () => {
          const n = r.uint32();
          thread.sampleNodeDelta.push((n >>> 1) ^ -(n & 1));
        });
        break;
      case 13:
        thread.sampleDurationDelta.reserve(packedBound(r, wire));
        readRepeated(r, wire, () => thread.sampleDurationDelta.push(r.sint64()));
        break;
      case 14:
        expectWire(wire, 0);
        thread.durationUnitNs = r.uint64();
        break;
      default:
        if (field === 0) throw damaged("truncated or corrupt protobuf data");
        r.skip(wire, field);
    }
  }
  if (r.pos !== end) throw damaged("truncated or corrupt protobuf data");
  reader.pos = end;
  return thread;
}

/** Upper bound of the elements in a packed field about to be read: at most
 * one per byte. Peeks at the length without consuming it. */
function packedBound(r: Reader, wire: number): number {
  if (wire !== 2) return 1;
  const save = r.pos;
  const length = r.length();
  r.pos = save;
  return length;
}

function expectWire(actual: number, expected: number): void {
  // A field with the wrong wire type is a parse failure in protobuf.
  if (actual !== expected) throw damaged("truncated or corrupt protobuf data");
}

function readFrames(reader: Reader, end: number, frames: RawFrames): void {
  const r = new Reader(reader.buf, reader.pos, end);
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    const column =
      field === 1
        ? frames.function
        : field === 2
          ? frames.file
          : field === 3
            ? frames.line
            : field === 4
              ? frames.module
              : field === 5
                ? frames.flags
                : null;
    if (column === null) {
      if (field === 0) throw damaged("truncated or corrupt protobuf data");
      r.skip(wire, field);
      continue;
    }
    column.reserve(packedBound(r, wire));
    readRepeated(r, wire, () => column.push(r.uint32()));
  }
  reader.pos = end;
}

// ---------------------------------------------------------------------------
// Decoding.

const utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** Peeks the format version that follows the header: a newer writer may
 * have changed the layout, and then "newer version" is the useful answer. */
function peekFormatVersion(bytes: Uint8Array): number {
  const r = new Reader(bytes, HEADER.length, bytes.length);
  try {
    if (r.uint32() !== ((2 << 3) | 0)) throw new Error();
    return r.uint32();
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
  let magic: Uint8Array = EMPTY;
  let version = 0;
  let startTimeUnixNs = 0;
  let durationNs = 0;
  let cpuTimeNs = 0;
  let intervalNs = 0;
  let clock = 0;
  let targetDescription: Uint8Array = EMPTY;
  let program: Uint8Array = EMPTY;
  let libraryVersion: Uint8Array = EMPTY;
  const libraryRoots: Uint8Array[] = [];
  const strings: Uint8Array[] = [];
  const rawFrames: RawFrames = {
    function: new Column(u32),
    file: new Column(u32),
    line: new Column(u32),
    module: new Column(u32),
    flags: new Column(u32),
  };
  const rawThreads: RawThread[] = [];

  const r = new Reader(bytes, 0, bytes.length);
  while (r.pos < bytes.length) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    switch (field) {
      case 1:
        expectWire(wire, 2);
        magic = r.bytes();
        break;
      case 2:
        expectWire(wire, 0);
        version = r.uint32();
        break;
      case 3:
        expectWire(wire, 0);
        startTimeUnixNs = r.int64();
        break;
      case 4:
        expectWire(wire, 0);
        durationNs = r.int64();
        break;
      case 5:
        expectWire(wire, 0);
        cpuTimeNs = r.int64();
        break;
      case 6:
        expectWire(wire, 0);
        intervalNs = r.int64();
        break;
      case 7:
        expectWire(wire, 0);
        clock = r.uint32();
        break;
      case 8:
        expectWire(wire, 2);
        targetDescription = r.bytes();
        break;
      case 9:
        expectWire(wire, 2);
        program = r.bytes();
        break;
      case 10:
        expectWire(wire, 2);
        libraryVersion = r.bytes();
        break;
      case 11:
        expectWire(wire, 2);
        libraryRoots.push(r.bytes());
        break;
      case 16:
        expectWire(wire, 2);
        strings.push(r.bytes());
        break;
      case 17: {
        expectWire(wire, 2);
        const length = r.length();
        readFrames(r, r.pos + length, rawFrames);
        break;
      }
      case 18: {
        expectWire(wire, 2);
        const length = r.length();
        rawThreads.push(readThread(r, r.pos + length));
        break;
      }
      default:
        if (field === 0) throw damaged("truncated or corrupt protobuf data");
        r.skip(wire, field);
    }
  }
  // A repeated field 1 or 2 later in the data would override the header.
  if (utf8.decode(magic) !== SESSION_MAGIC) throw damaged("magic overwritten");
  checkFormatVersion(version);

  // Strings, decoded once; invalid UTF-8 becomes U+FFFD rather than an error
  // (a host's path need not be UTF-8, and a save must always load).
  const table = strings.map((s) => utf8.decode(s));
  if (table.length === 0 || table[0] !== "") {
    throw damaged("string table must start with the empty string");
  }
  if (!(intervalNs > 0)) {
    throw damaged(`sampling interval must be positive, got ${intervalNs} ns`);
  }
  if (durationNs < 0) throw damaged("session duration is negative");
  const roots = libraryRoots.map((s) => utf8.decode(s));

  const frames = decodeFrames(rawFrames, table, roots);
  const threads = rawThreads.map((raw, t) => decodeThread(t, raw, frames.length));
  return {
    startTimeUnixNs,
    durationNs,
    cpuTimeNs,
    intervalNs,
    clock,
    targetDescription: utf8.decode(targetDescription),
    program: utf8.decode(program),
    libraryVersion: utf8.decode(libraryVersion),
    libraryRoots: roots,
    frames,
    threads,
  };
}

function decodeFrames(raw: RawFrames, table: string[], roots: string[]): FrameInfo[] {
  const count = raw.function.length;
  if (
    raw.file.length !== count ||
    raw.line.length !== count ||
    raw.module.length !== count ||
    raw.flags.length !== count
  ) {
    throw damaged(
      `frame table columns differ in length (${count} functions, ${raw.file.length} files, ` +
        `${raw.line.length} lines, ${raw.module.length} modules, ${raw.flags.length} flags)`,
    );
  }
  const frames: FrameInfo[] = new Array<FrameInfo>(count);
  const fn = raw.function.data;
  const file = raw.file.data;
  const module = raw.module.data;
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
      line: raw.line.data[i],
      module: table[module[i]],
      flags: raw.flags.data[i],
      isLibrary: isLibraryFile(path, roots),
      library: libraryNameOfFile(path, roots),
    };
  }
  return frames;
}

function decodeThread(t: number, raw: RawThread, frameCount: number): ThreadData {
  const stored = raw.nodeParentDelta.length;
  if (raw.nodeFrame.length !== stored) {
    throw damaged(`thread ${t}: stack trie has ${stored} parents but ${raw.nodeFrame.length} frames`);
  }
  const nodeParent = new Uint32Array(stored + 1);
  const nodeFrame = new Uint32Array(stored + 1);
  const deltas = raw.nodeParentDelta.data;
  const frameOf = raw.nodeFrame.data;
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
  if (raw.sampleDurationDelta.length !== samples) {
    throw damaged(
      `thread ${t}: ${samples} sample stacks but ${raw.sampleDurationDelta.length} sample durations`,
    );
  }
  const unit = raw.durationUnitNs === 0 ? 1 : raw.durationUnitNs;
  const sampleNodes = new Uint32Array(samples);
  const sampleDurationsNs = new Float64Array(samples);
  const nodeDeltas = raw.sampleNodeDelta.data;
  const durationDeltas = raw.sampleDurationDelta.data;
  const nodeCount = stored + 1;
  // Every time the views compute is at most start offset + the sum of the
  // durations; keeping that within 2^53 keeps all of them exact integers
  // (C++ checks the same sum against int64).
  const limit = Number.MAX_SAFE_INTEGER;
  let node = 0;
  let duration = 0;
  let endNs = Math.max(raw.startOffsetNs, 0);
  for (let s = 0; s < samples; ++s) {
    // Wraps modulo 2^32, mirroring the writer.
    node = (node + nodeDeltas[s]) >>> 0;
    if (node >= nodeCount) {
      throw damaged(
        `thread ${t}: sample ${s} decodes to stack node ${node} but the trie has ${nodeCount} nodes`,
      );
    }
    duration += durationDeltas[s];
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
    id: raw.id,
    name: utf8.decode(raw.name),
    startOffsetNs: raw.startOffsetNs,
    nodeParent,
    nodeFrame,
    sampleNodes,
    sampleDurationsNs,
    droppedSamples: raw.droppedSamples,
    unbalancedExits: raw.unbalancedExits,
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
