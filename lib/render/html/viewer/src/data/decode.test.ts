/// <reference types="node" />
// decodeSession against the generated protobuf-es encoder (an independent
// writer of the same format), the C++ writer's fixtures (copied from
// tests/fuzz/corpus/session_pb/), and broken input of every kind.

import { readFileSync } from "node:fs";
import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { describe, expect, it } from "vitest";
import { SessionSchema } from "../gen/pyinstrument/session_pb";
import { crc32, decodeBase64, decodeSession, SessionFormatError } from "./decode";

const fixture = (name: string): Uint8Array =>
  new Uint8Array(readFileSync(new URL(`./testdata/${name}`, import.meta.url)));

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Appends the end_crc32 trailer the C++ writer appends. */
function withTrailer(body: Uint8Array): Uint8Array {
  const crc = crc32(body);
  const out = new Uint8Array(body.length + 6);
  out.set(body);
  out.set([0xc5, 0x0c, crc & 0xff, (crc >>> 8) & 0xff, (crc >>> 16) & 0xff, crc >>> 24], body.length);
  return out;
}

type SessionInit = MessageInitShape<typeof SessionSchema>;

/** A small valid session: two frames, one thread, three samples. */
function baseInit(): SessionInit {
  return {
    magic: "libpyinstrument.session",
    formatVersion: 1,
    startTimeUnixNs: 1_700_000_000_000_000_000n,
    durationNs: 3_000_000n,
    cpuTimeNs: 2_500_000n,
    intervalNs: 1_000_000n,
    clock: 1,
    targetDescription: text("target"),
    program: text("./app --flag"),
    libraryVersion: text("0.1.0"),
    libraryRoots: [text("/usr/lib/")],
    strings: ["", "main", "/app/main.c", "memcpy", "/usr/lib/x86_64/libc.so.6", "Mod"].map(text),
    frames: { function: [1, 3], file: [2, 4], line: [10, 0], module: [5, 0], flags: [0, 2] },
    threads: [
      {
        id: 42n,
        name: text("main"),
        startOffsetNs: 500n,
        droppedSamples: 3n,
        unbalancedExits: 1n,
        nodeParentDelta: [1, 1],
        nodeFrame: [0, 1],
        sampleNodeDelta: [1, 1, -2],
        sampleDurationDeltaNs: [1_000_000n, 0n, 500_000n],
      },
    ],
  };
}

function encode(init: SessionInit): Uint8Array {
  return withTrailer(toBinary(SessionSchema, create(SessionSchema, init)));
}

function expectFormatError(bytes: Uint8Array, kind: string, message: string | RegExp): void {
  let caught: unknown = null;
  try {
    decodeSession(bytes);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SessionFormatError);
  const error = caught as SessionFormatError;
  expect(error.kind).toBe(kind);
  if (typeof message === "string") expect(error.message).toBe(message);
  else expect(error.message).toMatch(message);
}

