import { createTestDatabase, type TestDatabase } from '@nextbuy/testing';
import { EXIT_FAILED, EXIT_OK, FatalError } from '../errors';
import { bufferOutput } from '../output';
import { runRulesAdd, runRulesList, runRulesRemove, runRulesShow } from './rules.command';

describe('nextbuy rules (real Postgres)', () => {
  let testDb: TestDatabase;
  let env: { DATABASE_URL: string };

  beforeAll(async () => {
    testDb = await createTestDatabase();
    env = { DATABASE_URL: testDb.url };
  });
  afterAll(() => testDb.drop());

  it('adds, lists, shows and removes a rule', async () => {
    const output = bufferOutput();
    const added = await runRulesAdd(
      env,
      { kind: 'pin', condition: "id = 'p1'", position: '2', segment: 'vip', priority: '3', name: 'hero' },
      output,
    );
    expect(added.exitCode).toBe(EXIT_OK);
    const id = added.rule!.rule_id;
    expect(added.rule).toMatchObject({ kind: 'pin', position: 2, priority: 3, context: { segment: 'vip' } });
    expect(output.stdout[0]).toMatch(
      new RegExp(`^\\s*${id}  pin at 2 .* id = 'p1'  when segment=vip  "hero"$`),
    );

    const list = await runRulesList(env, {}, bufferOutput());
    expect(list.rules!.map((r) => r.rule_id)).toEqual([id]);
    const shown = bufferOutput();
    expect((await runRulesShow(env, id, { json: true }, shown)).rule).toEqual(added.rule);
    expect(JSON.parse(shown.stdout.join('\n'))).toEqual(added.rule);

    expect((await runRulesRemove(env, id, bufferOutput())).exitCode).toBe(EXIT_OK);
    const again = bufferOutput();
    expect((await runRulesRemove(env, id, again)).exitCode).toBe(EXIT_FAILED);
    expect(again.stderr[0]).toMatch(/does not exist/);
    expect((await runRulesShow(env, id, {}, bufferOutput())).exitCode).toBe(EXIT_FAILED);
  });

  it('points at the position of a condition that does not parse', async () => {
    const output = bufferOutput();
    const result = await runRulesAdd(
      env,
      { kind: 'boost', factor: '2', condition: "brand IN ('a' 'b')" },
      output,
    );
    expect(result.exitCode).toBe(EXIT_FAILED);
    expect(output.stderr).toEqual([
      "--condition: position 15: expected ')', found ''b''",
      "  brand IN ('a' 'b')",
      '                ^',
    ]);
  });

  it('refuses a rule its kind cannot take', async () => {
    await expect(runRulesAdd(env, { kind: 'pin', condition: 'true' }, bufferOutput())).rejects.toThrow(
      /invalid rule: .*a pin rule needs position/,
    );
    await expect(
      runRulesAdd(env, { kind: 'boost', condition: 'true', factor: 'lots' }, bufferOutput()),
    ).rejects.toThrow(FatalError);
  });
});
