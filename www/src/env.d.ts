/// <reference types="vite/client" />
declare module "*.vue" {
  import type { DefineComponent } from "vue";
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
interface ImportMetaEnv {
  /** Where spans go; the run command points it at the local collector. */
  readonly VITE_OTLP_URL?: string;
}
