// Processors: pyinstrument's passes that turn a raw FrameTree into the tree a
// person wants to read; a port of lib/tree/processors.h/.cc with the same
// names (snake_case in `processors` / findProcessor), options, order and
// arithmetic, checked against the shared vectors in tests/vectors/.
//
// Every processor rewrites the tree in place and never recurses on the JS
// stack: a recorded stack may be deeper than the engine's recursion limit.
//
// Example:
//   const tree = buildAggregatedTree(session, 0);
//   const options = { ...defaultProcessorOptions(), filterThreshold: 0.005 };
//   const problem = validateProcessorOptions(options);
//   if (problem !== null) throw new Error(problem);
//   runProcessors(processorPipeline({}), options, tree);

import { FRAME_HIDDEN, FRAME_PROFILER, type SessionData } from "./model";
import { FrameTree, type FrameGroup, NO_FRAME, NO_GROUP, NO_NODE, NodeKind } from "./tree";

export interface ProcessorOptions {
  /** remove_irrelevant_nodes drops nodes whose share of the root's total is
   * below this, compared as node / root < filterThreshold in doubles. */
  filterThreshold: number;
  /** group_library_frames keeps a member visible when its own time
   * (including its `[self]` children) is above this share of the root's. */
  groupShowSelfShare: number;
  /** group_library_frames dissolves groups that would hide fewer frames. */
  minHiddenFramesPerGroup: number;
  /** ECMAScript regexes matched from the start of the file path (Python's
   * re.match); show wins over hide; "" means no rule; a pattern that does
   * not compile matches nothing. */
  hideRegex: string;
  showRegex: string;
  /** remove_importlib removes frames whose file contains any of these. */
  importlibPatterns: string[];
}

export function defaultProcessorOptions(): ProcessorOptions {
  return {
    filterThreshold: 0.01,
    groupShowSelfShare: 0.2,
    minHiddenFramesPerGroup: 2,
    hideRegex: "",
    showRegex: "",
    importlibPatterns: ["<frozen importlib._bootstrap"],
  };
}

export type Processor = (tree: FrameTree, options: ProcessorOptions) => void;

// ---------------------------------------------------------------------------
// Helpers, as in the C++ internal namespace.

/** Marks `index` as no longer part of the tree; its subtree stays as is. */
function detach(tree: FrameTree, index: number): void {
  tree.parent[index] = NO_NODE;
}

function isSelf(tree: FrameTree, index: number): boolean {
  return tree.kind[index] === NodeKind.Self;
}

/** pyinstrument divides by 1e-44 when the root has no time, which makes
 * every share 0. */
function share(part: number, whole: number): number {
  if (whole <= 0) return 0;
  return part / whole;
}

/**
 * Splices every child of `parent` matching `remove` out of the tree, putting
 * its children in its place (checked against `remove` in turn) and its own
 * time, if any, as a `[self]` node after them (pyinstrument's
 * delete_frame_from_tree(replace_with="children")). `onRemoved(node,
 * distance)` sees each removed node before its children are read, with its
 * distance from `parent` (1 for a child). Returns whether anything matched.
 */
function spliceChildren(
  tree: FrameTree,
  parent: number,
  remove: (index: number) => boolean,
  onRemoved?: (index: number, distance: number) => void,
): boolean {
  const current = tree.children[parent];
  if (!current.some(remove)) return false;
  const result: number[] = [];
  const openNode: number[] = [];
  const openNext: number[] = [];
  for (const child of current) {
    if (!remove(child)) {
      result.push(child);
      continue;
    }
    onRemoved?.(child, 1);
    openNode.push(child);
    openNext.push(0);
    while (openNode.length > 0) {
      const top = openNode.length - 1;
      const node = openNode[top];
      const grandchildren = tree.children[node];
      if (openNext[top] < grandchildren.length) {
        const next = grandchildren[openNext[top]++];
        if (remove(next)) {
          onRemoved?.(next, openNode.length + 1);
          openNode.push(next);
          openNext.push(0);
        } else {
          result.push(next);
        }
        continue;
      }
      openNode.pop();
      openNext.pop();
      const selfNs = tree.selfNs(node);
      tree.setChildren(node, []);
      detach(tree, node);
      if (selfNs > 0) result.push(tree.newNode(NodeKind.Self, NO_FRAME, selfNs));
    }
  }
  tree.setChildren(parent, result);
  return true;
}

