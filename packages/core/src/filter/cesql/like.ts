/*
 * CESQL v1 §3.4.3 LIKE patterns: `%` is any run of characters, `_` one character, `\%` and `\_`
 * the characters themselves; any other character (a lone `\` too, cesql_tck like_expression.yaml)
 * is itself, case-sensitively. Compiled once into a matcher that never backtracks
 * exponentially: a pattern without `_` is matched with string searches (greedy leftmost, linear),
 * one with `_` by the classic wildcard walk over code points (at most text × pattern steps).
 */

const ANY_ONE = -1;
const ANY_RUN = -2;

/** The pattern as code points, ANY_ONE for `_` and ANY_RUN for `%` (runs of `%` merged). */
function itemsOf(pattern: string): number[] {
  const items: number[] = [];
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === '\\' && (chars[i + 1] === '%' || chars[i + 1] === '_')) {
      items.push((chars[++i] as string).codePointAt(0) as number);
    } else if (ch === '%') {
      if (items.at(-1) !== ANY_RUN) items.push(ANY_RUN);
    } else if (ch === '_') {
      items.push(ANY_ONE);
    } else {
      items.push(ch.codePointAt(0) as number);
    }
  }
  return items;
}

/** Matching with `%` only: literal segments found left to right. */
function segmentMatcher(items: number[]): (text: string) => boolean {
  const segments: string[] = [''];
  for (const item of items) {
    if (item === ANY_RUN) segments.push('');
    else segments[segments.length - 1] += String.fromCodePoint(item);
  }
  if (segments.length === 1) {
    const only = segments[0] as string;
    return (text) => text === only;
  }
  const first = segments[0] as string;
  const last = segments.at(-1) as string;
  const middle = segments.slice(1, -1);
  if (middle.length === 0) {
    if (last === '') return (text) => text.startsWith(first);
    if (first === '') return (text) => text.endsWith(last);
  }
  if (middle.length === 1 && first === '' && last === '') {
    const inner = middle[0] as string;
    return (text) => text.includes(inner);
  }
  const minLength = first.length + last.length;
  return (text) => {
    if (text.length < minLength || !text.startsWith(first) || !text.endsWith(last)) return false;
    let at = first.length;
    const end = text.length - last.length;
    for (const segment of middle) {
      const found = text.indexOf(segment, at);
      if (found < 0 || found + segment.length > end) return false;
      at = found + segment.length;
    }
    return true;
  };
}

/** Matching with `_`: the wildcard walk over code points, backtracking only to the last `%`. */
function walkMatcher(items: number[]): (text: string) => boolean {
  const width = (cp: number) => (cp > 0xffff ? 2 : 1);
  return (text) => {
    let t = 0;
    let p = 0;
    let star = -1;
    let resume = 0;
    while (t < text.length) {
      const item = items[p];
      const cp = text.codePointAt(t) as number;
      if (item === ANY_RUN) {
        star = p++;
        resume = t;
      } else if (item !== undefined && (item === ANY_ONE || item === cp)) {
        p++;
        t += width(cp);
      } else if (star >= 0) {
        p = star + 1;
        resume += width(text.codePointAt(resume) as number);
        t = resume;
      } else {
        return false;
      }
    }
    while (items[p] === ANY_RUN) p++;
    return p === items.length;
  };
}

export function compileLike(pattern: string): (text: string) => boolean {
  const items = itemsOf(pattern);
  return items.includes(ANY_ONE) ? walkMatcher(items) : segmentMatcher(items);
}

/**
 * How many times matching may read each character of the text, for the cost estimate: once for
 * the string searches and the walk without `%`, up to the pattern's length for the walk with both.
 */
export function likeScans(pattern: string): number {
  const items = itemsOf(pattern);
  return items.includes(ANY_ONE) && items.includes(ANY_RUN) ? items.length : 1;
}
