// State documents for tests, built on the real emptyDoc so they stay in step
// with the schema. Shared by the unit tests and the worker tests.
import { emptyDoc, type DocRead, type StateDoc } from "../../src/core/doc";

/** A document in full maintenance unless `partial` says otherwise. */
export function doc(partial: Partial<StateDoc> = {}, at = new Date()): StateDoc {
  return { ...emptyDoc(at, "test"), mode: "maintenance", ...partial };
}

/** A document as read from storage. */
export function stored(d: StateDoc | null): DocRead {
  return { ok: true, doc: d, raw: d === null ? null : JSON.stringify(d) };
}