/** Visits reachable nodes in preorder, calling `visit(node)` before its
 * children are read, so `visit` may rewrite them. */
function forEachNodePreorder(tree: FrameTree, visit: (index: number) => void): void {
  const stack = [tree.root];
  while (stack.length > 0) {
    const index = stack.pop() as number;
    visit(index);
    const list = tree.children[index];
    for (let i = list.length - 1; i >= 0; --i) stack.push(list[i]);
  }
}

/** Merges sibling `from` into sibling `into` (same frame, or both `[self]`). */
function combineSiblings(tree: FrameTree, from: number, into: number): void {
  const intoLeaf = tree.children[into].length === 0;
  const fromLeaf = tree.children[from].length === 0;
  if (!isSelf(tree, into)) {
    // A leaf's time is its own; next to calls it must become `[self]`.
    if (intoLeaf && !fromLeaf && tree.totalNs[into] > 0) {
      tree.appendChild(into, tree.newNode(NodeKind.Self, NO_FRAME, tree.totalNs[into]));
    }
    if (!fromLeaf) {
      const moved = tree.children[from];
      tree.setChildren(from, []);
      for (const child of moved) tree.appendChild(into, child);
    } else if (!intoLeaf && tree.totalNs[from] > 0) {
      tree.appendChild(into, tree.newNode(NodeKind.Self, NO_FRAME, tree.totalNs[from]));
    }
  }
  tree.totalNs[into] += tree.totalNs[from];
  tree.recursionDepth[into] = Math.max(tree.recursionDepth[into], tree.recursionDepth[from]);
  detach(tree, from);
}

/** Merges the children of `index` that are calls of one frame (and all
 * `[self]` children) into the first of each, keeping first-seen order.
 * Returns the children that took in others' children. */
function mergeSameFrameChildren(tree: FrameTree, index: number): number[] {
  // Most nodes have a handful of children: a linear scan beats hashing.
  const LINEAR_SCAN_LIMIT = 16;
  const keyOf = (node: number): number => (isSelf(tree, node) ? NO_FRAME : tree.frame[node]);
  const list = tree.children[index];
  tree.setChildren(index, []);
  const kept: number[] = [];
  const grownNodes: number[] = [];
  const useMap = list.length > LINEAR_SCAN_LIMIT;
  const firstByKey = new Map<number, number>();
  for (const child of list) {
    const key = keyOf(child);
    let into = NO_NODE;
    if (useMap) {
      const found = firstByKey.get(key);
      if (found === undefined) firstByKey.set(key, child);
      else into = found;
    } else {
      for (const candidate of kept) {
        if (keyOf(candidate) === key) {
          into = candidate;
          break;
        }
      }
    }
    if (into === NO_NODE) {
      kept.push(child);
      continue;
    }
    if (tree.children[child].length > 0) grownNodes.push(into);
    combineSiblings(tree, child, into);
  }
  // Children were appended to kept members through appendChild, which only
  // touches the members' own lists, so `kept` is still this node's list.
  tree.setChildren(index, kept);
  return grownNodes;
}

/** Stable sort by total, largest first (Array.prototype.sort is stable). */
function sortByTotal(tree: FrameTree, list: number[]): void {
  if (list.length > 1) list.sort((a, b) => tree.totalNs[b] - tree.totalNs[a]);
}

/** Compiles an ECMAScript pattern that must match at the start of the text
 * (Python's re.match). The sticky flag anchors it without wrapping the
 * source, so a pattern compiles here exactly when it compiles alone. */
