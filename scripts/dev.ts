// `npm start`: the worker under wrangler dev (local workerd, local KV) in front
// of a small demo origin, entirely on 127.0.0.1. Nothing reaches the internet.
import { spawn } from "node:child_process";
import { startDemoOrigin } from "./demo-origin.ts";

const ORIGIN_PORT = Number(process.env.DEMO_ORIGIN_PORT ?? 8788);
const WORKER_PORT = Number(process.env.PORT ?? 8787);
// Local only. A real deployment sets its own with `wrangler secret put`.
const DEV_TOKEN = "dev-token-change-me";
const DEV_BYPASS_SECRET = "dev-bypass-secret-change-me-0123456789";
// "Email me when we're back" on: wrangler dev simulates the send_email binding
// (nothing is sent) and writes each email under .wrangler/tmp/email/.
const DEV_NOTIFY_FROM = "maintenance@example.org";

const origin = await startDemoOrigin(ORIGIN_PORT);
const wrangler = spawn(
  "wrangler",
  [
    "dev",
    "--ip", "127.0.0.1",
    "--port", String(WORKER_PORT),
    "--persist-to", ".wrangler/state",
    "--test-scheduled",
    "--var", `ORIGIN_URL:${origin.url}`,
    "--var", `ADMIN_TOKEN:${DEV_TOKEN}`,
    "--var", `BYPASS_SECRET:${DEV_BYPASS_SECRET}`,
    "--var", `NOTIFY_FROM:${DEV_NOTIFY_FROM}`,
  ],
  {
    stdio: "inherit",
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
  },
);

const site = `http://127.0.0.1:${WORKER_PORT}`;
console.log(`
  Pitstop (local) ........ ${site}
  Demo origin ............ ${origin.url}
  Dev admin token ........ ${DEV_TOKEN}

  Try:
    export PITSTOP_URL=${site} PITSTOP_TOKEN=${DEV_TOKEN}
    curl -X POST -H "Authorization: Bearer $PITSTOP_TOKEN" $PITSTOP_URL/__maint/on
    curl $PITSTOP_URL/          # the maintenance page (with "email me when we're back")
    curl -H "Accept-Language: fr" $PITSTOP_URL/   # ... in French
    curl -X POST -H "Authorization: Bearer $PITSTOP_TOKEN" $PITSTOP_URL/__maint/off
  Emails to subscribers are not sent: wrangler logs each one and writes it under .wrangler/tmp/email/.
`);

const stop = () => {
  wrangler.kill("SIGTERM");
  void origin.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
wrangler.on("exit", (code) => {
  void origin.close().then(() => process.exit(code ?? 0));
});
