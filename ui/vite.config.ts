import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// The dev server forwards every API path to the local stack (the gateway on :8080),
// so `npm run dev` works against `hearth up` with cookies on one origin.
const backend = "http://127.0.0.1:8080";
const proxied = ["/ui-api", "/api", "/v1", "/v2"];

export default defineConfig({
  plugins: [react()],
  server: {
    host: "127.0.0.1",
    proxy: Object.fromEntries(proxied.map((path) => [path, { target: backend, changeOrigin: false }])),
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
  },
});