function compileFromStart(pattern: string): RegExp | null {
  try {
    return new RegExp(pattern, "y");
  } catch {
    return null;
  }
}

function matchesFromStart(regex: RegExp, text: string): boolean {
  regex.lastIndex = 0;
  return regex.test(text);
}

// ---------------------------------------------------------------------------
// Library detection, as Session::IsLibraryFrame and LibraryName.

/** True when `file` lies under one of `roots` (empty roots ignored). */
export function isLibraryFile(file: string, roots: readonly string[]): boolean {
  for (const root of roots) {
    if (root !== "" && file.startsWith(root)) return true;
  }
  return false;
}

/** The library `file` belongs to: the first path component below its
 * longest matching root, cut at the first '/', '\' or '.'; "" when no root
 * matches. "libstdc++" for "/usr/lib/x86_64-linux-gnu/libstdc++.so.6" under
 * "/usr/lib/x86_64-linux-gnu/". */
export function libraryNameOfFile(file: string, roots: readonly string[]): string {
  let best = "";
  for (const root of roots) {
    if (root !== "" && root.length > best.length && file.startsWith(root)) best = root;
  }
  if (best === "") return "";
  let rest = file.slice(best.length);
  let start = 0;
  while (start < rest.length && (rest[start] === "/" || rest[start] === "\\")) ++start;
  rest = rest.slice(start);
  const cut = rest.search(/[/\\.]/);
  return cut < 0 ? rest : rest.slice(0, cut);
}

/** C++ LibraryName(session, frame). */
export function libraryName(session: SessionData, frame: number): string {
  return libraryNameOfFile(session.frames[frame].file, session.libraryRoots);
}

/** C++ Session::IsLibraryFrame(frame). */
export function isLibraryFrame(session: SessionData, frame: number): boolean {
  return isLibraryFile(session.frames[frame].file, session.libraryRoots);
}

// ---------------------------------------------------------------------------
// The processors.

/** Splices out frames flagged FRAME_HIDDEN: their children take their place
 * in the parent, and a hidden leaf's time becomes a `[self]` node there. */
export function removeHiddenFrames(tree: FrameTree): void {
  const hidden = (index: number): boolean => tree.hasFlag(index, FRAME_HIDDEN);
  forEachNodePreorder(tree, (index) => {
    spliceChildren(tree, index, hidden);
  });
}

/** Splices out frames whose file contains one of options.importlibPatterns. */
export function removeImportlibFrames(tree: FrameTree, options: ProcessorOptions): void {
  if (options.importlibPatterns.length === 0) return;
  const frames = tree.session.frames;
  const cache = new Int8Array(frames.length).fill(-1); // per frame
  const matches = (index: number): boolean => {
    if (tree.kind[index] !== NodeKind.Frame) return false;
    const frame = tree.frame[index];
    if (cache[frame] < 0) {
      const file = frames[frame].file;
      cache[frame] = options.importlibPatterns.some((p) => p !== "" && file.includes(p)) ? 1 : 0;
    }
    return cache[frame] === 1;
  };
  forEachNodePreorder(tree, (index) => {
    spliceChildren(tree, index, matches);
  });
}

/** Splices out FRAME_PROFILER frames at the top of the stack, however many
 * levels they span; profiler frames further down stay. */
export function removeProfilerFrames(tree: FrameTree): void {
  spliceChildren(tree, tree.root, (index) => tree.hasFlag(index, FRAME_PROFILER));
}