describe("decodeSession", () => {
  it("decodes a protobuf-es encoded session exactly", () => {
    const session = decodeSession(encode(baseInit()));
    expect(session.startTimeUnixNs).toBe(1_700_000_000_000_000_000);
    expect(session.durationNs).toBe(3_000_000);
    expect(session.cpuTimeNs).toBe(2_500_000);
    expect(session.intervalNs).toBe(1_000_000);
    expect(session.clock).toBe(1);
    expect(session.targetDescription).toBe("target");
    expect(session.program).toBe("./app --flag");
    expect(session.libraryVersion).toBe("0.1.0");
    expect(session.libraryRoots).toEqual(["/usr/lib/"]);
    expect(session.frames).toEqual([
      { function: "main", file: "/app/main.c", line: 10, module: "Mod", flags: 0, isLibrary: false, library: "" },
      {
        function: "memcpy",
        file: "/usr/lib/x86_64/libc.so.6",
        line: 0,
        module: "",
        flags: 2,
        isLibrary: true,
        library: "x86_64",
      },
    ]);
    expect(session.threads).toHaveLength(1);
    const thread = session.threads[0];
    expect(thread.id).toBe("42");
    expect(thread.name).toBe("main");
    expect(thread.startOffsetNs).toBe(500);
    expect(thread.droppedSamples).toBe(3);
    expect(thread.unbalancedExits).toBe(1);
    expect([...thread.nodeParent]).toEqual([0, 0, 1]);
    expect([...thread.nodeFrame]).toEqual([0, 0, 1]);
    expect([...thread.sampleNodes]).toEqual([1, 2, 0]);
    expect([...thread.sampleDurationsNs]).toEqual([1_000_000, 1_000_000, 1_500_000]);
  });

  it("reads the C++ writer's fixtures", () => {
    const minimal = decodeSession(fixture("minimal.pb"));
    expect(minimal.intervalNs).toBe(1_000_000);
    expect(minimal.frames).toEqual([]);
    expect(minimal.threads).toEqual([]);

    const nested = decodeSession(fixture("nested_two_threads.pb"));
    expect(nested.targetDescription).toBe("seed");
    expect(nested.frames.map((f) => f.function)).toEqual(["main", "work", "memcpy"]);
    expect(nested.frames[2]).toMatchObject({ file: "/usr/lib/libc.so.6", flags: 1, isLibrary: true, library: "lib" });
    expect(nested.threads.map((t) => [t.id, t.name, t.startOffsetNs])).toEqual([
      ["1", "main", 0],
      ["2", "worker", 1000],
    ]);
    expect([...nested.threads[0].sampleNodes]).toEqual([1, 2, 3, 2, 0]);
    expect([...nested.threads[0].sampleDurationsNs]).toEqual([1e6, 1e6, 2e6, 1e6, 1e6]);
    // duration_unit_ns 1000: stored units are scaled back to ns.
    expect([...nested.threads[1].sampleDurationsNs]).toEqual([3000, 3000]);
    expect([...nested.threads[1].nodeParent]).toEqual([0, 0, 0]);

    const recursion = decodeSession(fixture("recursion.pb"));
    expect([...recursion.threads[0].sampleNodes]).toEqual([6, 5, 4, 6, 0, 3]);
    expect([...recursion.threads[0].sampleDurationsNs]).toEqual([5, 6, 4, 4, 11, 8]);
  });

  it("round-trips many samples with large and negative deltas", () => {
    const init = baseInit();
    const nodes = 200;
    const parentDelta: number[] = [];
    const nodeFrame: number[] = [];
    for (let n = 1; n <= nodes; ++n) {
      parentDelta.push(1 + ((n * 7919) % n));
      nodeFrame.push(n % 2);
    }
    const expectedNodes: number[] = [];
    const expectedDurations: number[] = [];
    const nodeDeltas: number[] = [];
    const durationDeltas: bigint[] = [];
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    let previousNode = 0;
    let previousDuration = 0;
    for (let i = 0; i < 20000; ++i) {
      const node = Math.floor(random() * (nodes + 1));
      // Durations up to 2^40 ns so deltas need multi-byte and 64-bit varints.
      const duration = i % 1000 === 0 ? 2 ** 40 : Math.floor(random() * 3_000_000);
      nodeDeltas.push(node - previousNode);
      durationDeltas.push(BigInt(duration - previousDuration));
      expectedNodes.push(node);
      expectedDurations.push(duration);
      previousNode = node;
      previousDuration = duration;
    }
    init.threads = [
      {
        id: 18446744073709551615n,
        name: text("big"),
        nodeParentDelta: parentDelta,
        nodeFrame,
        sampleNodeDelta: nodeDeltas,
        sampleDurationDeltaNs: durationDeltas,
      },
    ];
    const thread = decodeSession(encode(init)).threads[0];
    expect(thread.id).toBe("18446744073709551615");
    expect(thread.nodeParent.length).toBe(nodes + 1);
    expect([...thread.sampleNodes]).toEqual(expectedNodes);
    expect([...thread.sampleDurationsNs]).toEqual(expectedDurations);
  });

  it("accepts unpacked repeated fields and wrapping node deltas", () => {
    // protobuf parsers accept both encodings of repeated scalars; write the
    // thread by hand, element by element.
    const thread = new BinaryWriter();
    thread.tag(1, 0).uint64(9);
    thread.tag(10, 0).uint32(1);
    thread.tag(11, 0).uint32(0);
    // Node 1, then a delta of -1 written as sint32 to go back to 0, then +1.
    for (const delta of [1, -1, 1]) thread.tag(12, 0).sint32(delta);
    for (const delta of [7n, 0n, 1n]) thread.tag(13, 0).sint64(delta);
    const frames = new BinaryWriter();
    for (const field of [1, 2, 3, 4, 5]) frames.tag(field, 0).uint32(field === 3 ? 5 : 0);
    const session = new BinaryWriter();
    session.tag(1, 2).string("libpyinstrument.session");
    session.tag(2, 0).uint32(1);
    session.tag(6, 0).int64(1000);
    session.tag(16, 2).bytes(new Uint8Array(0));
    session.tag(17, 2).bytes(frames.finish());
    session.tag(18, 2).bytes(thread.finish());
    // An unknown field of each wire type is skipped.
    session.tag(150, 0).uint32(5);
    session.tag(151, 1).fixed64(5);
    session.tag(152, 5).fixed32(5);
    session.tag(153, 2).string("later");
    const decoded = decodeSession(withTrailer(session.finish()));
    expect(decoded.frames).toHaveLength(1);
    expect(decoded.frames[0].line).toBe(5);
    expect(decoded.threads[0].id).toBe("9");
    expect([...decoded.threads[0].sampleNodes]).toEqual([1, 0, 1]);
    expect([...decoded.threads[0].sampleDurationsNs]).toEqual([7, 7, 8]);
  });

  it("replaces invalid UTF-8 instead of failing", () => {
    const init = baseInit();
    init.strings = [new Uint8Array(0), new Uint8Array([0x66, 0xff, 0x6f]), text("/a.c"), text("x"), text("y"), text("z")];
    init.threads = [];
    const session = decodeSession(encode(init));
    expect(session.frames[0].function).toBe("f\ufffdo");
  });
});

