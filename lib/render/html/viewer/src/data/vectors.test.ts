/// <reference types="node" />
// The shared processor vectors (tests/vectors/*.json, format in its
// README.md), each case its own test, compared as text the way the C++
// runner (tests/vectors/vectors_test.cc) compares them.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FRAME_HIDDEN, FRAME_PROFILER, type FrameInfo, type SessionData } from "./model";
import {
  defaultProcessorOptions,
  findProcessor,
  isLibraryFile,
  libraryNameOfFile,
  type ProcessorOptions,
  validateProcessorOptions,
} from "./processors";
import { FrameTree, NO_FRAME, NO_GROUP, NodeKind } from "./tree";

const VECTORS_DIR = join(dirname(fileURLToPath(import.meta.url)), "../../../../../../tests/vectors");

interface VFrame {
  id?: string;
  function?: string;
  file?: string;
  line?: number;
  module?: string;
  flags?: string[];
}
interface VSession {
  frames?: VFrame[];
  library_roots?: string[];
}
interface VNode {
  frame?: string;
  time?: number | string;
  children?: VNode[];
  group?: number;
  hidden?: boolean;
  depth?: number;
}
interface VGroup {
  root?: string;
  hidden_frames?: number;
  libraries?: string[];
}
interface VOptions {
  filter_threshold?: number;
  group_show_self_share?: number;
  min_hidden_frames_per_group?: number;
  hide_regex?: string;
  show_regex?: string;
  importlib_patterns?: string[];
}
interface VCase {
  name: string;
  description?: string;
  session?: VSession;
  processors?: string[];
  options?: VOptions;
  input: VNode;
  expected: VNode;
  expected_groups?: VGroup[];
}
interface VFile {
  processor?: string;
  session?: VSession;
  cases: VCase[];
}

interface BuiltSession {
  session: SessionData;
  frameById: Map<string, number>;
  idOfFrame: string[];
}

function buildSession(spec: VSession): BuiltSession {
  const roots = spec.library_roots ?? [];
  const frames: FrameInfo[] = [];
  const frameById = new Map<string, number>();
  const idOfFrame: string[] = [];
  for (const f of spec.frames ?? []) {
    let flags = 0;
    for (const flag of f.flags ?? []) {
      if (flag === "hidden") flags |= FRAME_HIDDEN;
      else if (flag === "profiler") flags |= FRAME_PROFILER;
      else throw new Error(`bad flag ${flag}`);
    }
    const id = f.id || (f.function ?? "");
    if (frameById.has(id)) throw new Error(`frame '${id}' is a duplicate`);
    const file = f.file ?? "";
    frameById.set(id, frames.length);
    idOfFrame.push(id);
    frames.push({
      function: f.function ?? "",
      file,
      line: f.line ?? 0,
      module: f.module ?? "",
      flags,
      isLibrary: isLibraryFile(file, roots),
      library: libraryNameOfFile(file, roots),
    });
  }
  const session: SessionData = {
    startTimeUnixNs: 0,
    durationNs: 0,
    cpuTimeNs: 0,
    intervalNs: 1_000_000,
    clock: 0,
    targetDescription: "",
    program: "",
    libraryVersion: "",
    libraryRoots: roots,
    frames,
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
      },
    ],
  };
  return { session, frameById, idOfFrame };
}

/** Builds the input tree in the C++ runner's node order, with its checks. */
function buildTree(root: VNode, built: BuiltSession): FrameTree {
  if (root.frame) throw new Error("the input root has a frame");
  const tree = new FrameTree(built.session, 0);
  tree.totalNs[tree.root] = Number(root.time ?? 0);
  const stack: Array<[VNode, number]> = [[root, tree.root]];
  while (stack.length > 0) {
    const [spec, index] = stack.pop() as [VNode, number];
    if (Number(spec.time ?? 0) < 0) throw new Error("negative time");
    let sum = 0;
    for (const child of spec.children ?? []) {
      const time = Number(child.time ?? 0);
      sum += time;
      let childIndex: number;
      if (child.frame === "[self]") {
        if ((child.children ?? []).length > 0) throw new Error("a [self] node has children");
        childIndex = tree.newNode(NodeKind.Self, NO_FRAME, time);
      } else {
        const frame = built.frameById.get(child.frame ?? "");
        if (frame === undefined) throw new Error(`unknown frame '${child.frame}'`);
        childIndex = tree.newNode(NodeKind.Frame, frame, time);
      }
      tree.appendChild(index, childIndex);
      stack.push([child, childIndex]);
    }
    if (sum > Number(spec.time ?? 0)) throw new Error(`children of '${spec.frame}' exceed its time`);
  }
  return tree;
}