/** Merges runs of adjacent `[self]` siblings into the first of them. */
export function mergeConsecutiveSelfTime(tree: FrameTree): void {
  forEachNodePreorder(tree, (index) => {
    const list = tree.children[index];
    let adjacent = false;
    for (let i = 1; i < list.length && !adjacent; ++i) {
      adjacent = isSelf(tree, list[i - 1]) && isSelf(tree, list[i]);
    }
    if (!adjacent) return;
    const kept: number[] = [];
    for (const child of list) {
      const last = kept.length > 0 ? kept[kept.length - 1] : NO_NODE;
      if (last !== NO_NODE && isSelf(tree, child) && isSelf(tree, last)) {
        tree.totalNs[last] += tree.totalNs[child];
        detach(tree, child);
      } else {
        kept.push(child);
      }
    }
    tree.setChildren(index, kept);
  });
}

/** Merges siblings that are calls of one frame (and all `[self]` siblings),
 * recursively, then sorts every node's children by total, largest first
 * (stable). Turns a timeline into an aggregate. */
export function aggregateRepeatedCalls(tree: FrameTree): void {
  forEachNodePreorder(tree, (index) => {
    mergeSameFrameChildren(tree, index);
    sortByTotal(tree, tree.children[index]);
  });
}

/** Drops nodes below options.filterThreshold of the root's total; their time
 * stays in the parent's total (as selfNs). The root is never dropped. */
export function removeIrrelevantNodes(tree: FrameTree, options: ProcessorOptions): void {
  const rootTotal = tree.totalNs[tree.root];
  forEachNodePreorder(tree, (index) => {
    const list = tree.children[index];
    if (list.length === 0) return;
    const kept = list.filter((child) => {
      if (share(tree.totalNs[child], rootTotal) >= options.filterThreshold) return true;
      detach(tree, child);
      return false;
    });
    if (kept.length !== list.length) tree.setChildren(index, kept);
  });
}

/** Folds a lone `[self]` child into its parent frame. The root keeps a lone
 * `[self]` child: the time spent outside every profiled frame. */
export function removeUnnecessarySelfTime(tree: FrameTree): void {
  forEachNodePreorder(tree, (index) => {
    if (index === tree.root) return;
    const list = tree.children[index];
    if (list.length === 1 && isSelf(tree, list[0])) {
      detach(tree, list[0]);
      tree.setChildren(index, []);
    }
  });
}

/**
 * Groups runs of frames to hide: library frames (under the session's
 * library roots) plus files matching hideRegex, minus those matching
 * showRegex (show wins); decided once per distinct frame. A group starts at
 * a frame to hide whose parent is not in a group and that has a
 * frame-to-hide child; it takes in every frame to hide below it reachable
 * through frames to hide, with their `[self]` children. Members stay visible
 * when they are the group's root, call out of the group, or have more than
 * groupShowSelfShare of the root's time themselves; the others get
 * hiddenInGroup. Groups hiding fewer than minHiddenFramesPerGroup frames are
 * dissolved. Replaces any earlier grouping; run it last.
 */
