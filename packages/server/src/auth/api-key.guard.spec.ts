import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { parseEnv } from '@nextbuy/config';
import { ApiError } from '../errors/api-error';
import { ApiKeyGuard } from './api-key.guard';
import { Public, RequiresScope } from './requires-scope.decorator';

@RequiresScope('write')
class WriteController {
  create(): void {}
  @RequiresScope('admin')
  rebuild(): void {}
  @Public()
  open(): void {}
}

@RequiresScope('ops')
class OpsController {
  history(): void {}
  @RequiresScope('read')
  list(): void {}
}

class UndeclaredController {
  handle(): void {}
}

type Headers = Record<string, string | undefined>;

function call(guard: ApiKeyGuard, cls: object, handler: () => void, headers: Headers) {
  const request: { headers: Headers; apiKeyScope?: string } = { headers };
  const reply = { header: jest.fn() };
  const context = {
    getType: () => 'http',
    getClass: () => cls,
    getHandler: () => handler,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
  } as unknown as ExecutionContext;
  const outcome = (() => {
    try {
      return guard.canActivate(context);
    } catch (e) {
      return e;
    }
  })();
  return { outcome, request, reply };
}

const statusOf = (outcome: unknown) => (outcome instanceof ApiError ? outcome.getStatus() : outcome);

describe('ApiKeyGuard', () => {
  const guard = new ApiKeyGuard(
    new Reflector(),
    parseEnv({ NEXTBUY_API_KEYS: 'r-key:read,w-key:write,o-key:ops,a-key:admin,with:colon:write' }),
  );
  const create = WriteController.prototype.create;

  it('answers 401 without a key, with a challenge header', () => {
    const { outcome, reply } = call(guard, WriteController, create, {});
    expect(statusOf(outcome)).toBe(401);
    expect((outcome as ApiError).message).toMatch(/x-api-key/);
    expect(reply.header).toHaveBeenCalledWith('WWW-Authenticate', expect.stringContaining('Bearer'));
  });

  it('answers 401 for an unknown key, and for an empty header', () => {
    expect(statusOf(call(guard, WriteController, create, { 'x-api-key': 'nope' }).outcome)).toBe(401);
    expect(statusOf(call(guard, WriteController, create, { 'x-api-key': '' }).outcome)).toBe(401);
    expect(statusOf(call(guard, WriteController, create, { 'x-api-key': 'w-key-longer' }).outcome)).toBe(401);
  });

  it('answers 403 for a weaker scope, naming both scopes', () => {
    const { outcome } = call(guard, WriteController, create, { 'x-api-key': 'r-key' });
    expect(statusOf(outcome)).toBe(403);
    expect((outcome as ApiError).message).toMatch(/"read".*"write"/);
  });

  it('accepts the scope itself and every stronger one', () => {
    const write = call(guard, WriteController, create, { 'x-api-key': 'w-key' });
    expect(write.outcome).toBe(true);
    expect(write.request.apiKeyScope).toBe('write');
    expect(call(guard, WriteController, create, { 'x-api-key': 'a-key' }).outcome).toBe(true);
    expect(call(guard, WriteController, create, { 'x-api-key': 'with:colon' }).outcome).toBe(true);
  });

  it('admits by the scopes lattice: ops covers read, not write; write covers read, not ops', () => {
    const history = OpsController.prototype.history;
    const list = OpsController.prototype.list;
    const as = (key: string, handler: () => void, cls: object = OpsController) =>
      statusOf(call(guard, cls, handler, { 'x-api-key': key }).outcome);
    expect([as('o-key', history), as('o-key', list), as('o-key', create, WriteController)]).toEqual([
      true,
      true,
      403,
    ]);
    expect([as('w-key', history), as('w-key', list), as('r-key', history), as('r-key', list)]).toEqual([
      403,
      true,
      403,
      true,
    ]);
    expect(as('a-key', history)).toBe(true);
    const { outcome } = call(guard, OpsController, history, { 'x-api-key': 'w-key' });
    expect((outcome as ApiError).message).toBe(
      'This API key has scope "write"; this route needs "ops" or "admin"',
    );
  });

  it('reads Authorization: Bearer KEY (scheme in any case)', () => {
    expect(call(guard, WriteController, create, { authorization: 'Bearer w-key' }).outcome).toBe(true);
    expect(call(guard, WriteController, create, { authorization: 'bearer  a-key ' }).outcome).toBe(true);
    expect(statusOf(call(guard, WriteController, create, { authorization: 'Basic w-key' }).outcome)).toBe(
      401,
    );
    expect(statusOf(call(guard, WriteController, create, { authorization: 'Bearer r-key' }).outcome)).toBe(
      403,
    );
  });

  it('lets a method raise the scope of its controller', () => {
    const rebuild = WriteController.prototype.rebuild;
    expect(statusOf(call(guard, WriteController, rebuild, { 'x-api-key': 'w-key' }).outcome)).toBe(403);
    expect(call(guard, WriteController, rebuild, { 'x-api-key': 'a-key' }).outcome).toBe(true);
  });

  it('lets @Public() routes through without a key', () => {
    expect(call(guard, WriteController, WriteController.prototype.open, {}).outcome).toBe(true);
  });

  it('requires admin on a route that declares no scope (fails closed)', () => {
    const handle = UndeclaredController.prototype.handle;
    expect(statusOf(call(guard, UndeclaredController, handle, { 'x-api-key': 'w-key' }).outcome)).toBe(403);
    expect(call(guard, UndeclaredController, handle, { 'x-api-key': 'a-key' }).outcome).toBe(true);
  });

  it('answers 401 to every key when none is configured', () => {
    const closed = new ApiKeyGuard(new Reflector(), parseEnv({}));
    expect(statusOf(call(closed, WriteController, create, { 'x-api-key': 'w-key' }).outcome)).toBe(401);
    expect(call(closed, WriteController, WriteController.prototype.open, {}).outcome).toBe(true);
  });

  it('takes the strongest scope when a key is listed twice', () => {
    const twice = new ApiKeyGuard(new Reflector(), parseEnv({ NEXTBUY_API_KEYS: 'k:read,k:admin' }));
    expect(
      call(twice, WriteController, WriteController.prototype.rebuild, { 'x-api-key': 'k' }).outcome,
    ).toBe(true);
  });
});
