// Which processors each view runs for the reader's options. The processors
// are the data layer's ports of pyinstrument's passes (data/processors.ts);
// here they are chosen per view and per option, so a toggle in the page only
// re-runs them (no round trip to anything).
//
//   call-stack  aggregated; hide/filter per options; merge self time;
//               [collapse recursion]; aggregate; threshold; unnecessary self;
//               [group library frames]
//   inverted    as call-stack up to recursion, then invert_callers, threshold
//   icicle      as call-stack without grouping (every frame is a box), and
//               a threshold of at most 0.1%: a flame graph shows small
//               frames as thin boxes, where a 1% cut leaves gaps
//   timeline    chronological; hide per options; merge and unnecessary self
//               time; no threshold (the canvas merges sub-pixel frames)

import type { SessionData } from "../data/model";
import {
  aggregateRepeatedCalls,
  collapseRecursion,
  defaultProcessorOptions,
  groupLibraryFrames,
  invertCallers,
  mergeConsecutiveSelfTime,
  type Processor,
  type ProcessorOptions,
  removeHiddenFrames,
  removeImportlibFrames,
  removeIrrelevantNodes,
  removeProfilerFrames,
  removeUnnecessarySelfTime,
  runProcessors,
} from "../data/processors";
import { buildAggregatedTree, buildTimelineTree, type FrameTree } from "../data/tree";
import { regexError, type ViewName, type ViewOptions } from "./options";

/** The icicle's threshold never exceeds this share (0.1%). */
export const ICICLE_MAX_THRESHOLD = 0.001;

export function processorOptions(options: ViewOptions): ProcessorOptions {
  const p = defaultProcessorOptions();
  p.filterThreshold = options.thresholdPercent / 100;
  if (options.libraryMode === "custom") {
    // A pattern that does not compile is reported in the options panel and
    // treated as no rule here.
    p.hideRegex = regexError(options.hideRegex) === null ? options.hideRegex : "";
    p.showRegex = regexError(options.showRegex) === null ? options.showRegex : "";
  }
  if (!options.removeHidden) p.importlibPatterns = [];
  return p;
}

export function viewProcessors(view: ViewName, options: ViewOptions): Processor[] {
  const list: Processor[] = [];
  if (options.removeHidden) list.push(removeImportlibFrames, removeHiddenFrames);
  if (options.removeProfiler) list.push(removeProfilerFrames);
  list.push(mergeConsecutiveSelfTime);
  if (view === "timeline") {
    list.push(removeUnnecessarySelfTime);
    return list;
  }
  if (options.collapseRecursion) list.push(collapseRecursion);
  if (view === "inverted") {
    list.push(invertCallers, removeIrrelevantNodes);
    return list;
  }
  list.push(aggregateRepeatedCalls, removeIrrelevantNodes, removeUnnecessarySelfTime);
  if (view === "call-stack" && options.libraryMode !== "off") list.push(groupLibraryFrames);
  return list;
}

/** The processed tree a view draws for one thread. */
export function buildViewTree(
  session: SessionData,
  threadIndex: number,
  view: ViewName,
  options: ViewOptions,
): FrameTree {
  const tree = view === "timeline" ? buildTimelineTree(session, threadIndex) : buildAggregatedTree(session, threadIndex);
  const p = processorOptions(options);
  if (view === "icicle") p.filterThreshold = Math.min(p.filterThreshold, ICICLE_MAX_THRESHOLD);
  runProcessors(viewProcessors(view, options), p, tree);
  return tree;
}
