// FrameTree: pyinstrument's call tree built from one thread of a session; a
// port of lib/tree/frame_tree.h. Processors (processors.ts) rewrite it and
// the views draw it. Same shapes and arithmetic as the C++ tree, so both
// pass the shared vectors in tests/vectors/.
//
// An index arena: node fields live in parallel typed arrays (a million-node
// timeline tree would otherwise be a million objects for the GC to trace),
// children in one array per node. A node a processor removes just becomes
// unreachable from the root (node 0).
//
// Three kinds of node: the root (the thread), a frame (one call of
// session.frames[frame]) and `[self]` (time spent in the parent itself, next
// to its calls). For every node
//   totalNs == sum(children totalNs) + selfNs(node)
// and selfNs is zero right after a build for any node with children.
//
// Example:
//   const tree = buildAggregatedTree(session, 0);
//   for (const child of tree.children[tree.root]) {
//     if (tree.kind[child] === NodeKind.Frame) {
//       console.log(session.frames[tree.frame[child]].function, tree.totalNs[child]);
//     }
//   }
//
// Times are ns as JS numbers: exact integers up to 2^53 (104 days), which
// decodeSession guarantees for every thread's total.

import type { SessionData } from "./model";

export const NodeKind = {
  Root: 0,
  Frame: 1,
  Self: 2,
} as const;
export type NodeKind = (typeof NodeKind)[keyof typeof NodeKind];

/** "No such node / frame / group" in index fields (C++ kNoNode etc.). */
export const NO_NODE = 0xffffffff;
export const NO_FRAME = 0xffffffff;
export const NO_GROUP = 0xffffffff;

/** A run of library frames that group_library_frames folds into one line. */
export interface FrameGroup {
  /** First member, the one a console prints. */
  root: number;
  /** Preorder, root first; includes `[self]` members. */
  members: number[];
  /** Frame members with hiddenInGroup set. */
  hiddenFrames: number;
  /** Library names of the hidden frames, first-seen order, no duplicates. */
  libraries: string[];
}

/** Shared by every leaf until it gets a child: most nodes of a timeline tree
 * are leaves, and an empty array each would cost more than the typed
 * columns. Frozen so that code pushing onto it without appendChild throws
 * instead of giving every leaf that child. */
const NO_CHILDREN: number[] = Object.freeze([]) as unknown as number[];

export class FrameTree {
  readonly session: SessionData;
  readonly threadIndex: number;
  readonly root = 0;

  // Columns, indexed by node. They are reallocated as the arena grows, so
  // read them through the tree (tree.totalNs[i]) rather than keeping a
  // column across newNode() calls.
  kind: Uint8Array;
  frame: Uint32Array;
  parent: Uint32Array;
  group: Uint32Array;
  totalNs: Float64Array;
  /** Set by collapse_recursion: the longest run of direct recursive calls
   * folded into this node, its own call included; 1 when nothing was. */
  recursionDepth: Uint32Array;
  /** Set by group_library_frames on members folded into the group line. */
  hiddenInGroup: Uint8Array;
  /** Node indices in display order; never push directly (see appendChild). */
  children: number[][];
  groups: FrameGroup[] = [];

  private size_ = 0;

  /** An empty tree: just a root with no time. */
  constructor(session: SessionData, threadIndex: number, capacity = 16) {
    this.session = session;
    this.threadIndex = threadIndex;
    const cap = Math.max(1, capacity);
    this.kind = new Uint8Array(cap);
    this.frame = new Uint32Array(cap);
    this.parent = new Uint32Array(cap);
    this.group = new Uint32Array(cap);
    this.totalNs = new Float64Array(cap);
    this.recursionDepth = new Uint32Array(cap);
    this.hiddenInGroup = new Uint8Array(cap);
    this.children = [];
    this.newNode(NodeKind.Root, NO_FRAME, 0);
  }

  /** Arena size: reachable nodes plus any a processor detached. */
  get size(): number {
    return this.size_;
  }

