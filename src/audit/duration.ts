import { AuditOptionError } from './errors.js';

/** Milliseconds in one unit of each duration suffix. */
const UNIT_MS = {
  s: 1000,
  m: 60 * 1000,
  h: 60 * 60 * 1000,
  d: 24 * 60 * 60 * 1000,
  w: 7 * 24 * 60 * 60 * 1000,
} as const;

// Whole numbers only: `1.5d` and `7 d` are rejected so a duration reads one way.
const DURATION_PATTERN = /^([0-9]{1,9})([smhdw])$/;

/**
 * Parses a duration such as `30m`, `12h`, `7d` or `2w` (also `45s`) into
 * milliseconds. The amount is a positive whole number. Throws
 * {@link AuditOptionError} naming `option` for anything else.
 */
export function parseDuration(input: string, option = '--max-age'): number {
  const match = DURATION_PATTERN.exec(input.trim());
  const amount = match ? Number(match[1]) : Number.NaN;
  const unit = match?.[2] as keyof typeof UNIT_MS | undefined;
  if (unit === undefined || !Number.isSafeInteger(amount) || amount <= 0) {
    throw new AuditOptionError(
      option,
      `invalid duration "${input}" for ${option}: write a positive whole number and a unit, such as 30m, 12h, 7d or 2w (s, m, h, d, w)`,
    );
  }
  return amount * UNIT_MS[unit];
}

/**
 * Formats milliseconds in the largest unit up to days that divides them
 * exactly (`7d`, `14d`, `90m`), so {@link parseDuration} reads it back.
 */
export function formatDuration(ms: number): string {
  const units = (Object.entries(UNIT_MS) as Array<[keyof typeof UNIT_MS, number]>).filter(([unit]) => unit !== 'w').reverse();
  for (const [unit, size] of units) {
    if (ms >= size && ms % size === 0) {
      return `${ms / size}${unit}`;
    }
  }
  return `${ms}ms`;
}

/** Formats the age between `then` and `now` in days and hours, for messages (`9d 4h`). */
export function formatAge(then: Date, now: Date): string {
  const hours = Math.floor((now.getTime() - then.getTime()) / UNIT_MS.h);
  if (hours < 0) {
    return 'in the future';
  }
  const days = Math.floor(hours / 24);
  return days > 0 ? `${days}d ${hours % 24}h` : `${hours}h`;
}