export function groupLibraryFrames(tree: FrameTree, options: ProcessorOptions): void {
  const session = tree.session;
  const groups: FrameGroup[] = [];
  tree.groups = groups;
  // Whether a node was ever put in a group, even one later dissolved:
  // pyinstrument keeps such frames out of new groups too.
  const claimed = new Uint8Array(tree.size);
  forEachNodePreorder(tree, (index) => {
    tree.group[index] = NO_GROUP;
    tree.hiddenInGroup[index] = 0;
  });

  const hide = options.hideRegex === "" ? null : compileFromStart(options.hideRegex);
  const show = options.showRegex === "" ? null : compileFromStart(options.showRegex);
  const hideCache = new Int8Array(session.frames.length).fill(-1);
  const isLibrary = (index: number): boolean => {
    if (tree.kind[index] !== NodeKind.Frame) return false;
    const frame = tree.frame[index];
    if (hideCache[frame] < 0) {
      const file = session.frames[frame].file;
      if (show !== null && matchesFromStart(show, file)) hideCache[frame] = 0;
      else if (hide !== null && matchesFromStart(hide, file)) hideCache[frame] = 1;
      else hideCache[frame] = isLibraryFrame(session, frame) ? 1 : 0;
    }
    return hideCache[frame] === 1;
  };
  const rootTotal = tree.totalNs[tree.root];

  const makeGroup = (groupRoot: number): void => {
    const id = groups.length;
    const group: FrameGroup = { root: groupRoot, members: [], hiddenFrames: 0, libraries: [] };
    const stack = [groupRoot];
    while (stack.length > 0) {
      const member = stack.pop() as number;
      group.members.push(member);
      claimed[member] = 1;
      tree.group[member] = id;
      const list = tree.children[member];
      for (let i = list.length - 1; i >= 0; --i) {
        if (isSelf(tree, list[i]) || isLibrary(list[i])) stack.push(list[i]);
      }
    }
    for (const member of group.members) {
      let exits = false;
      let ownNs = isSelf(tree, member) ? tree.totalNs[member] : tree.selfNs(member);
      for (const child of tree.children[member]) {
        if (tree.group[child] !== id) exits = true;
        if (isSelf(tree, child)) ownNs += tree.totalNs[child];
      }
      const shown =
        member === groupRoot || exits || share(ownNs, rootTotal) > options.groupShowSelfShare;
      if (shown) continue;
      tree.hiddenInGroup[member] = 1;
      if (tree.kind[member] === NodeKind.Frame) ++group.hiddenFrames;
    }
    if (group.hiddenFrames < options.minHiddenFramesPerGroup) {
      for (const member of group.members) {
        tree.group[member] = NO_GROUP;
        tree.hiddenInGroup[member] = 0;
      }
      return;
    }
    for (const member of group.members) {
      if (!tree.hiddenInGroup[member] || tree.kind[member] !== NodeKind.Frame) continue;
      const library = libraryName(session, tree.frame[member]);
      if (library !== "" && !group.libraries.includes(library)) group.libraries.push(library);
    }
    groups.push(group);
  };

  forEachNodePreorder(tree, (index) => {
    for (const child of tree.children[index]) {
      if (claimed[child] || !isLibrary(child)) continue;
      if (tree.children[child].some(isLibrary)) makeGroup(child);
    }
  });
}

/**
 * Beyond pyinstrument: folds direct recursion. Where a frame's child is a
 * call of the same frame, the inner calls are spliced out and their children
 * and own time moved into the outermost call, whose recursionDepth records
 * the longest run folded. Siblings that meet there as calls of one frame are
 * merged, recursively; nothing is reordered; totals are unchanged.
 */
export function collapseRecursion(tree: FrameTree): void {
  // Nodes whose children came from several nodes and may hold calls of one
  // frame side by side; grown as splicing and merging add nodes.
  let needsMerge = new Uint8Array(tree.size);
  const mark = (index: number): void => {
    if (index >= needsMerge.length) {
      const bigger = new Uint8Array(Math.max(index + 1, needsMerge.length * 2));
      bigger.set(needsMerge);
      needsMerge = bigger;
    }
    needsMerge[index] = 1;
  };
  forEachNodePreorder(tree, (index) => {
    if (tree.kind[index] === NodeKind.Frame) {
      const frame = tree.frame[index];
      let depth = tree.recursionDepth[index];
      const folded = spliceChildren(
        tree,
        index,
        (child) => tree.kind[child] === NodeKind.Frame && tree.frame[child] === frame,
        (removed, distance) => {
          // C++ clamps to uint32; runs that long cannot be held in memory.
          depth = Math.min(Math.max(depth, distance + tree.recursionDepth[removed]), 0xffffffff);
        },
      );
      if (folded) {
        tree.recursionDepth[index] = depth;
        mark(index);
      }
    }
    if (index < needsMerge.length && needsMerge[index]) {
      for (const grownNode of mergeSameFrameChildren(tree, index)) mark(grownNode);
    }
  });
}

