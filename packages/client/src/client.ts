import type {
  BuildView,
  CreateExperimentRequest,
  CustomerEventsResponse,
  CustomerRecordInput,
  CustomerView,
  ErrorBody,
  EvaluationRequest,
  EvaluationView,
  EventRecordInput,
  EventsAccepted,
  ExperimentReport,
  ExperimentView,
  FeedbackAccepted,
  KeyView,
  ModelActivation,
  ModelView,
  ProductListResponse,
  ProductRecordInput,
  ProductView,
  RebuildAccepted,
  RecommendationsResponse,
  RollbackResult,
  RuleInput,
  RuleView,
  TaskInput,
  TaskView,
  SimilarCustomersResponse,
  StatusView,
  Strategy,
  TrainAccepted,
  UpsertResult,
} from '@nextbuy/contracts';

/** Serving answers from memory or one indexed read, ingestion within one batch: longer means stuck. */
export const DEFAULT_TIMEOUT_MS = 10_000;

export interface NextbuyClientOptions {
  /**
   * e.g. `http://127.0.0.1:3000` (serving) or `http://127.0.0.1:3001` (ingestion); a trailing `/` is
   * fine. In a browser it may be a path (`/api/serving`), resolved against the page's address.
   */
  baseUrl: string;
  /** Sent as `x-api-key`; without it only the keyless routes answer. */
  apiKey?: string;
  /** Per request, in milliseconds (default `DEFAULT_TIMEOUT_MS`). */
  timeoutMs?: number;
  /** Another fetch (tests, proxies); default: the global fetch (Node's, or the browser's). */
  fetch?: typeof fetch;
}

export type RecommendationType = 'all' | Strategy;

/** Query of `GET /v1/customers/{id}/recommendations` (SPEC "HTTP"). */
export interface RecommendationsQuery {
  /** 1–50, default 10. */
  limit?: number;
  type?: RecommendationType;
  category?: string;
  /** Product ids never to show (sent comma-separated). */
  exclude?: readonly string[];
  /** The product being viewed: left out, and what is bought with it comes first. */
  product_id?: string;
  /** Diversity: at most max(1, ⌊share × limit⌋) items of one category, 0 < share ≤ 1. */
  max_category_share?: number;
  /** A prediction task (docs/tasks.md): the answer comes from its published build; 404 if unknown. */
  task?: string;
}

export interface ItemListQuery {
  /** 1–50, default 10. */
  limit?: number;
  /** Diversity: at most max(1, ⌊share × limit⌋) items of one category, 0 < share ≤ 1. */
  max_category_share?: number;
}

/** `limit` of the list routes (rebuilds, evaluations, a customer's events or look-alikes). */
export interface LimitQuery {
  limit?: number;
}

export const FEEDBACK_TYPES = ['impression', 'click', 'add_to_cart', 'purchase'] as const;
export type FeedbackType = (typeof FEEDBACK_TYPES)[number];

/** Body of `POST /v1/feedback`. */
export interface FeedbackInput {
  recommendation_id: string;
  customer_id: string;
  product_id: string;
  type: FeedbackType;
}

/**
 * The API answered with an error status: `status` and the `{statusCode, error, message, details?}`
 * body (synthesised from the status and text when the answer was not JSON, e.g. a proxy's page).
 */
export class NextbuyApiError extends Error {
  override readonly name = 'NextbuyApiError';

  constructor(
    readonly status: number,
    readonly body: ErrorBody,
    /** `Retry-After` in seconds, on 429 and 503 when the server sent one. */
    readonly retryAfterSeconds?: number,
  ) {
    super(`${status} ${body.error}: ${body.message}`);
  }
}

/** No answer at all: the server is not reachable, or did not answer within the timeout. */
export class NextbuyConnectionError extends Error {
  override readonly name = 'NextbuyConnectionError';