function line(depth: number, label: string, time: number, group: number, hidden: boolean, depthR: number): string {
  let out = `${" ".repeat(2 * depth)}${label} ${time}`;
  if (group >= 0) out += ` g${group}`;
  if (hidden) out += " hidden";
  if (depthR > 1) out += ` r${depthR}`;
  return out + "\n";
}

function expectedText(root: VNode): string {
  let out = "";
  const stack: Array<[VNode, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [VNode, number];
    out += line(
      depth,
      depth === 0 ? "[root]" : (node.frame ?? ""),
      Number(node.time ?? 0),
      node.group ?? -1,
      node.hidden ?? false,
      node.depth ?? 0,
    );
    const children = node.children ?? [];
    for (let i = children.length - 1; i >= 0; --i) stack.push([children[i], depth + 1]);
  }
  return out;
}

function labelOf(tree: FrameTree, index: number, built: BuiltSession): string {
  switch (tree.kind[index]) {
    case NodeKind.Root:
      return "[root]";
    case NodeKind.Self:
      return "[self]";
    default:
      return built.idOfFrame[tree.frame[index]];
  }
}

function actualText(tree: FrameTree, built: BuiltSession): string {
  let out = "";
  const stack: Array<[number, number]> = [[tree.root, 0]];
  while (stack.length > 0) {
    const [index, depth] = stack.pop() as [number, number];
    out += line(
      depth,
      labelOf(tree, index, built),
      tree.totalNs[index],
      tree.group[index] === NO_GROUP ? -1 : tree.group[index],
      tree.hiddenInGroup[index] !== 0,
      tree.recursionDepth[index],
    );
    const children = tree.children[index];
    for (let i = children.length - 1; i >= 0; --i) stack.push([children[i], depth + 1]);
  }
  return out;
}

function optionsOf(spec: VOptions | undefined): ProcessorOptions {
  const options = defaultProcessorOptions();
  if (spec === undefined) return options;
  if (spec.filter_threshold !== undefined) options.filterThreshold = spec.filter_threshold;
  if (spec.group_show_self_share !== undefined) options.groupShowSelfShare = spec.group_show_self_share;
  if (spec.min_hidden_frames_per_group !== undefined) {
    options.minHiddenFramesPerGroup = spec.min_hidden_frames_per_group;
  }
  options.hideRegex = spec.hide_regex ?? "";
  options.showRegex = spec.show_regex ?? "";
  if ((spec.importlib_patterns ?? []).length > 0) options.importlibPatterns = [...(spec.importlib_patterns ?? [])];
  return options;
}

const files = readdirSync(VECTORS_DIR)
  .filter((name) => name.endsWith(".json"))
  .sort();

it("finds the shared vectors", () => {
  expect(files.length).toBeGreaterThanOrEqual(10);
});

for (const name of files) {
  const stem = name.replace(/\.json$/, "");
  const file = JSON.parse(readFileSync(join(VECTORS_DIR, name), "utf8")) as VFile;
  describe(stem, () => {
    for (const spec of file.cases) {
      it(spec.name, () => {
        const built = buildSession(spec.session ?? file.session ?? {});
        const tree = buildTree(spec.input, built);
        const options = optionsOf(spec.options);
        expect(validateProcessorOptions(options)).toBeNull();
        const names = (spec.processors ?? []).length > 0 ? (spec.processors ?? []) : [file.processor ?? ""];
        for (const processorName of names) {
          const processor = findProcessor(processorName);
          expect(processor, `unknown processor ${processorName}`).not.toBeNull();
          processor?.(tree, options);
        }
        expect(actualText(tree, built), spec.description).toBe(expectedText(spec.expected));
        const groups = tree.groups
          .map((g) => `group ${labelOf(tree, g.root, built)} hidden ${g.hiddenFrames} [${g.libraries.join(", ")}]\n`)
          .join("");
        const expectedGroups = (spec.expected_groups ?? [])
          .map((g) => `group ${g.root ?? ""} hidden ${g.hidden_frames ?? 0} [${(g.libraries ?? []).join(", ")}]\n`)
          .join("");
        expect(groups, spec.description).toBe(expectedGroups);
      });
    }
  });
}