describe("decodeSession errors", () => {
  it("tells empty and foreign files apart from damaged ones", () => {
    expectFormatError(new Uint8Array(0), "not-ours", "empty file, not a libpyinstrument session");
    expectFormatError(text('{"traceEvents": []}'), "not-ours", /does not start with the session magic/);
    expectFormatError(new Uint8Array([0x1f, 0x8b, 8, 0]), "not-ours", /does not start/);
    expectFormatError(text("libpyinstrument.session"), "not-ours", /does not start/);
  });

  it("refuses newer format versions before parsing the rest", () => {
    const init = baseInit();
    init.formatVersion = 2;
    expectFormatError(encode(init), "newer", /format version 2 is newer than this viewer reads/);
    init.formatVersion = 0;
    // proto3 drops a 0, so nothing follows the magic.
    expectFormatError(encode(init), "damaged", "damaged libpyinstrument session: no format version after the magic");
  });

  it("rejects every truncation and a changed byte", () => {
    const bytes = encode(baseInit());
    for (let length = 1; length < bytes.length; ++length) {
      expect(() => decodeSession(bytes.subarray(0, length)), `length ${length}`).toThrow(SessionFormatError);
    }
    expectFormatError(bytes.subarray(0, bytes.length - 6), "damaged", /end-of-session checksum is missing/);
    const changed = bytes.slice();
    changed[40] ^= 1;
    expectFormatError(changed, "damaged", /checksum mismatch/);
  });

  it("reports corrupt protobuf data behind a valid checksum", () => {
    const body = toBinary(SessionSchema, create(SessionSchema, baseInit()));
    // A length prefix running past the end.
    const broken = new Uint8Array([...body, 0x82, 0x01, 0x7f]);
    expectFormatError(withTrailer(broken), "damaged", /truncated or corrupt protobuf data/);
    // An end-group tag with no group.
    expectFormatError(withTrailer(new Uint8Array([...body, 0x0c])), "damaged", /truncated or corrupt/);
    // A thread whose last field (id, a two-byte varint) runs past the
    // thread's length prefix.
    expectFormatError(withTrailer(new Uint8Array([...body, 0x92, 0x01, 0x02, 0x08, 0x96, 0x01])), "damaged", /truncated or corrupt/);
    // A known field with the wrong wire type: dropped_samples (a varint) as
    // length-delimited bytes that themselves look like a field.
    expectFormatError(withTrailer(new Uint8Array([...body, 0x92, 0x01, 0x04, 0x22, 0x02, 0x08, 0x07])), "damaged", /truncated or corrupt/);
    // A packed array whose last varint is cut by its length prefix.
    expectFormatError(withTrailer(new Uint8Array([...body, 0x92, 0x01, 0x03, 0x6a, 0x01, 0x80])), "damaged", /truncated or corrupt/);
    // Field 1 again: the magic is overwritten.
    const again = new Uint8Array([...body, 0x0a, 0x01, 0x78]);
    expectFormatError(withTrailer(again), "damaged", /magic overwritten/);
  });

  const invalid: Array<[string, (init: SessionInit) => void, RegExp]> = [
    ["string table without ''", (s) => (s.strings = [text("x")]), /string table must start with the empty string/],
    ["zero interval", (s) => (s.intervalNs = 0n), /sampling interval must be positive, got 0 ns/],
    ["negative duration", (s) => (s.durationNs = -1n), /session duration is negative/],
    [
      "frame string out of range",
      (s) => (s.frames = { function: [9], file: [0], line: [0], module: [0], flags: [0] }),
      /frame 0 names string 9 but the string table has 6 entries/,
    ],
    [
      "frame columns differ",
      (s) => (s.frames = { function: [1], file: [], line: [0], module: [0], flags: [0] }),
      /frame table columns differ in length \(1 functions, 0 files/,
    ],
    ["trie columns differ", (s) => (thread(s).nodeFrame = [0]), /stack trie has 2 parents but 1 frames/],
    ["parent delta 0", (s) => (thread(s).nodeParentDelta = [1, 0]), /stack node 2 has parent delta 0, outside 1..2/],
    ["parent delta too big", (s) => (thread(s).nodeParentDelta = [2, 1]), /stack node 1 has parent delta 2/],
    ["node frame out of range", (s) => (thread(s).nodeFrame = [0, 7]), /stack node 2 names frame 7/],
    ["sample columns differ", (s) => (thread(s).sampleDurationDeltaNs = [1n]), /3 sample stacks but 1 sample durations/],
    ["sample node out of range", (s) => (thread(s).sampleNodeDelta = [3, 0, 0]), /sample 0 decodes to stack node 3/],
    ["sample node wraps", (s) => (thread(s).sampleNodeDelta = [-1, 0, 0]), /decodes to stack node 4294967295/],
    ["negative duration delta", (s) => (thread(s).sampleDurationDeltaNs = [1n, -2n, 0n]), /sample 1 decodes to a negative duration/],
    [
      "time past 2^53",
      (s) => {
        thread(s).durationUnitNs = 1_000_000_000n;
        thread(s).sampleDurationDeltaNs = [10_000_000_000n, 0n, 0n];
      },
      /sample 0 ends past the largest representable time/,
    ],
  ];
  function thread(init: SessionInit): NonNullable<SessionInit["threads"]>[number] {
    return (init.threads ?? [])[0];
  }
  for (const [name, mutate, message] of invalid) {
    it(`validates: ${name}`, () => {
      const init = baseInit();
      mutate(init);
      expectFormatError(encode(init), "damaged", message);
    });
  }

  it("never throws anything but SessionFormatError on mutated files", () => {
    const original = fixture("nested_two_threads.pb");
    const body = original.subarray(0, original.length - 6);
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    let decoded = 0;
    for (let round = 0; round < 3000; ++round) {
      const mutated = body.slice();
      for (let k = 1 + random(3); k > 0; --k) {
        // Keep the header so the mutation reaches the parser.
        mutated[25 + random(mutated.length - 25)] = random(256);
      }
      try {
        decodeSession(withTrailer(mutated));
        ++decoded;
      } catch (error) {
        expect(error).toBeInstanceOf(SessionFormatError);
      }
    }
    expect(decoded).toBeLessThan(3000);
  });
});

describe("crc32", () => {
  it("is zlib's CRC-32", () => {
    expect(crc32(text("123456789"))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe("decodeBase64", () => {
  it("matches Node's decoder for every length and padding", () => {
    for (let length = 0; length < 70; ++length) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + length) & 0xff);
      const encoded = Buffer.from(bytes).toString("base64");
      expect([...decodeBase64(encoded)]).toEqual([...bytes]);
      expect([...decodeBase64(encoded.replace(/=+$/, ""))]).toEqual([...bytes]);
      const wrapped = encoded.replace(/(.{16})/g, "$1\n ");
      expect([...decodeBase64(wrapped)]).toEqual([...bytes]);
      const urlSafe = Buffer.from(bytes).toString("base64url");
      expect([...decodeBase64(urlSafe)]).toEqual([...bytes]);
    }
  });

  it("rejects bad input with the offset", () => {
    expect(() => decodeBase64("ab*d")).toThrow("unexpected character at offset 2");
    expect(() => decodeBase64("ab=d")).toThrow("data after padding at offset 3");
    expect(() => decodeBase64("abcde")).toThrow("truncated");
    expect(() => decodeBase64("ab\u00e9d")).toThrow("offset 2");
  });

  it("decodes multi-megabyte payloads quickly", () => {
    const bytes = new Uint8Array(8 << 20);
    for (let i = 0; i < bytes.length; ++i) bytes[i] = (i * 2654435761) >>> 24;
    const encoded = Buffer.from(bytes).toString("base64");
    const started = performance.now();
    const decoded = decodeBase64(encoded);
    const elapsed = performance.now() - started;
    expect(decoded.length).toBe(bytes.length);
    expect(Buffer.from(decoded).equals(Buffer.from(bytes))).toBe(true);
    // Typically ~50 ms; the bound only catches an accidental quadratic.
    expect(elapsed).toBeLessThan(3000);
  });
});
