// Imports point one way: from the entry point down to a pure core. `npm test`
// runs this through scripts/check-imports.mjs; a cycle or an upward import fails it.
// The layers, lowest first (a module may import its own layer and those below):
//   core/, shared/    pure rules and the admin API's types: no I/O, no Hono
//   config, log       configuration parsed from env; structured log lines
//   state/            storage (KV keys, documents, audit log) and the isolate cache
//   page/ banner/ bypass/ webhooks/   what the gate and the admin API use
//   request, gate/, admin/            one request; the gate and the admin API
//   index             wires the parts together
// The CLI (src/cli/) runs in Node and may only take types from src/shared/,
// and the time reader (src/core/time.ts), so that both read a time alike.
const layer = (dirs) => `^src/(${dirs.join("|")})`;
const CORE = ["core/", "shared/"];
const BASE = [...CORE, "config\\.ts", "log\\.ts"];
const STATE = [...BASE, "state/"];
const SERVICES = [...STATE, "page/", "banner/", "bypass/", "webhooks/", "identity/", "i18n/", "notify/"];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: "no-cycles", severity: "error", comment: "Modules must not import each other in a circle.", from: {}, to: { circular: true } },
    {
      name: "core-is-pure",
      severity: "error",
      comment: "core/ and shared/ hold pure rules and types: they import only each other and valibot.",
      from: { path: layer(CORE) },
      to: { pathNot: [layer(CORE), "node_modules/valibot"] },
    },
    {
      name: "base-below-state",
      severity: "error",
      from: { path: layer(["config\\.ts", "log\\.ts"]) },
      to: { path: "^src/", pathNot: layer(BASE) },
    },
    {
      name: "state-below-services",
      severity: "error",
      comment: "Storage and the cache know nothing of pages, banners, bypass, webhooks, the gate or the admin API.",
      from: { path: "^src/state/" },
      to: { path: "^src/", pathNot: layer(STATE) },
    },
    {
      name: "services-below-gate-and-admin",
      severity: "error",
      from: { path: layer(["page/", "banner/", "bypass/", "webhooks/", "identity/", "i18n/", "notify/"]) },
      to: { path: "^src/", pathNot: layer(SERVICES) },
    },
    {
      name: "gate-and-admin-apart",
      severity: "error",
      comment: "The gate and the admin API share parts below them, never each other.",
      from: { path: "^src/gate/" },
      to: { path: "^src/admin/" },
    },
    {
      name: "admin-and-gate-apart",
      severity: "error",
      from: { path: "^src/admin/" },
      to: { path: "^src/gate/" },
    },
    {
      name: "only-tests-import-the-entry-point",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/index\\.ts$" },
      to: { path: "^src/index\\.ts$" },
    },
    {
      name: "cli-takes-only-shared-types",
      severity: "error",
      comment: "The CLI is bundled for Node on its own: from the worker it may take only the types in shared/ and the time reader.",
      from: { path: "^src/cli/" },
      to: { path: "^src/", pathNot: ["^src/cli/", "^src/shared/", "^src/core/time\\.ts$"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // TypeScript 7 has no compiler API for dependency-cruiser to parse with,
    // so it parses with swc. swc does not tell type-only imports apart:
    // scripts/check-imports.mjs checks those itself.
    parser: "swc",
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"] },
  },
};
