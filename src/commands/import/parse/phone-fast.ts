import { Metadata, type CountryCode } from 'libphonenumber-js/core';
import metadata from 'libphonenumber-js/min/metadata';

/**
 * A shortcut for the common case of checkPhone: a number written as `+<digits>`,
 * perhaps with spaces or hyphens between digits. libphonenumber's parse costs microseconds a number (most of it
 * telling which of the countries sharing a calling code the number belongs to),
 * which was a third of the import parser's time. For `+<digits>` the library's
 * answer (possible or not, and the E.164 form) only depends on:
 * - the calling code: the shortest 1-3 digit prefix the metadata knows;
 * - whether the calling code's main country's national-prefix-for-parsing
 *   matches the start of the national number (then the library may strip or
 *   rewrite digits, so we do not take the shortcut);
 * - the national number's length against the possible lengths of the country,
 *   which is the same for every country of the calling code except at a few
 *   lengths (computed below from the metadata; at those lengths: no shortcut).
 * When any of that is not clear, the answer is `undefined` and the caller asks
 * libphonenumber. test/import/parse-phone.unit.test.ts compares both on many
 * random numbers of every calling code.
 */

interface CallingCodePlan {
  /** The main country's national prefix for parsing, anchored; null when none. */
  readonly prefix: RegExp | null;
  /** National number lengths that are possible in every country of the calling code. */
  readonly possible: ReadonlySet<number>;
  /** Lengths possible in some countries of the calling code but not all: no shortcut. */
  readonly ambiguous: ReadonlySet<number>;
}

const PLANS: ReadonlyMap<string, CallingCodePlan | null> = buildPlans();

/** Every calling code the metadata knows; null where the shortcut does not apply. */
function buildPlans(): Map<string, CallingCodePlan | null> {
  const plans = new Map<string, CallingCodePlan | null>();
  const json = metadata as unknown as { country_calling_codes: Record<string, string[]> };
  for (const [code, countries] of Object.entries(json.country_calling_codes)) {
    // Non-geographic plans ("001") follow other paths in the library: no shortcut.
    plans.set(code, null);
    if (countries.length === 0 || countries.includes('001')) continue;
    const lengths = countries.map((c) => lengthsOf(c));
    if (lengths.some((l) => l === undefined)) continue;
    const possible = new Set<number>();
    const ambiguous = new Set<number>();
    for (let n = 0; n <= 17; n++) {
      const count = lengths.filter((l) => l!.includes(n)).length;
      if (count === countries.length) possible.add(n);
      else if (count > 0) ambiguous.add(n);
    }
    const m = new Metadata(metadata);
    m.selectNumberingPlan(code as CountryCode); // a calling code selects its main country
    const p = (m as unknown as { numberingPlan: { nationalPrefixForParsing(): string | undefined } }).numberingPlan.nationalPrefixForParsing();
    plans.set(code, { prefix: p ? new RegExp(`^(?:${p})`) : null, possible, ambiguous });
  }
  return plans;
}

function lengthsOf(country: string): readonly number[] | undefined {
  const m = new Metadata(metadata);
  m.selectNumberingPlan(country as CountryCode);
  return (m as unknown as { numberingPlan: { possibleLengths(): number[] | undefined } }).numberingPlan.possibleLengths();
}

// The library's bounds on a national significant number (MIN/MAX_LENGTH_FOR_NSN).
const MIN_NSN = 2;
const MAX_NSN = 17;
const SEPARATORS = /[ -]+/g;

/**
 * For a trimmed value: its E.164 form when libphonenumber would call it possible,
 * null when it would not, undefined when the shortcut does not apply (ask the
 * library). Spaces and hyphens between digits are what the library drops too
 * ("+1 415-555 0123"); anything else (brackets, dots, letters, an extension) goes
 * to the library.
 */
export function fastPhone(value: string): string | null | undefined {
  const n = value.length;
  if (n < 4 || n > 40 || value.charCodeAt(0) !== 0x2b /* + */) return undefined;
  let formatted = false;
  let prevDigit = false;
  for (let i = 1; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      prevDigit = true;
      continue;
    }
    if ((c !== 0x20 && c !== 0x2d) || !prevDigit) return undefined;
    // A run of separators must sit between two digits.
    let j = i + 1;
    while (j < n && (value.charCodeAt(j) === 0x20 || value.charCodeAt(j) === 0x2d)) j++;
    if (j >= n) return undefined;
    formatted = true;
    prevDigit = false;
    i = j - 1;
  }
  const v = formatted ? value.replace(SEPARATORS, '') : value;
  if (v.length > 18 || v.charCodeAt(1) === 0x30 /* 0 */) return undefined;
  for (let k = 2; k <= 4; k++) {
    // Like the library: the shortest prefix that is a calling code is the calling code.
    const plan = PLANS.get(v.slice(1, k));
    if (plan === undefined) continue;
    if (plan === null) return undefined;
    const national = v.slice(k);
    const len = national.length;
    if (len < MIN_NSN || len > MAX_NSN || plan.ambiguous.has(len)) return undefined;
    if (plan.prefix !== null && plan.prefix.test(national)) return undefined;
    return plan.possible.has(len) ? v : null;
  }
  return undefined;
}
