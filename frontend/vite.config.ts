import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// The API serves dist/ at "/" in production; in development Vite proxies /api to it.
const apiTarget = process.env.TUNESCRIBE_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  server: { proxy: { "/api": apiTarget } },
  build: {
    // OSMD (the score) is one big lazy chunk; the main bundle is checked by scripts/bundle-size.mjs.
    chunkSizeWarningLimit: 1600,
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    css: false,
    testTimeout: 20_000,
  },
});