  constructor(
    readonly baseUrl: string,
    readonly timedOut: boolean,
    options?: { cause?: unknown },
  ) {
    super(timedOut ? `${baseUrl} did not answer in time` : `${baseUrl} is not reachable`, options);
  }
}

type Query = Record<string, string | number | undefined>;

/**
 * A typed client of nextbuy's HTTP APIs (SPEC "HTTP"). One instance talks to one app: serving
 * (recommendations, product lists, feedback) or ingestion (events, catalog, rebuilds). A 4xx/5xx
 * answer throws `NextbuyApiError`; no answer throws `NextbuyConnectionError`.
 */
export class NextbuyClient {
  readonly baseUrl: string;
  private readonly apiKey: string | undefined;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(options: NextbuyClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetch = options.fetch ?? fetch;
  }

  // --- serving (scope read) ---

  /** `GET /v1/customers/{id}/recommendations` */
  recommendations(customerId: string, query: RecommendationsQuery = {}): Promise<RecommendationsResponse> {
    const { exclude, ...rest } = query;
    return this.request('GET', `/v1/customers/${segment(customerId)}/recommendations`, {
      query: { ...rest, exclude: exclude?.length ? exclude.join(',') : undefined },
    });
  }

  /** `GET /v1/products/{id}/similar` */
  similar(productId: string, query: ItemListQuery = {}): Promise<ProductListResponse> {
    return this.request('GET', `/v1/products/${segment(productId)}/similar`, { query: { ...query } });
  }

  /** `GET /v1/products/{id}/bought-together` */
  boughtTogether(productId: string, query: ItemListQuery = {}): Promise<ProductListResponse> {
    return this.request('GET', `/v1/products/${segment(productId)}/bought-together`, { query: { ...query } });
  }

  /** `POST /v1/feedback` */
  feedback(input: FeedbackInput): Promise<FeedbackAccepted> {
    return this.request('POST', '/v1/feedback', { body: input });
  }

  // --- serving: A/B experiments (read to see, admin to change) ---

  /** `POST /v1/experiments`: a draft; 409 when the name is taken. */
  createExperiment(input: CreateExperimentRequest): Promise<ExperimentView> {
    return this.request('POST', '/v1/experiments', { body: input });
  }

  /** `GET /v1/experiments`: newest first. */
  experiments(): Promise<ExperimentView[]> {
    return this.request('GET', '/v1/experiments');
  }

  /** `GET /v1/experiments/{id}` */
  experiment(id: string): Promise<ExperimentView> {
    return this.request('GET', `/v1/experiments/${segment(id)}`);
  }

  /** `POST /v1/experiments/{id}/start`; 409 while another runs or when it is not a draft. */
  startExperiment(id: string): Promise<ExperimentView> {
    return this.request('POST', `/v1/experiments/${segment(id)}/start`);
  }

  /** `POST /v1/experiments/{id}/stop` */
  stopExperiment(id: string): Promise<ExperimentView> {
    return this.request('POST', `/v1/experiments/${segment(id)}/stop`);
  }

  /** `GET /v1/experiments/{id}/report`: CTR, add-to-cart and conversion with 95 % intervals. */
  experimentReport(id: string): Promise<ExperimentReport> {
    return this.request('GET', `/v1/experiments/${segment(id)}/report`);
  }

  // --- ingestion (scope write; rebuilds admin) ---

  /** `POST /v1/events`: up to 5,000 events; invalid ones come back in `rejected`. */
  sendEvents(events: readonly EventRecordInput[]): Promise<EventsAccepted> {
    return this.request('POST', '/v1/events', { body: events });
  }

  /** `PUT /v1/products` */
  upsertProducts(products: readonly ProductRecordInput[]): Promise<UpsertResult> {
    return this.request('PUT', '/v1/products', { body: products });
  }

  /** `PUT /v1/customers` */
  upsertCustomers(customers: readonly CustomerRecordInput[]): Promise<UpsertResult> {
    return this.request('PUT', '/v1/customers', { body: customers });
  }

