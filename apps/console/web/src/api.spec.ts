import { earlyFetch, ingestion } from './api';

/** earlyFetch in a page whose index.html asked for the session and the overview's status already. */
describe('earlyFetch', () => {
  const globals = globalThis as unknown as Record<string, unknown>;
  const network = jest.fn((_input: RequestInfo | URL, _init?: RequestInit) =>
    Promise.resolve(Response.json({ from: 'network' })),
  );
  const early = (body: unknown) => Promise.resolve(Response.json(body));
  const realFetch = globalThis.fetch;

  beforeEach(() => {
    network.mockClear();
    globals.location = { href: 'http://console.test/', origin: 'http://console.test' };
    globals.window = {
      nextbuyEarly: {
        '/session': early({ from: 'early session' }),
        '/api/ingestion/v1/status': early({ from: 'early status' }),
      },
    };
    globals.fetch = network;
  });

  afterAll(() => {
    delete globals.window;
    delete globals.location;
    globals.fetch = realFetch;
  });

  it('answers the first GET of a path index.html asked for, and sends every later one', async () => {
    expect(await (await earlyFetch('/session')).json()).toEqual({ from: 'early session' });
    expect(network).not.toHaveBeenCalled();
    expect(await (await earlyFetch('/session')).json()).toEqual({ from: 'network' });
    expect(network).toHaveBeenCalledTimes(1);
  });

  it('sends other methods, other paths and other origins to the network', async () => {
    await earlyFetch('/session', { method: 'DELETE' });
    await earlyFetch('/api/ingestion/v1/status?x=1');
    await earlyFetch('http://elsewhere.test/session');
    expect(network).toHaveBeenCalledTimes(3);
    // Still there for the app's own first call.
    expect(await (await earlyFetch('/session')).json()).toEqual({ from: 'early session' });
  });

  it("is what the console's clients fetch with", async () => {
    expect(await ingestion.status()).toEqual({ from: 'early status' });
    expect(network).not.toHaveBeenCalled();
    await ingestion.status();
    expect(network).toHaveBeenCalledTimes(1);
  });
});
