import { describe, expect, it } from 'vitest';
import { formatAge, formatDuration, parseDuration } from '../../src/audit/duration.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('parseDuration', () => {
  it.each([
    ['45s', 45_000],
    ['30m', 30 * MINUTE],
    ['12h', 12 * HOUR],
    ['7d', 7 * DAY],
    ['2w', 14 * DAY],
    [' 7d ', 7 * DAY],
    ['365d', 365 * DAY],
  ])('reads %j', (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });

  it.each(['', '7', 'd', '0d', '-1d', '1.5d', '7 d', '7D', '7days', '1y', '+7d', '7d12h', '0x10d', '1e3d', '9999999999d'])(
    'rejects %j',
    (input) => {
      expect(() => parseDuration(input)).toThrowError(
        expect.objectContaining({ code: 'INVALID_ARGUMENT', option: '--max-age', message: expect.stringContaining(`"${input}"`) }),
      );
    },
  );

  it('names the option in errors', () => {
    expect(() => parseDuration('soon', '--stale-after')).toThrow('for --stale-after');
  });
});

describe('formatDuration', () => {
  it.each([
    [7 * DAY, '7d'],
    [14 * DAY, '14d'],
    [90 * MINUTE, '90m'],
    [36 * HOUR, '36h'],
    [1500, '1500ms'],
  ])('formats %d ms as %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });

  it.each(['30m', '12h', '7d', '14d', '45s'])('reads back %s', (text) => {
    expect(formatDuration(parseDuration(text))).toBe(text);
  });
});

describe('formatAge', () => {
  const now = new Date('2024-06-10T12:00:00Z');
  it.each([
    ['2024-06-01T08:00:00Z', '9d 4h'],
    ['2024-06-10T02:30:00Z', '9h'],
    ['2024-06-11T00:00:00Z', 'in the future'],
  ])('age of %s is %s', (then, expected) => {
    expect(formatAge(new Date(then), now)).toBe(expected);
  });
});
