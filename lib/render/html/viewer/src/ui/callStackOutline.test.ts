import { describe, expect, test } from "vitest";
import type { FrameInfo, SessionData } from "../data/model";
import { DEFAULT_OPTIONS } from "./options";
import { callStackOutline } from "./callStackOutline";
import { outlineReducer, type OutlineState, visibleRows } from "./outline";
import { buildViewTree } from "./pipeline";

// A session from stacks of frame names; files under /lib/ are library code.
function session(frames: Array<[string, string]>, samples: string[][]): SessionData {
  const index = new Map(frames.map(([name], i) => [name, i]));
  const frameInfo: FrameInfo[] = frames.map(([name, file]) => ({
    function: name,
    file,
    line: 1,
    module: "",
    flags: 0,
    isLibrary: file.startsWith("/lib/"),
    library: file.startsWith("/lib/") ? file.split("/")[2] : "",
  }));
  const parent = [0];
  const frame = [0];
  const trie = new Map<string, number>();
  const nodes: number[] = [];
  for (const stack of samples) {
    let node = 0;
    for (const name of stack) {
      const key = `${node}/${name}`;
      let next = trie.get(key);
      if (next === undefined) {
        next = parent.length;
        parent.push(node);
        frame.push(index.get(name)!);
        trie.set(key, next);
      }
      node = next;
    }
    nodes.push(node);
  }
  return {
    startTimeUnixNs: 0,
    durationNs: samples.length * 1e6,
    cpuTimeNs: 0,
    intervalNs: 1e6,
    clock: 0,
    targetDescription: "t",
    program: "",
    libraryVersion: "",
    libraryRoots: ["/lib/"],
    frames: frameInfo,
    threads: [
      {
        id: "1",
        name: "main",
        startOffsetNs: 0,
        nodeParent: Uint32Array.from(parent),
        nodeFrame: Uint32Array.from(frame),
        sampleNodes: Uint32Array.from(nodes),
        sampleDurationsNs: Float64Array.from(nodes.map(() => 1e6)),
        droppedSamples: 0,
        unbalancedExits: 0,
      },
    ],
  };
}

const FRAMES: Array<[string, string]> = [
  ["main", "/app/main.c"],
  ["parse", "/lib/json/a.c"],
  ["scan", "/lib/json/b.c"],
  ["lex", "/lib/json/c.c"],
  ["tok", "/lib/json/d.c"],
  ["callback", "/app/cb.c"],
  ["</script><img src=x onerror=alert(1)>", "/app/evil.c"],
];

describe("call-stack outline over a processed tree", () => {
  const s = session(FRAMES, [
    ...Array.from({ length: 6 }, () => ["main", "parse", "scan", "lex", "tok", "callback"]),
    ...Array.from({ length: 4 }, () => ["main", "</script><img src=x onerror=alert(1)>"]),
  ]);
  const tree = buildViewTree(s, 0, "call-stack", DEFAULT_OPTIONS);
  const outline = callStackOutline(tree);
  const label = (key: string) => {
    const g = outline.groupOf(key);
    if (g >= 0) return `[${tree.groups[g].hiddenFrames} hidden: ${tree.groups[g].libraries.join(",")}]`;
    return tree.label(outline.nodeOf(key));
  };
  const show = (state: OutlineState<string>) =>
    visibleRows(outline, state).map((r) => `${"  ".repeat(r.depth)}${label(r.key)}`);

  test("a closed group shows its header and skips its hidden frames", () => {
    expect(show({ selected: null, open: new Map() })).toEqual([
      "main",
      "  parse",
      "    [2 hidden: json]",
      "    tok",
      "      callback",
      "  </script><img src=x onerror=alert(1)>",
    ]);
  });

  test("opening the header shows the hidden frames nested", () => {
    const rows = visibleRows(outline, { selected: null, open: new Map() });
    const header = rows.find((r) => outline.kind(r.key) === "group")!.key;
    const state = outlineReducer(outline, { selected: null, open: new Map() }, { type: "toggle", key: header });
    expect(show(state)).toEqual([
      "main",
      "  parse",
      "    [2 hidden: json]",
      "    scan",
      "      lex",
      "        tok",
      "          callback",
      "  </script><img src=x onerror=alert(1)>",
    ]);
  });

  test("a search opens what hides a match, groups included", () => {
    const mask = new Uint8Array(FRAMES.length);
    mask[FRAMES.findIndex(([name]) => name === "lex")] = 1;
    const searched = callStackOutline(tree, mask);
    const rows = visibleRows(searched, { selected: null, open: new Map() });
    expect(rows.map((r) => (searched.groupOf(r.key) >= 0 ? "[group]" : tree.label(searched.nodeOf(r.key))))).toContain("lex");
    // The reader's choice still wins.
    const header = rows.find((r) => searched.kind(r.key) === "group")!.key;
    const closed = visibleRows(searched, { selected: null, open: new Map([[header, false]]) });
    expect(closed.map((r) => (searched.groupOf(r.key) >= 0 ? "[group]" : tree.label(searched.nodeOf(r.key))))).not.toContain("lex");
  });

  test("keys are stable across a rebuild with other options", () => {
    const rebuilt = callStackOutline(buildViewTree(s, 0, "call-stack", { ...DEFAULT_OPTIONS, thresholdPercent: 0 }));
    const a = visibleRows(outline, { selected: null, open: new Map() }).map((r) => r.key);
    const b = visibleRows(rebuilt, { selected: null, open: new Map() }).map((r) => r.key);
    expect(b).toEqual(a);
  });

  test("library mode off: no groups", () => {
    const t = buildViewTree(s, 0, "call-stack", { ...DEFAULT_OPTIONS, libraryMode: "off" });
    const o = callStackOutline(t);
    const rows = visibleRows(o, { selected: null, open: new Map() });
    expect(rows.some((r) => o.kind(r.key) === "group")).toBe(false);
    expect(rows.map((r) => t.label(o.nodeOf(r.key)))).toContain("lex");
  });

  test("custom show regex keeps a library file out of the group", () => {
    const t = buildViewTree(s, 0, "call-stack", { ...DEFAULT_OPTIONS, libraryMode: "custom", showRegex: "/lib/json/b" });
    expect(t.groups.every((g) => g.hiddenFrames === 0 || !g.members.some((m) => t.label(m) === "scan" && t.hiddenInGroup[m]))).toBe(true);
  });

  test("the inverted view lists the frames that spent time first", () => {
    const t = buildViewTree(s, 0, "inverted", DEFAULT_OPTIONS);
    const o = callStackOutline(t);
    expect(o.roots().map((k) => t.label(o.nodeOf(k)))).toEqual(["callback", "</script><img src=x onerror=alert(1)>"]);
  });
});