/**
 * Beyond pyinstrument: replaces the tree by its inverted (callers) tree. The
 * root's children are the frames that spent time themselves (total minus
 * frame children's totals); below each, its callers up to the outermost
 * frame. The root's own time becomes a `[self]` child of the root. Children
 * sorted by total (stable); groups dropped, recursionDepth reset.
 */
export function invertCallers(tree: FrameTree): void {
  const inverted = new FrameTree(tree.session, tree.threadIndex);
  inverted.totalNs[inverted.root] = tree.totalNs[tree.root];
  const ownNs = (index: number): number => {
    let calls = 0;
    for (const child of tree.children[index]) {
      if (tree.kind[child] === NodeKind.Frame) calls += tree.totalNs[child];
    }
    return Math.max(0, tree.totalNs[index] - calls);
  };
  const outside = ownNs(tree.root);
  if (outside > 0) {
    inverted.appendChild(inverted.root, inverted.newNode(NodeKind.Self, NO_FRAME, outside));
  }

  // Per inverted node: frame -> inverted child.
  const childOf: Array<Map<number, number> | undefined> = [];
  const path: number[] = []; // frames from the outermost call down
  const stackNode: number[] = [];
  const stackDepth: number[] = [];
  const rootChildren = tree.children[tree.root];
  for (let i = rootChildren.length - 1; i >= 0; --i) {
    stackNode.push(rootChildren[i]);
    stackDepth.push(1);
  }
  while (stackNode.length > 0) {
    const index = stackNode.pop() as number;
    const depth = stackDepth.pop() as number;
    if (tree.kind[index] !== NodeKind.Frame) continue; // in the parent's own time
    path.length = depth - 1;
    path.push(tree.frame[index]);
    const own = ownNs(index);
    if (own > 0) {
      let at = inverted.root;
      for (let k = path.length - 1; k >= 0; --k) {
        let map = childOf[at];
        if (map === undefined) {
          map = new Map();
          childOf[at] = map;
        }
        let next = map.get(path[k]);
        if (next === undefined) {
          next = inverted.newNode(NodeKind.Frame, path[k], 0);
          inverted.appendChild(at, next);
          map.set(path[k], next);
        }
        at = next;
        inverted.totalNs[at] += own;
      }
    }
    const list = tree.children[index];
    for (let i = list.length - 1; i >= 0; --i) {
      stackNode.push(list[i]);
      stackDepth.push(depth + 1);
    }
  }
  for (let index = 0; index < inverted.size; ++index) sortByTotal(inverted, inverted.children[index]);
  tree.replaceWith(inverted);
}

// ---------------------------------------------------------------------------
// Pipelines.

export type ProcessorName =
  | "remove_importlib"
  | "remove_hidden_frames"
  | "remove_profiler_frames"
  | "merge_consecutive_self_time"
  | "aggregate_repeated_calls"
  | "remove_irrelevant_nodes"
  | "remove_unnecessary_self_time"
  | "group_library_frames"
  | "collapse_recursion"
  | "invert_callers";

/** Every processor under its stable snake_case name (C++ FindProcessor). */
export const processors: Readonly<Record<ProcessorName, Processor>> = Object.freeze({
  remove_importlib: removeImportlibFrames,
  remove_hidden_frames: removeHiddenFrames,
  remove_profiler_frames: removeProfilerFrames,
  merge_consecutive_self_time: mergeConsecutiveSelfTime,
  aggregate_repeated_calls: aggregateRepeatedCalls,
  remove_irrelevant_nodes: removeIrrelevantNodes,
  remove_unnecessary_self_time: removeUnnecessarySelfTime,
  group_library_frames: groupLibraryFrames,
  collapse_recursion: collapseRecursion,
  invert_callers: invertCallers,
});

/** The processor called `name`, or null. */
export function findProcessor(name: string): Processor | null {
  return Object.prototype.hasOwnProperty.call(processors, name)
    ? processors[name as ProcessorName]
    : null;
}

