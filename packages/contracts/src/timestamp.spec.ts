import { parseIsoTimestamp } from './timestamp';

describe('parseIsoTimestamp', () => {
  it.each([
    ['2011-11-09T08:26:00Z', '2011-11-09T08:26:00.000Z'],
    ['2011-11-09T08:26:00', '2011-11-09T08:26:00.000Z'],
    ['2011-11-09 08:26', '2011-11-09T08:26:00.000Z'],
    ['2011-11-09', '2011-11-09T00:00:00.000Z'],
    ['2011-06-01T10:00:00+01:00', '2011-06-01T09:00:00.000Z'],
    ['2011-06-01T10:00:00-0530', '2011-06-01T15:30:00.000Z'],
    ['2011-06-01T10:00:00.123456Z', '2011-06-01T10:00:00.123Z'],
    ['2012-02-29T00:00:00Z', '2012-02-29T00:00:00.000Z'],
  ])('reads %s as %s (no zone means UTC)', (input, expected) => {
    expect(new Date(parseIsoTimestamp(input)!).toISOString()).toBe(expected);
  });

  it.each([
    '',
    'yesterday',
    '2011-13-01',
    '2011-02-29',
    '2011-04-31T00:00:00Z',
    '2011-01-01T24:00',
    '11/09/2011 08:26',
    '2011-01-01T10:00+25:00',
  ])('rejects %j', (input) => {
    expect(parseIsoTimestamp(input)).toBeUndefined();
  });
});
