import { EventyardError } from './errors.ts';
import type { BackoffPolicy } from './resources/types.ts';

/*
 * Retry delays. Knative (pkg/kncloudevents/retries.go, RetryConfigFromDeliverySpec) computes
 *   linear:      backoffDelay × n
 *   exponential: backoffDelay × 2^n
 * where n is the retry number. We count n from 1 for the first retry, as the Kafka broker does and
 * as the DESIGN states: the first linear retry waits one delay, the first exponential retry two.
 * (Knative MT passes go-retryablehttp's 0-based counter, which makes its first linear retry
 * immediate.)
 *
 * Jitter: the delay is scaled by a factor drawn uniformly from [1 - JITTER, 1 + JITTER), ±20%,
 * so subscribers that failed together do not get retried in lockstep. The mean stays the Knative
 * delay.
 */

/** Relative jitter applied to every delay: ±20%. */
export const BACKOFF_JITTER = 0.2;
/** Longest delay returned: the largest a Node.js timer accepts (about 24.8 days). */
export const MAX_BACKOFF_MS = 2_147_483_647;

/**
 * The delay before retry number `attempt` (1 for the first retry) under `policy`, in milliseconds.
 * `random` returns a number in [0, 1) and defaults to Math.random; pass `() => 0.5` for no jitter.
 */
export function backoffDelayMs(
  policy: BackoffPolicy,
  delayMs: number,
  attempt: number,
  random: () => number = Math.random,
): number {
  if (!Number.isFinite(delayMs) || delayMs < 0) {
    throw new EventyardError(
      'EY_INTERNAL',
      `backoff delay must be a non-negative number of milliseconds, got ${delayMs}`,
    );
  }
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new EventyardError('EY_INTERNAL', `retry attempt must be an integer from 1, got ${attempt}`);
  }
  const base = policy === 'exponential' ? delayMs * 2 ** attempt : delayMs * attempt;
  const factor = 1 - BACKOFF_JITTER + 2 * BACKOFF_JITTER * random();
  return Math.min(Math.round(base * factor), MAX_BACKOFF_MS);
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

// RFC 9110 §5.6.7 HTTP-date: IMF-fixdate, then the two obsolete forms recipients must accept.
const IMF_FIXDATE = /^[A-Za-z]{3}, (\d{2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const RFC850_DATE = /^[A-Za-z]{6,9}, (\d{2})-([A-Za-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const ASCTIME_DATE = /^[A-Za-z]{3} ([A-Za-z]{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

function utc(year: number, month: string, day: number, hour: number, minute: number, second: number): number {
  const m = MONTHS.indexOf(month.toLowerCase());
  if (m === -1 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return Number.NaN;
  const t = Date.UTC(year, m, day, hour, minute, Math.min(second, 59));
  // Reject dates that do not exist (Feb 30 rolls over in Date.UTC).
  return new Date(t).getUTCDate() === day ? t : Number.NaN;
}

function parseHttpDate(value: string, now: number): number {
  let m = IMF_FIXDATE.exec(value);
  if (m !== null)
    return utc(Number(m[3]), m[2] as string, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  m = RFC850_DATE.exec(value);
  if (m !== null) {
    // RFC 9110 §5.6.7: a two-digit year more than 50 years in the future means the past century.
    const currentYear = new Date(now).getUTCFullYear();
    let year = Math.floor(currentYear / 100) * 100 + Number(m[3]);
    if (year > currentYear + 50) year -= 100;
    return utc(year, m[2] as string, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  }
  m = ASCTIME_DATE.exec(value);
  if (m !== null) {
    return utc(
      Number(m[6]),
      m[1] as string,
      Number((m[2] as string).trim()),
      Number(m[3]),
      Number(m[4]),
      Number(m[5]),
    );
  }
  return Number.NaN;
}

/**
 * The wait a `Retry-After` header asks for, in milliseconds from `now` (epoch ms), or undefined when
 * the header is absent or invalid. RFC 9110 §10.2.3: either delay-seconds (`120`) or an HTTP-date;
 * a date in the past means 0. The caller caps it (`retryAfterMax`).
 */
export function parseRetryAfter(header: string | undefined, now: number): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === '') return undefined;
  if (/^\d+$/.test(value)) {
    const ms = Number(value) * 1000;
    return Number.isFinite(ms) ? ms : undefined;
  }
  const at = parseHttpDate(value, now);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
