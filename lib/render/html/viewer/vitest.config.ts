// Tests run in Node: the data layer is DOM-free on purpose, so no jsdom.
// Kept apart from vite.config.ts so the single-file build plugins stay out of
// the test run.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
    environment: "node",
  },
});