  /** `POST /v1/rebuilds`; 409 (a `NextbuyApiError`) while another build is in flight. */
  triggerRebuild(options: { as_of?: string; task?: string } = {}): Promise<RebuildAccepted> {
    return this.request('POST', '/v1/rebuilds', { body: options });
  }

  /** `GET /v1/rebuilds/{id}` */
  rebuild(buildId: string): Promise<BuildView> {
    return this.request('GET', `/v1/rebuilds/${segment(buildId)}`);
  }

  /** `GET /v1/rebuilds`: recent builds, newest first. */
  rebuilds(query: LimitQuery = {}): Promise<BuildView[]> {
    return this.request('GET', '/v1/rebuilds', { query: { ...query } });
  }

  /** `POST /v1/rebuilds/{id}/rollback`: re-activates a kept build; 409 when it cannot be. */
  rollback(buildId: string): Promise<RollbackResult> {
    return this.request('POST', `/v1/rebuilds/${segment(buildId)}/rollback`);
  }

  /** `POST /v1/models/train`: starts a training build (admin); 409 while another build is in flight. */
  trainModel(options: { as_of?: string; task?: string } = {}): Promise<TrainAccepted> {
    return this.request('POST', '/v1/models/train', { body: options });
  }

  /** `GET /v1/models`: models, newest first, with their gate reports. */
  models(query: LimitQuery = {}): Promise<ModelView[]> {
    return this.request('GET', '/v1/models', { query: { ...query } });
  }

  /** `GET /v1/models/{id}` */
  model(modelId: string): Promise<ModelView> {
    return this.request('GET', `/v1/models/${segment(modelId)}`);
  }

  /** `POST /v1/models/{id}/activate` (admin): 409 when the model is not trained. */
  activateModel(modelId: string): Promise<ModelActivation> {
    return this.request('POST', `/v1/models/${segment(modelId)}/activate`);
  }

  /** `POST /v1/models/rollback` (admin): the previously active model is active again. */
  rollbackModel(): Promise<ModelActivation> {
    return this.request('POST', '/v1/models/rollback');
  }

  /** `POST /v1/evaluations`: starts a backtest (admin). */
  startEvaluation(input: EvaluationRequest): Promise<{ evaluation_id: string }> {
    return this.request('POST', '/v1/evaluations', { body: input });
  }

  /** `GET /v1/evaluations/{id}`: the report once done. */
  evaluation(id: string): Promise<EvaluationView> {
    return this.request('GET', `/v1/evaluations/${segment(id)}`);
  }

  /** `GET /v1/evaluations`: newest first. */
  evaluations(query: LimitQuery = {}): Promise<EvaluationView[]> {
    return this.request('GET', '/v1/evaluations', { query: { ...query } });
  }

  // --- ingestion: merchandising rules (admin; docs/rules.md) ---

  /** `GET /v1/rules`: oldest first. */
  rules(): Promise<RuleView[]> {
    return this.request('GET', '/v1/rules');
  }

  /** `GET /v1/rules/{id}` */
  rule(id: string): Promise<RuleView> {
    return this.request('GET', `/v1/rules/${segment(id)}`);
  }

  /** `POST /v1/rules`; a condition that does not parse is a 400 naming the position and what was expected. */
  createRule(input: RuleInput): Promise<RuleView> {
    return this.request('POST', '/v1/rules', { body: input });
  }

  /** `PUT /v1/rules/{id}`: replaces the whole rule. */
  replaceRule(id: string, input: RuleInput): Promise<RuleView> {
    return this.request('PUT', `/v1/rules/${segment(id)}`, { body: input });
  }

  /** `DELETE /v1/rules/{id}` */
  async deleteRule(id: string): Promise<void> {
    await this.request('DELETE', `/v1/rules/${segment(id)}`);
  }

