// The view options panel. Changes apply at once (the processors run in the
// page) and are remembered in localStorage by the App.

import { type LibraryMode, regexError, sanitizeThreshold, type TimeFormat, type ViewOptions } from "./options";

export interface OptionsPanelProps {
  options: ViewOptions;
  onChange(options: ViewOptions): void;
  onReset(): void;
}

export function OptionsPanel({ options, onChange, onReset }: OptionsPanelProps) {
  const set = <K extends keyof ViewOptions>(key: K, value: ViewOptions[K]) => onChange({ ...options, [key]: value });
  const hideError = regexError(options.hideRegex);
  const showError = regexError(options.showRegex);
  const modes: Array<[LibraryMode, string]> = [
    ["collapse", "Library code"],
    ["custom", "Custom"],
    ["off", "Off"],
  ];
  const formats: Array<[TimeFormat, string]> = [
    ["absolute", "Seconds"],
    ["percent", "Percent"],
  ];
  return (
    <section class="options" id="pyi-options" aria-label="View options" data-testid="options-panel">
      <fieldset>
        <legend>Collapse frames</legend>
        {modes.map(([mode, label]) => (
          <label key={mode} class="radio">
            <input
              type="radio"
              name="pyi-library-mode"
              value={mode}
              checked={options.libraryMode === mode}
              data-testid={`option-library-${mode}`}
              onChange={() => set("libraryMode", mode)}
            />
            {label}
          </label>
        ))}
        {options.libraryMode === "custom" ? (
          <div class="regexes">
            <label>
              <span>Hide regex</span>
              <input
                type="text"
                spellcheck={false}
                placeholder="e.g. .*/vendor/.*"
                value={options.hideRegex}
                class={hideError !== null ? "invalid" : ""}
                data-testid="option-hide-regex"
                onInput={(e) => set("hideRegex", (e.currentTarget as HTMLInputElement).value)}
              />
            </label>
            {hideError !== null ? <div class="field-error">{hideError}</div> : null}
            <label>
              <span>Show regex</span>
              <input
                type="text"
                spellcheck={false}
                placeholder="e.g. /src/"
                value={options.showRegex}
                class={showError !== null ? "invalid" : ""}
                data-testid="option-show-regex"
                onInput={(e) => set("showRegex", (e.currentTarget as HTMLInputElement).value)}
              />
            </label>
            {showError !== null ? <div class="field-error">{showError}</div> : null}
            <div class="hint">Matched from the start of each file path; show wins over hide.</div>
          </div>
        ) : null}
      </fieldset>
      <fieldset>
        <legend>Remove frames</legend>
        <label class="check">
          <input
            type="checkbox"
            checked={options.removeHidden}
            data-testid="option-remove-hidden"
            onChange={(e) => set("removeHidden", (e.currentTarget as HTMLInputElement).checked)}
          />
          Hidden and loader frames
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={options.removeProfiler}
            data-testid="option-remove-profiler"
            onChange={(e) => set("removeProfiler", (e.currentTarget as HTMLInputElement).checked)}
          />
          The profiler's own frames
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={options.collapseRecursion}
            data-testid="option-collapse-recursion"
            onChange={(e) => set("collapseRecursion", (e.currentTarget as HTMLInputElement).checked)}
          />
          Fold direct recursion
        </label>
        <label class="number">
          <span>Below</span>
          <input
            type="number"
            min={0}
            max={100}
            step={0.1}
            value={String(options.thresholdPercent)}
            data-testid="option-threshold"
            onInput={(e) => {
              const raw = (e.currentTarget as HTMLInputElement).value;
              if (raw.trim() === "") return;
              set("thresholdPercent", sanitizeThreshold(Number(raw), options.thresholdPercent));
            }}
          />
          <span>% of the time</span>
        </label>
      </fieldset>
      <fieldset>
        <legend>Time</legend>
        {formats.map(([format, label]) => (
          <label key={format} class="radio">
            <input
              type="radio"
              name="pyi-time-format"
              value={format}
              checked={options.timeFormat === format}
              data-testid={`option-time-${format}`}
              onChange={() => set("timeFormat", format)}
            />
            {label}
          </label>
        ))}
      </fieldset>
      <button type="button" class="reset" data-testid="option-reset" onClick={onReset}>
        Reset
      </button>
    </section>
  );
}
