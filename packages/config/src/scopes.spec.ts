import { API_SCOPES, covers, scopesCovering, strongerScope } from './scopes';
import { parseEnv } from './env';

describe('API key scopes', () => {
  it('is the lattice read ⊂ write ⊂ admin, read ⊂ ops ⊂ admin', () => {
    const table = Object.fromEntries(
      API_SCOPES.map((held) => [held, API_SCOPES.filter((required) => covers(held, required))]),
    );
    expect(table).toEqual({
      read: ['read'],
      write: ['read', 'write'],
      ops: ['read', 'ops'],
      admin: ['read', 'write', 'ops', 'admin'],
    });
  });

  it('names the scopes that cover a required one, weakest first', () => {
    expect(scopesCovering('read')).toEqual(['write', 'ops', 'admin']);
    expect(scopesCovering('write')).toEqual(['admin']);
    expect(scopesCovering('ops')).toEqual(['admin']);
    expect(scopesCovering('admin')).toEqual([]);
  });

  it('picks the covering scope of two, and none of write and ops', () => {
    expect(strongerScope('read', 'ops')).toBe('ops');
    expect(strongerScope('admin', 'write')).toBe('admin');
    expect(strongerScope('ops', 'ops')).toBe('ops');
    expect(strongerScope('write', 'ops')).toBeNull();
  });

  it('accepts ops in NEXTBUY_API_KEYS, and refuses a key listed as both write and ops', () => {
    expect(parseEnv({ NEXTBUY_API_KEYS: 'o:ops,o:read' }).NEXTBUY_API_KEYS).toEqual([
      { key: 'o', scope: 'ops' },
      { key: 'o', scope: 'read' },
    ]);
    expect(() => parseEnv({ NEXTBUY_API_KEYS: 'k:read,k:write,k:ops' })).toThrow(
      /listed as both "write" and "ops": give it one scope/,
    );
  });
});
