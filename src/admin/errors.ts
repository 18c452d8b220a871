// The admin API's error shape: a stable code for scripts, a sentence for people,
// and the offending field when there is one.
export interface ErrorBody {
  ok: false;
  error: string;
  message: string;
  field?: string;
}

export function errorBody(error: string, message: string, field?: string): ErrorBody {
  return field === undefined ? { ok: false, error, message } : { ok: false, error, message, field };
}

// The full table of statuses and codes is in README.md ("Errors").
