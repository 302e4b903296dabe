import { isStoredIdText } from './ids';

describe('isStoredIdText', () => {
  it('accepts positive bigint ids up to the type’s maximum', () => {
    for (const id of ['1', '42', '9223372036854775807']) expect(isStoredIdText(id)).toBe(true);
  });

  it('refuses what no bigserial id can be', () => {
    for (const id of ['', '0', '007', '-1', '1e3', ' 1', 'abc', '9223372036854775808', '1'.repeat(20)])
      expect(isStoredIdText(id)).toBe(false);
  });
});
