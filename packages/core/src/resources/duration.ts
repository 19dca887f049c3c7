import { EventyardError } from '../errors.ts';

/**
 * ISO 8601 durations as Knative's DeliverySpec takes them (`backoffDelay`, `timeout`,
 * `retryAfterMax`): weeks, days, hours, minutes and seconds, each with an optional decimal fraction
 * (`PT0.2S`, `PT5S`, `PT1M30S`, `P1D`). Years and months are refused: they have no fixed length.
 *
 * Written without look-ahead so the same pattern works in a Kubernetes CRD (RE2). It still admits
 * `P`, `PT` and `P1DT`; `parseIsoDuration` rejects those.
 */
export const ISO_DURATION_PATTERN =
  '^P(\\d+([.,]\\d+)?W)?(\\d+([.,]\\d+)?D)?(T(\\d+([.,]\\d+)?H)?(\\d+([.,]\\d+)?M)?(\\d+([.,]\\d+)?S)?)?$';

const DURATION =
  /^P(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;

const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60 * MS_PER_SECOND;
const MS_PER_HOUR = 60 * MS_PER_MINUTE;
const MS_PER_DAY = 24 * MS_PER_HOUR;
const MS_PER_WEEK = 7 * MS_PER_DAY;

export const DURATION_MESSAGE = 'must be an ISO 8601 duration such as PT0.2S, PT5S, PT1M30S or P1D';

function amount(value: string | undefined): number {
  return value === undefined ? 0 : Number(value.replace(',', '.'));
}

/** Parses an ISO 8601 duration to milliseconds (rounded to a whole millisecond). */
export function parseIsoDuration(text: string): number {
  const match = DURATION.exec(text);
  // "P" and "PT" alone, or a "T" with nothing after it, name no duration at all.
  if (match === null || text === 'P' || text.endsWith('T')) {
    throw new EventyardError('EY_INVALID_RESOURCE', `"${text}" ${DURATION_MESSAGE}`, {
      details: { value: text },
    });
  }
  const [, weeks, days, hours, minutes, seconds] = match;
  return Math.round(
    amount(weeks) * MS_PER_WEEK +
      amount(days) * MS_PER_DAY +
      amount(hours) * MS_PER_HOUR +
      amount(minutes) * MS_PER_MINUTE +
      amount(seconds) * MS_PER_SECOND,
  );
}
