// The shipped StateCoordinator, unchanged, with a count of its RPC calls.
// The bench and the soak run it in a service of its own next to each Pitstop
// copy (whose STATE_COORDINATOR binding names this service's class), so the
// harness can say how many coordinator calls a scenario made: a Durable Object
// binding cannot be wrapped from outside, but its class can be extended.
// The count lives in this isolate's memory, which the object shares with this
// module's fetch handler:
//   GET /__bench/counts   {"snapshot": n, "commit": n, "status": n, "log": n, "record": n}
import { StateCoordinator as Shipped } from "./pitstop.js";

const counts = { snapshot: 0, commit: 0, status: 0, log: 0, record: 0 };

export class StateCoordinator extends Shipped {
  async snapshot(...args) {
    counts.snapshot++;
    return super.snapshot(...args);
  }
  async commit(...args) {
    counts.commit++;
    return super.commit(...args);
  }
  async status(...args) {
    counts.status++;
    return super.status(...args);
  }
  async log(...args) {
    counts.log++;
    return super.log(...args);
  }
  async record(...args) {
    counts.record++;
    return super.record(...args);
  }
}

export default {
  fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/__bench/counts") return Response.json(counts);
    return new Response("not found", { status: 404 });
  },
};