  /** Grows the columns to hold at least `capacity` nodes. */
  reserve(capacity: number): void {
    if (capacity <= this.kind.length) return;
    const grow = <T extends Uint8Array | Uint32Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(capacity);
      b.set(a);
      return b;
    };
    this.kind = grow(this.kind);
    this.frame = grow(this.frame);
    this.parent = grow(this.parent);
    this.group = grow(this.group);
    this.totalNs = grow(this.totalNs);
    this.recursionDepth = grow(this.recursionDepth);
    this.hiddenInGroup = grow(this.hiddenInGroup);
  }

  /** Adds a detached node; attach it with appendChild. */
  newNode(kind: NodeKind, frame: number, totalNs: number): number {
    const index = this.size_;
    if (index >= this.kind.length) this.reserve(Math.max(16, index * 2));
    this.kind[index] = kind;
    this.frame[index] = frame;
    this.parent[index] = NO_NODE;
    this.group[index] = NO_GROUP;
    this.totalNs[index] = totalNs;
    this.recursionDepth[index] = 1;
    this.hiddenInGroup[index] = 0;
    this.children.push(NO_CHILDREN);
    this.size_ = index + 1;
    return index;
  }

  /** Appends `child` to `parent`'s children and sets its parent. Totals are
   * left alone: the caller keeps them consistent. */
  appendChild(parent: number, child: number): void {
    const list = this.children[parent];
    if (list === NO_CHILDREN) this.children[parent] = [child];
    else list.push(child);
    this.parent[child] = parent;
  }

  /** Replaces `parent`'s children by `list` and points them back at it. */
  setChildren(parent: number, list: number[]): void {
    for (const child of list) this.parent[child] = parent;
    this.children[parent] = list.length === 0 ? NO_CHILDREN : list;
  }

  /** Time of `index` not covered by its children: a leaf's whole time, or
   * time absorbed from removed children. Never negative. */
  selfNs(index: number): number {
    let sum = 0;
    for (const child of this.children[index]) sum += this.totalNs[child];
    return Math.max(0, this.totalNs[index] - sum);
  }

  /** True for frame nodes whose frame carries `flag` (FRAME_*). */
  hasFlag(index: number, flag: number): boolean {
    return (
      this.kind[index] === NodeKind.Frame &&
      (this.session.frames[this.frame[index]].flags & flag) !== 0
    );
  }

  /** Number of nodes reachable from the root, the root included. */
  reachableCount(): number {
    let count = 0;
    const stack = [this.root];
    while (stack.length > 0) {
      const index = stack.pop() as number;
      ++count;
      for (const child of this.children[index]) stack.push(child);
    }
    return count;
  }

  /** Takes over `other`'s nodes and groups (invert_callers builds a new tree
   * and swaps it in, like C++ `tree = std::move(inverted)`). */
  replaceWith(other: FrameTree): void {
    this.kind = other.kind;
    this.frame = other.frame;
    this.parent = other.parent;
    this.group = other.group;
    this.totalNs = other.totalNs;
    this.recursionDepth = other.recursionDepth;
    this.hiddenInGroup = other.hiddenInGroup;
    this.children = other.children;
    this.groups = other.groups;
    this.size_ = other.size_;
  }

  /** The label C++ DebugString prints: function name, `[self]` or `[root]`. */
  label(index: number): string {
    switch (this.kind[index]) {
      case NodeKind.Root:
        return "[root]";
      case NodeKind.Self:
        return "[self]";
      default:
        return this.session.frames[this.frame[index]].function;
    }
  }

  /** One line per reachable node like C++ DebugString: two spaces of indent
   * per level, `<label> <totalNs>`, then ` g<group>`, ` hidden`, ` r<depth>`
   * when set. `label` overrides the node label (tests name frames by id). */
  debugString(label: (index: number) => string = (i) => this.label(i)): string {
    const lines: string[] = [];
    const stack: Array<[number, number]> = [[this.root, 0]];
    while (stack.length > 0) {
      const [index, depth] = stack.pop() as [number, number];
      let line = `${" ".repeat(2 * depth)}${label(index)} ${this.totalNs[index]}`;
      if (this.group[index] !== NO_GROUP) line += ` g${this.group[index]}`;
      if (this.hiddenInGroup[index]) line += " hidden";
      if (this.recursionDepth[index] > 1) line += ` r${this.recursionDepth[index]}`;
      lines.push(line);
      const list = this.children[index];
      for (let i = list.length - 1; i >= 0; --i) stack.push([list[i], depth + 1]);
    }
    return lines.join("\n") + "\n";
  }
}