  // --- ingestion: prediction tasks (admin; docs/tasks.md) ---

  /** `GET /v1/tasks`: the default task first. */
  tasks(): Promise<TaskView[]> {
    return this.request('GET', '/v1/tasks');
  }

  /** `GET /v1/tasks/{name}` */
  task(name: string): Promise<TaskView> {
    return this.request('GET', `/v1/tasks/${segment(name)}`);
  }

  /** `POST /v1/tasks`; a query that does not parse (or asks what cannot be answered) is a 400 naming the position and why. */
  createTask(input: TaskInput): Promise<TaskView> {
    return this.request('POST', '/v1/tasks', { body: input });
  }

  // --- ingestion: what operators read (scope read) ---

  /** `GET /v1/keys/me`: this client's key id and scope. */
  me(): Promise<KeyView> {
    return this.request('GET', '/v1/keys/me');
  }

  /** `GET /v1/status`: counts, recent events, active build, builds in flight, queue depths. */
  status(): Promise<StatusView> {
    return this.request('GET', '/v1/status');
  }

  /** `GET /v1/customers/{id}` */
  customer(customerId: string): Promise<CustomerView> {
    return this.request('GET', `/v1/customers/${segment(customerId)}`);
  }

  /** `GET /v1/customers/{id}/events`: newest first. */
  customerEvents(customerId: string, query: LimitQuery = {}): Promise<CustomerEventsResponse> {
    return this.request('GET', `/v1/customers/${segment(customerId)}/events`, { query: { ...query } });
  }

  /** `GET /v1/customers/{id}/similar`: customers who bought the most of the same products. */
  similarCustomers(customerId: string, query: LimitQuery = {}): Promise<SimilarCustomersResponse> {
    return this.request('GET', `/v1/customers/${segment(customerId)}/similar`, { query: { ...query } });
  }

  /** `GET /v1/products/{id}`: the product and its daily events over its last `days` days of activity. */
  product(productId: string, query: { days?: number } = {}): Promise<ProductView> {
    return this.request('GET', `/v1/products/${segment(productId)}`, { query: { ...query } });
  }

  /** One route, with this client's key, timeout and error handling. */
  private async request<T>(
    method: string,
    path: string,
    options: { query?: Query; body?: unknown } = {},
  ): Promise<T> {
    const url = new URL(`${this.baseUrl}${path}`, pageAddress());
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.apiKey !== undefined) headers['x-api-key'] = this.apiKey;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    // Called as a method of this client, a browser's fetch throws "Illegal invocation".
    const fetchUnbound = this.fetch;
    try {
      res = await fetchUnbound(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new NextbuyConnectionError(this.baseUrl, (e as Error).name === 'TimeoutError', { cause: e });
    }
    const text = await res.text();
    const body = parseJson(text);
    if (!res.ok) throw new NextbuyApiError(res.status, errorBody(res, body, text), retryAfter(res));
    return body as T;
  }
}

/** The page's address in a browser (a path base URL resolves against it); undefined in Node. */
const pageAddress = () => (globalThis as { location?: { href: string } }).location?.href;

/** Ids go into paths as one segment: `a/b` must not become two. */
const segment = (id: string) => encodeURIComponent(id);

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function errorBody(res: Response, body: unknown, text: string): ErrorBody {
  const b = body as Partial<ErrorBody> | undefined;
  if (b && typeof b === 'object' && typeof b.message === 'string') {
    return {
      statusCode: typeof b.statusCode === 'number' ? b.statusCode : res.status,
      error: typeof b.error === 'string' ? b.error : res.statusText,
      message: b.message,
      ...(b.details === undefined ? {} : { details: b.details }),
    };
  }
  return { statusCode: res.status, error: res.statusText, message: text.trim() || res.statusText };
}

function retryAfter(res: Response): number | undefined {
  const header = res.headers.get('retry-after');
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header);
}
