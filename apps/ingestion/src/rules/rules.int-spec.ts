/**
 * The rules admin API against real Postgres: create, list, get, replace, delete; shape errors and
 * condition errors (400 naming the position and the expected token); admin scope; the version bump
 * serving follows.
 */
import { RuleRepository } from '@nextbuy/db';
import { bootTestApp, type TestApp } from '@nextbuy/testing';
import { AppModule } from '../app.module';

describe('/v1/rules (real Postgres)', () => {
  let t: TestApp;
  const ADMIN = { 'x-api-key': 'it-admin' };
  const WRITE = { 'x-api-key': 'it-write' };

  beforeAll(async () => {
    t = await bootTestApp({
      module: (env) => AppModule.forRoot(env),
      env: { NEXTBUY_API_KEYS: 'it-admin:admin,it-write:write' },
    });
  });

  afterAll(async () => {
    await t?.close();
  });

  const post = (payload: unknown, headers = ADMIN) =>
    t.app.inject({ method: 'POST', url: '/v1/rules', headers, payload: payload as object });

  it('creates, lists, reads, replaces and deletes a rule, bumping the version each time', async () => {
    const repo = t.app.get(RuleRepository);
    const v0 = BigInt(await repo.version());
    const created = await post({
      name: 'wool first',
      kind: 'boost',
      condition: "attributes.material = 'wool'",
      factor: 2,
      context: { segment: 'vip' },
      starts_at: '2026-12-01',
      priority: 5,
    });
    expect(created.statusCode).toBe(201);
    const rule = created.json();
    expect(rule).toMatchObject({
      name: 'wool first',
      kind: 'boost',
      factor: 2,
      position: null,
      filter: null,
      context: { segment: 'vip' },
      starts_at: '2026-12-01T00:00:00.000Z',
      ends_at: null,
      priority: 5,
    });
    expect(BigInt(await repo.version())).toBe(v0 + 1n);

    const list = await t.app.inject({ method: 'GET', url: '/v1/rules', headers: ADMIN });
    expect(list.json()).toContainEqual(rule);
    const one = await t.app.inject({ method: 'GET', url: `/v1/rules/${rule.rule_id}`, headers: ADMIN });
    expect(one.json()).toEqual(rule);

    const replaced = await t.app.inject({
      method: 'PUT',
      url: `/v1/rules/${rule.rule_id}`,
      headers: ADMIN,
      payload: { kind: 'pin', condition: "id = 'P1'", position: 1 },
    });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json()).toMatchObject({
      rule_id: rule.rule_id,
      kind: 'pin',
      position: 1,
      factor: null,
      context: null,
    });
    expect(BigInt(await repo.version())).toBe(v0 + 2n);

    const gone = await t.app.inject({ method: 'DELETE', url: `/v1/rules/${rule.rule_id}`, headers: ADMIN });
    expect(gone.statusCode).toBe(204);
    expect(BigInt(await repo.version())).toBe(v0 + 3n);
    const again = await t.app.inject({ method: 'DELETE', url: `/v1/rules/${rule.rule_id}`, headers: ADMIN });
    expect(again.statusCode).toBe(404);
    const missing = await t.app.inject({ method: 'GET', url: '/v1/rules/abc', headers: ADMIN });
    expect(missing.statusCode).toBe(404);
  });

  it('answers 400 naming the position and the expected token for a condition that does not parse', async () => {
    const res = await post({
      kind: 'filter',
      filter: 'exclude',
      condition: "category = 'Outdoor' AND (price <",
    });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.message).toBe(
      "condition: position 34: expected a value (a 'string', a number, true, false or null), found the end of the expression",
    );
    expect(body.details).toMatchObject({ field: 'condition', position: 34 });
    const unknown = await post({ kind: 'boost', factor: 2, condition: "colour = 'red'" });
    expect(unknown.json().message).toMatch(/position 1: unknown field 'colour'/);
  });

  it('answers 400 for what a kind needs or does not take, and a window that ends before it starts', async () => {
    const cases: [unknown, RegExp][] = [
      [{ kind: 'pin', condition: 'true' }, /a pin rule needs position/],
      [{ kind: 'boost', condition: 'true', factor: 0.5 }, /factor must be greater than 1/],
      [{ kind: 'bury', condition: 'true', factor: 2, position: 3 }, /position does not apply to a bury rule/],
      [{ kind: 'filter', condition: 'true' }, /a filter rule needs filter/],
      [{ kind: 'slot', condition: 'true' }, /kind must be one of pin, boost, bury, filter/],
      [{ kind: 'filter', filter: 'exclude' }, /condition is required/],
      [
        {
          kind: 'filter',
          filter: 'exclude',
          condition: 'true',
          starts_at: '2027-01-01',
          ends_at: '2026-01-01',
        },
        /ends_at must be after starts_at/,
      ],
      [
        { kind: 'filter', filter: 'exclude', condition: 'true', starts_at: 'soon' },
        /starts_at must be an ISO 8601/,
      ],
      [{ kind: 'filter', filter: 'exclude', condition: 'true', context: { shop: 'x' } }, /shop/],
    ];
    for (const [payload, message] of cases) {
      const res = await post(payload);
      expect({ payload, status: res.statusCode }).toEqual({ payload, status: 400 });
      expect(JSON.stringify(res.json())).toMatch(message);
    }
  });

  it('needs the admin scope', async () => {
    expect((await post({ kind: 'boost', factor: 2, condition: 'true' }, WRITE)).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/v1/rules', headers: WRITE })).statusCode).toBe(403);
  });
});
