import { createApp } from "vue";
import App from "./App.vue";
import { startTracing } from "./tracing";

const provider = await startTracing();
createApp(App, { provider }).mount("#app");