/**
 * The aggregated call tree of `session.threads[threadIndex]`: one node per
 * stack trie node with samples at or below it, children in trie (first seen)
 * order, a `[self]` child last where a frame has both calls and own samples.
 * Samples on the empty stack are the root's own time. An out-of-range
 * threadIndex yields an empty tree.
 */
export function buildAggregatedTree(session: SessionData, threadIndex: number): FrameTree {
  const thread = session.threads[threadIndex];
  if (thread === undefined) return new FrameTree(session, threadIndex);
  const trieSize = thread.nodeParent.length;
  const samples = Math.min(thread.sampleNodes.length, thread.sampleDurationsNs.length);

  const self = new Float64Array(trieSize);
  const total = new Float64Array(trieSize);
  // Trie nodes without samples at or below them (possible in loaded files)
  // are not part of the tree.
  const sampled = new Uint8Array(trieSize);
  for (let i = 0; i < samples; ++i) {
    const node = thread.sampleNodes[i];
    if (node >= trieSize) continue; // only for unvalidated input
    self[node] += thread.sampleDurationsNs[i];
    sampled[node] = 1;
  }
  // Parents come before children, so one reverse pass sums bottom-up.
  const childCount = new Uint32Array(trieSize);
  for (let n = trieSize - 1; n >= 0; --n) {
    total[n] += self[n];
    if (n === 0 || !sampled[n]) continue;
    const parent = thread.nodeParent[n];
    total[parent] += total[n];
    sampled[parent] = 1;
    ++childCount[parent];
  }

  let treeSize = 1;
  for (let n = 0; n < trieSize; ++n) {
    if (!sampled[n]) continue;
    treeSize += (n !== 0 ? 1 : 0) + (childCount[n] > 0 && self[n] > 0 ? 1 : 0);
  }
  const tree = new FrameTree(session, threadIndex, treeSize);
  const treeIndex = new Uint32Array(trieSize).fill(NO_NODE);
  if (trieSize > 0) {
    treeIndex[0] = tree.root;
    tree.totalNs[tree.root] = total[0];
  }
  for (let n = 1; n < trieSize; ++n) {
    if (!sampled[n]) continue;
    const index = tree.newNode(NodeKind.Frame, thread.nodeFrame[n], total[n]);
    tree.appendChild(treeIndex[thread.nodeParent[n]], index);
    treeIndex[n] = index;
  }
  // `[self]` children go last, after every call.
  for (let n = 0; n < trieSize; ++n) {
    if (!sampled[n] || childCount[n] === 0 || self[n] <= 0) continue;
    const index = tree.newNode(NodeKind.Self, NO_FRAME, self[n]);
    tree.appendChild(treeIndex[n], index);
  }
  return tree;
}

/** A growable Uint32Array/Float64Array pair used while laying out the
 * timeline before the node count is known. */
function grown<T extends Uint32Array | Float64Array | Uint8Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

/**
 * The chronological call tree of `session.threads[threadIndex]`: consecutive
 * samples sharing a stack prefix share those nodes; a frame that ends and
 * starts again is a new node; `[self]` children sit where the time was spent
 * (between calls). Linear in samples plus the frames that change between
 * consecutive samples.
 */
