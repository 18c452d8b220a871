// pitstop status: the "Email me" line shows counts only, and the message in every language the admin gave — cli harness, the CLI's pure formatting in Node.
import { describe, expect, it } from "vitest";
import type { AdminStatus } from "../../src/shared/api.ts";
import { statusRows } from "../../src/cli/format.ts";

function status(partial: Partial<AdminStatus>): AdminStatus {
  return {
    ok: true,
    site: "shop.example",
    effective: { mode: "maintenance", phase: "active", message: "Back soon", startsAt: null, endsAt: null, announceFrom: null, retryAfter: 300, updatedAt: null, rules: [], source: "site", updatedBy: null },
    documents: { site: null, "*": null },
    faults: [],
    allow: { ips: [], paths: [] },
    notify: { enabled: false },
    ...partial,
  } as AdminStatus;
}

const row = (s: AdminStatus, label: string) => statusRows(s, new Date()).find(([l]) => l === label)?.[1] ?? null;

describe("pitstop status", () => {
  it("shows the subscribers' counts when the form is on, and nothing when it is off", () => {
    expect(row(status({ notify: { enabled: true, from: "m@example.org", max: 1000, subscribed: 3, pending: 1, sent: 12, failed: 2 } }), "Email me")).toBe(
      "3 waiting, 1 being sent, 12 sent, 2 failed (from m@example.org)",
    );
    expect(row(status({ notify: { enabled: true, from: "m@example.org", max: 1000, fault: "timed out" } }), "Email me")).toBe("the subscriber store did not answer: timed out");
    expect(row(status({ notify: { enabled: false } }), "Email me")).toBeNull();
  });

  it("shows the message in every language given", () => {
    const doc = { message: { en: "Back soon", fr: "Bientôt de retour" } } as unknown as NonNullable<AdminStatus["documents"]["site"]>;
    expect(row(status({ documents: { site: doc, "*": null } }), "Message")).toBe('en: "Back soon", fr: "Bientôt de retour"');
  });
});
