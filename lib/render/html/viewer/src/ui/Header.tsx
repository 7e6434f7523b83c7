// The header: what was profiled and the headline numbers, the thread
// selector, the view switch, the search box and the options toggle.

import type { SessionData } from "../data/model";
import { formatCount, formatCpuUtilisation, formatDate, formatDuration } from "./format";
import type { ViewName } from "./options";

const VIEW_LABELS: Array<[ViewName, string, string]> = [
  ["call-stack", "Call stack", "The aggregated call tree"],
  ["timeline", "Timeline", "Every thread in time order"],
  ["icicle", "Flame graph", "The aggregated tree as an icicle"],
  ["inverted", "Callers", "Inverted: who spent time, and who called them"],
];

export interface HeaderProps {
  session: SessionData;
  source: string;
  threadIndex: number;
  onThread(index: number): void;
  view: ViewName;
  onView(view: ViewName): void;
  search: string;
  onSearch(text: string): void;
  searchInfo: string;
  searchError: string | null;
  optionsOpen: boolean;
  onToggleOptions(): void;
}

export function sampleCount(session: SessionData): number {
  let n = 0;
  for (const t of session.threads) n += t.sampleNodes.length;
  return n;
}

export function threadLabel(session: SessionData, index: number): string {
  const t = session.threads[index];
  if (t === undefined) return "";
  return `${t.name === "" ? "thread" : t.name} (id ${t.id})`;
}

export function Header(props: HeaderProps) {
  const { session } = props;
  const title = session.targetDescription || session.program || props.source;
  return (
    <header class="header">
      <div class="header-top">
        <div class="brand" aria-hidden="true">
          pyi
        </div>
        <div class="title-block">
          <div class="title" data-testid="header-target" title={session.program}>
            {title}
          </div>
          <div class="metrics">
            <span class="metric">
              <span class="metric-key">Recorded</span>
              <span data-testid="header-date">{formatDate(session.startTimeUnixNs)}</span>
            </span>
            <span class="metric">
              <span class="metric-key">Samples</span>
              <span data-testid="header-samples">{formatCount(sampleCount(session))}</span>
            </span>
            <span class="metric">
              <span class="metric-key">Duration</span>
              <span data-testid="header-duration">{formatDuration(session.durationNs)}</span>
            </span>
            <span class="metric">
              <span class="metric-key">CPU utilisation</span>
              <span data-testid="header-cpu">{formatCpuUtilisation(session.cpuTimeNs, session.durationNs)}</span>
            </span>
            {session.libraryVersion !== "" ? (
              <span class="metric faint">
                <span class="metric-key">libpyinstrument</span>
                <span data-testid="header-version">{session.libraryVersion}</span>
              </span>
            ) : null}
          </div>
        </div>
      </div>
      <div class="toolbar">
        <div class="view-switch" role="tablist" aria-label="View" data-testid="view-switch">
          {VIEW_LABELS.map(([name, label, hint]) => (
            <button
              type="button"
              role="tab"
              key={name}
              title={hint}
              aria-selected={props.view === name}
              class={props.view === name ? "active" : ""}
              data-testid={`view-${name}`}
              onClick={() => props.onView(name)}
            >
              {label}
            </button>
          ))}
        </div>
        <label class="thread-select">
          <span class="metric-key">Thread</span>
          <select
            data-testid="thread-select"
            value={String(props.threadIndex)}
            disabled={props.view === "timeline" || session.threads.length <= 1}
            title={props.view === "timeline" ? "The timeline shows every thread" : undefined}
            onChange={(e) => props.onThread(Number((e.currentTarget as HTMLSelectElement).value))}
          >
            {session.threads.map((_, i) => (
              <option key={i} value={String(i)}>
                {threadLabel(session, i)}
              </option>
            ))}
          </select>
        </label>
        <div class="search">
          <input
            type="search"
            placeholder="Search frames (text or /regex/)"
            aria-label="Search frames"
            data-testid="search-input"
            class={props.searchError !== null ? "invalid" : ""}
            value={props.search}
            onInput={(e) => props.onSearch((e.currentTarget as HTMLInputElement).value)}
            onKeyDown={(e) => {
              if (e.key === "Escape") props.onSearch("");
            }}
          />
          <span class={`search-info${props.searchError !== null ? " error" : ""}`} data-testid="search-info">
            {props.searchError ?? props.searchInfo}
          </span>
        </div>
        <button
          type="button"
          class={`options-toggle${props.optionsOpen ? " active" : ""}`}
          aria-expanded={props.optionsOpen}
          aria-controls="pyi-options"
          data-testid="options-toggle"
          onClick={props.onToggleOptions}
        >
          View options
        </button>
      </div>
    </header>
  );
}
