/// <reference types="node" />
// Tree builds (the C++ BuildAggregatedTree / BuildTimelineTree semantics),
// pipelines on real data, and scale: a million samples and a stack deeper
// than any JS call stack.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeSession } from "./decode";
import type { SessionData, ThreadData } from "./model";
import {
  defaultProcessorOptions,
  globToRegex,
  libraryName,
  processorPipeline,
  runProcessors,
  validateProcessorOptions,
} from "./processors";
import { buildAggregatedTree, buildTimelineTree } from "./tree";

const fixture = (name: string): SessionData =>
  decodeSession(new Uint8Array(readFileSync(new URL(`./testdata/${name}`, import.meta.url))));

/** A session with frames f0..f(n-1) in /app and one thread. */
function syntheticSession(frameCount: number, thread: Partial<ThreadData>): SessionData {
  return {
    startTimeUnixNs: 0,
    durationNs: 0,
    cpuTimeNs: 0,
    intervalNs: 1000,
    clock: 0,
    targetDescription: "",
    program: "",
    libraryVersion: "",
    libraryRoots: [],
    frames: Array.from({ length: frameCount }, (_, i) => ({
      function: `f${i}`,
      file: "/app/x.c",
      line: i,
      module: "",
      flags: 0,
      isLibrary: false,
      library: "",
    })),
    threads: [
      {
        id: "1",
        name: "main",
        startOffsetNs: 0,
        nodeParent: new Uint32Array(1),
        nodeFrame: new Uint32Array(1),
        sampleNodes: new Uint32Array(0),
        sampleDurationsNs: new Float64Array(0),
        droppedSamples: 0,
        unbalancedExits: 0,
        ...thread,
      },
    ],
  };
}

describe("buildAggregatedTree", () => {
  it("has one node per sampled stack, [self] last", () => {
    const tree = buildAggregatedTree(fixture("nested_two_threads.pb"), 0);
    expect(tree.debugString()).toBe(
      [
        "[root] 6000000",
        "  main 5000000",
        "    work 4000000",
        "      memcpy 2000000",
        "      [self] 2000000",
        "    [self] 1000000",
        "  [self] 1000000",
        "",
      ].join("\n"),
    );
    expect(tree.reachableCount()).toBe(7);
  });

  it("yields an empty tree for a thread that does not exist", () => {
    const tree = buildAggregatedTree(fixture("minimal.pb"), 3);
    expect(tree.debugString()).toBe("[root] 0\n");
  });

  it("leaves out trie nodes without samples", () => {
    const session = syntheticSession(2, {
      nodeParent: Uint32Array.from([0, 0, 0]),
      nodeFrame: Uint32Array.from([0, 0, 1]),
      sampleNodes: Uint32Array.from([2]),
      sampleDurationsNs: Float64Array.from([5]),
    });
    expect(buildAggregatedTree(session, 0).debugString()).toBe("[root] 5\n  f1 5\n");
  });
});

describe("buildTimelineTree", () => {
  it("replays samples in order with [self] where time was spent", () => {
    const tree = buildTimelineTree(fixture("nested_two_threads.pb"), 0);
    expect(tree.debugString()).toBe(
      [
        "[root] 6000000",
        "  main 5000000",
        "    [self] 1000000",
        "    work 4000000",
        "      [self] 1000000",
        "      memcpy 2000000",
        "      [self] 1000000",
        "  [self] 1000000",
        "",
      ].join("\n"),
    );
  });

  it("opens a new node when a frame is called again", () => {
    // f0 > f1, f0, f0 > f1: f1 twice under one f0.
    const session = syntheticSession(2, {
      nodeParent: Uint32Array.from([0, 0, 1]),
      nodeFrame: Uint32Array.from([0, 0, 1]),
      sampleNodes: Uint32Array.from([2, 1, 2, 0, 1]),
      sampleDurationsNs: Float64Array.from([1, 2, 3, 4, 5]),
    });
    expect(buildTimelineTree(session, 0).debugString()).toBe(
      [
        "[root] 15",
        "  f0 6",
        "    f1 1",
        "    [self] 2",
        "    f1 3",
        "  [self] 4",
        "  f0 5",
        "",
      ].join("\n"),
    );
  });

  it("folds recursion in the fixture with collapse_recursion", () => {
    const session = fixture("recursion.pb");
    const tree = buildAggregatedTree(session, 0);
    runProcessors(processorPipeline({ showAll: true, collapseRecursion: true }), defaultProcessorOptions(), tree);
    expect(tree.debugString()).toBe("[root] 38\n  fib 27 r6\n  [self] 11\n");
  });
});

