import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";

export default defineConfig({
  plugins: [vue()],
  // wasmtrace is a file: dependency (../pkg); the dev server must be allowed to read it.
  server: { fs: { allow: [".."] } },
});
