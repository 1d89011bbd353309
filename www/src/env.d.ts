/// <reference types="vite/client" />
declare module "*.vue" {
  import type { DefineComponent } from "vue";
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
interface ImportMetaEnv {
  /** The task API's base URL (another origin than the app's). */
  readonly VITE_API_URL?: string;
  /** Where spans go: the collector's OTLP/HTTP traces endpoint. */
  readonly VITE_OTLP_URL?: string;
  /** "off" builds the app without tracing (wasmtrace is then never initialized). */
  readonly VITE_TRACING?: string;
}