describe("scale", () => {
  it("builds and processes a million samples quickly", () => {
    // A trie of 1000 nodes, depth up to 20, 1M samples walking it.
    const nodes = 1000;
    const nodeParent = new Uint32Array(nodes);
    const nodeFrame = new Uint32Array(nodes);
    for (let n = 1; n < nodes; ++n) {
      nodeParent[n] = n % 20 === 1 ? 0 : n - 1;
      nodeFrame[n] = n % 50;
    }
    const samples = 1_000_000;
    const sampleNodes = new Uint32Array(samples);
    const sampleDurationsNs = new Float64Array(samples);
    for (let i = 0; i < samples; ++i) {
      sampleNodes[i] = Math.floor(i / 7) % nodes;
      sampleDurationsNs[i] = 1000 + (i % 3);
    }
    const session = syntheticSession(50, { nodeParent, nodeFrame, sampleNodes, sampleDurationsNs });
    const started = performance.now();
    const timeline = buildTimelineTree(session, 0);
    runProcessors(processorPipeline({ timeline: true }), defaultProcessorOptions(), timeline);
    const aggregated = buildAggregatedTree(session, 0);
    runProcessors(processorPipeline({}), defaultProcessorOptions(), aggregated);
    const elapsed = performance.now() - started;
    let total = 0;
    for (let i = 0; i < samples; ++i) total += sampleDurationsNs[i];
    expect(timeline.totalNs[0]).toBe(total);
    expect(aggregated.totalNs[0]).toBe(total);
    // Typically well under a second; the bound catches accidental quadratics.
    expect(elapsed).toBeLessThan(10_000);
  });

  it("handles a stack 200000 frames deep without recursion", () => {
    const depth = 200_000;
    const nodeParent = new Uint32Array(depth + 1);
    const nodeFrame = new Uint32Array(depth + 1);
    for (let n = 1; n <= depth; ++n) {
      nodeParent[n] = n - 1;
      nodeFrame[n] = n % 3;
    }
    const session = syntheticSession(3, {
      nodeParent,
      nodeFrame,
      sampleNodes: Uint32Array.from([depth, 1]),
      sampleDurationsNs: Float64Array.from([10, 20]),
    });
    for (const pipeline of [{}, { timeline: true }, { invert: true }, { collapseRecursion: true }]) {
      const tree = (pipeline as { timeline?: boolean }).timeline
        ? buildTimelineTree(session, 0)
        : buildAggregatedTree(session, 0);
      runProcessors(processorPipeline(pipeline), defaultProcessorOptions(), tree);
      expect(tree.totalNs[0]).toBe(30);
      expect(tree.reachableCount()).toBeGreaterThan(1);
    }
  });
});

describe("processor helpers", () => {
  it("ports GlobToRegex", () => {
    expect(globToRegex("*/lib/*.py")).toBe(".*/lib/.*\\.py$");
    expect(globToRegex("a?[!b]c[")).toBe("a.[^b]c\\[$");
    expect(globToRegex("[]a]")).toBe("[\\]a]$");
  });

  it("validates options like C++", () => {
    const options = defaultProcessorOptions();
    expect(validateProcessorOptions(options)).toBeNull();
    expect(validateProcessorOptions({ ...options, hideRegex: "(" })).toMatch(/^bad hide_regex '\(': /);
    expect(validateProcessorOptions({ ...options, filterThreshold: Number.NaN })).toBe(
      "filter_threshold must be at least 0",
    );
    expect(validateProcessorOptions({ ...options, groupShowSelfShare: -1 })).toBe(
      "group_show_self_share must be at least 0",
    );
  });

  it("names libraries like C++ LibraryName", () => {
    const session = fixture("nested_two_threads.pb");
    expect(libraryName(session, 2)).toBe("lib");
    expect(libraryName(session, 0)).toBe("");
    session.libraryRoots = ["/usr/", "/usr/lib/x86_64-linux-gnu/"];
    session.frames[2] = { ...session.frames[2], file: "/usr/lib/x86_64-linux-gnu/libstdc++.so.6" };
    expect(libraryName(session, 2)).toBe("libstdc++");
  });
});
