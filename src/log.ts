// One structured JSON line per admin action and per fault; none per ordinary
// request. Never pass secrets, tokens, cookies or email addresses in `fields`.
export type LogEvent =
  | "admin.change"
  | "admin.refused"
  | "state.fault"
  | "state.recovered"
  | "origin.fault"
  | "config.fault"
  | "bypass.used"
  | "webhook.failed"
  | "webhook.delivered"
  | "render.fault"
  | "identity.fault"
  | "notify.released"
  | "notify.sent"
  | "notify.failed";

export function logEvent(level: "info" | "warn" | "error", event: LogEvent, fields: Record<string, unknown>): void {
  const at = new Date().toISOString();
  // level, event and at come first and cannot be overwritten by a field of the
  // same name: an alert on "webhook.failed" must see that name.
  const line = JSON.stringify(Object.assign({ level, event, at }, fields, { level, event, at }));
  if (level === "info") console.log(line);
  else if (level === "warn") console.warn(line);
  else console.error(line);
}

/** Logs at most once per interval per key, counting what it held back. */
export function rateLimited(intervalMs: number) {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (key: string, now: number, emit: (suppressed: number) => void): void => {
    const seen = last.get(key);
    if (seen && now - seen.at < intervalMs) {
      seen.suppressed++;
      return;
    }
    emit(seen?.suppressed ?? 0);
    last.set(key, { at: now, suppressed: 0 });
  };
}