export function buildTimelineTree(session: SessionData, threadIndex: number): FrameTree {
  const thread = session.threads[threadIndex];
  if (thread === undefined) return new FrameTree(session, threadIndex);
  const trieSize = thread.nodeParent.length;
  const samples = Math.min(thread.sampleNodes.length, thread.sampleDurationsNs.length);

  const depth = new Uint32Array(trieSize);
  for (let n = 1; n < trieSize; ++n) depth[n] = depth[thread.nodeParent[n]] + 1;

  // Laid out flat first, then copied into a tree whose child lists are
  // allocated at their final size. Ids are the same in both: a child's id is
  // larger than its parent's, siblings' ids follow their chronological order.
  let capacity = Math.max(16, (samples >> 1) + 16);
  let flatParent = new Uint32Array(capacity);
  let flatFrame = new Uint32Array(capacity);
  let flatKind = new Uint8Array(capacity);
  let flatChildren = new Uint32Array(capacity);
  // For frames and the root: time spent in the node itself since its last
  // child opened; it becomes a `[self]` child when the next child opens (or
  // at the end), or stays in the node when it never gets children. For
  // `[self]` nodes: their time.
  let pending = new Float64Array(capacity);
  let count = 1;
  flatParent[0] = NO_NODE;
  flatFrame[0] = NO_FRAME;
  flatKind[0] = NodeKind.Root;
  const add = (parent: number, kind: NodeKind, frame: number, time: number): number => {
    if (count >= capacity) {
      capacity *= 2;
      flatParent = grown(flatParent, capacity);
      flatFrame = grown(flatFrame, capacity);
      flatKind = grown(flatKind, capacity);
      flatChildren = grown(flatChildren, capacity);
      pending = grown(pending, capacity);
    }
    const id = count++;
    flatParent[id] = parent;
    flatFrame[id] = frame;
    flatKind[id] = kind;
    flatChildren[id] = 0;
    pending[id] = time;
    ++flatChildren[parent];
    return id;
  };

  // The previous sample's stack, as trie nodes and as the nodes opened for
  // them; entry 0 is the empty stack / the root.
  const openTrie: number[] = [0];
  const openNode: number[] = [0];
  const newPath: number[] = []; // scratch: trie nodes to open, leaf first

  for (let i = 0; i < samples; ++i) {
    const leaf = thread.sampleNodes[i];
    const duration = thread.sampleDurationsNs[i];
    if (leaf >= trieSize) continue; // only for unvalidated input
    if (leaf !== openTrie[openTrie.length - 1]) {
      // Climb from the new leaf to the deepest trie node still open.
      newPath.length = 0;
      let node = leaf;
      while (depth[node] >= openTrie.length || openTrie[depth[node]] !== node) {
        newPath.push(node);
        node = thread.nodeParent[node];
      }
      openTrie.length = depth[node] + 1;
      openNode.length = depth[node] + 1;
      for (let k = newPath.length - 1; k >= 0; --k) {
        const parent = openNode[openNode.length - 1];
        if (pending[parent] > 0) {
          add(parent, NodeKind.Self, NO_FRAME, pending[parent]);
          pending[parent] = 0;
        }
        openTrie.push(newPath[k]);
        openNode.push(add(parent, NodeKind.Frame, thread.nodeFrame[newPath[k]], 0));
      }
    }
    pending[openNode[openNode.length - 1]] += duration;
  }

  // Time spent after a node's last call becomes its last `[self]` child.
  const built = count;
  for (let id = 0; id < built; ++id) {
    if (flatKind[id] !== NodeKind.Self && flatChildren[id] > 0 && pending[id] > 0) {
      add(id, NodeKind.Self, NO_FRAME, pending[id]);
      pending[id] = 0;
    }
  }
  // Totals bottom-up: `pending` now holds every node's own time.
  for (let id = count - 1; id >= 1; --id) pending[flatParent[id]] += pending[id];

  // Room for the `[self]` nodes processors add where frames are spliced out.
  const tree = new FrameTree(session, threadIndex, count + (count >> 3));
  tree.totalNs[0] = pending[0];
  const lists: number[][] = tree.children;
  for (let id = 1; id < count; ++id) tree.newNode(flatKind[id] as NodeKind, flatFrame[id], pending[id]);
  for (let id = 0; id < count; ++id) {
    if (flatChildren[id] > 0) lists[id] = new Array<number>();
  }
  for (let id = 1; id < count; ++id) {
    lists[flatParent[id]].push(id);
    tree.parent[id] = flatParent[id];
  }
  return tree;
}