/** Which pipeline a report wants. */
export interface PipelineOptions {
  /** Keep chronology: nothing aggregated or sorted. */
  timeline?: boolean;
  /** Leave out everything that hides or filters. */
  showAll?: boolean;
  collapseRecursion?: boolean;
  /** Inverted (callers) tree; ignored with timeline. */
  invert?: boolean;
}

/** The processors, in order, for a report (C++ ProcessorPipeline). */
export function processorPipeline(pipeline: PipelineOptions): Processor[] {
  const list: Processor[] = [];
  if (!pipeline.showAll) list.push(removeImportlibFrames, removeHiddenFrames, removeProfilerFrames);
  list.push(mergeConsecutiveSelfTime);
  if (pipeline.collapseRecursion) list.push(collapseRecursion);
  if (pipeline.invert && !pipeline.timeline) {
    list.push(invertCallers);
    if (!pipeline.showAll) list.push(removeIrrelevantNodes);
    return list;
  }
  if (!pipeline.timeline) list.push(aggregateRepeatedCalls);
  if (!pipeline.showAll) list.push(removeIrrelevantNodes);
  list.push(removeUnnecessarySelfTime);
  if (!pipeline.showAll) list.push(groupLibraryFrames);
  return list;
}

export function consoleProcessors(showAll: boolean): Processor[] {
  return processorPipeline({ showAll });
}

export function timelineProcessors(showAll: boolean): Processor[] {
  return processorPipeline({ timeline: true, showAll });
}

export function runProcessors(
  list: readonly Processor[],
  options: ProcessorOptions,
  tree: FrameTree,
): void {
  for (const processor of list) processor(tree, options);
}

/** A message naming the bad option (like C++ ValidateProcessorOptions's
 * InvalidArgumentError), or null when the options are fine. Processors
 * never fail; callers taking patterns from users call this to report them. */
export function validateProcessorOptions(options: ProcessorOptions): string | null {
  for (const [name, pattern] of [
    ["hide_regex", options.hideRegex],
    ["show_regex", options.showRegex],
  ] as const) {
    if (pattern === "") continue;
    try {
      new RegExp(pattern, "y");
    } catch (error) {
      return `bad ${name} '${pattern}': ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  // Negated comparisons so that NaN fails too.
  if (!(options.filterThreshold >= 0)) return "filter_threshold must be at least 0";
  if (!(options.groupShowSelfShare >= 0)) return "group_show_self_share must be at least 0";
  return null;
}

/** A shell glob as a regex for hideRegex / showRegex, matching the whole
 * path like Python's fnmatch (C++ GlobToRegex): `*` any run of characters
 * ('/' included), `?` one character, `[abc]` / `[!abc]` a set; an unclosed
 * `[` is literal. globToRegex("*\/lib/*.py") === ".*\/lib/.*\\.py$". */
export function globToRegex(glob: string): string {
  let regex = "";
  for (let i = 0; i < glob.length; ++i) {
    const c = glob[i];
    if (c === "*") {
      regex += ".*";
    } else if (c === "?") {
      regex += ".";
    } else if (c === "[") {
      // fnmatch: a ']' right after '[' or '[!' belongs to the set.
      let end = i + 1;
      if (end < glob.length && glob[end] === "!") ++end;
      if (end < glob.length && glob[end] === "]") ++end;
      while (end < glob.length && glob[end] !== "]") ++end;
      if (end >= glob.length) {
        regex += "\\[";
        continue;
      }
      regex += "[";
      let j = i + 1;
      if (glob[j] === "!") {
        regex += "^";
        ++j;
      } else if (glob[j] === "^") {
        regex += "\\^";
        ++j;
      }
      for (; j < end; ++j) {
        if (glob[j] === "\\" || glob[j] === "]" || glob[j] === "[") regex += "\\";
        regex += glob[j];
      }
      regex += "]";
      i = end;
    } else {
      if ("\\^$.|+()[]{}".includes(c)) regex += "\\";
      regex += c;
    }
  }
  return regex + "$";
}
