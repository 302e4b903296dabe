import {
  EventIdAssigner,
  customerRecordSchema,
  productRecordSchema,
  validate,
  validateEvent,
  type Validated,
} from '@nextbuy/contracts';
import {
  CUSTOMER_STAGING,
  CatalogRepository,
  EVENT_STAGING,
  EventRepository,
  PRODUCT_STAGING,
  copyTextRow,
  type ImportKind,
  type SqlExecutor,
  type StagingTableSpec,
} from '@nextbuy/db';

export interface MergeOutcome {
  stored: number;
  /** Valid rows that changed nothing: an event already stored, a product or customer unchanged. */
  duplicates: number;
}

/** What differs between importing events, products and customers. */
export interface KindSpec {
  kind: ImportKind;
  /** Columns a CSV header must have. */
  required: readonly string[];
  staging: StagingTableSpec;
  /** Validates one row and encodes it as a COPY text line; `ord` is its position among valid rows. */
  encoder(): (input: Record<string, unknown>, ord: number) => Validated<string>;
  merge(executor: SqlExecutor, staged: number): Promise<MergeOutcome>;
}

const iso = (d: Date | undefined) => (d ? d.toISOString() : null);

const EVENTS: KindSpec = {
  kind: 'events',
  required: ['customer_id', 'product_id', 'type', 'timestamp'],
  staging: EVENT_STAGING,
  encoder() {
    // One assigner per file: identical rows of one file get distinct, repeatable ids.
    const ids = new EventIdAssigner();
    return (input) => {
      const v = validateEvent(input);
      if (!v.ok) return v;
      const e = v.value;
      return {
        ok: true,
        value: copyTextRow([
          ids.assign(e),
          e.customer_id,
          e.product_id,
          e.type,
          e.timestamp.toISOString(),
          e.session_id,
          e.order_id,
          e.quantity,
          e.price,
        ]),
      };
    };
  },
  async merge(executor, staged) {
    const { inserted } = await EventRepository.mergeFromStaging(executor, EVENTS.staging.table);
    return { stored: inserted, duplicates: staged - inserted };
  },
};

const PRODUCTS: KindSpec = {
  kind: 'products',
  required: ['product_id'],
  staging: PRODUCT_STAGING,
  encoder() {
    return (input, ord) => {
      const v = validate(productRecordSchema, input);
      if (!v.ok) return v;
      const p = v.value;
      return {
        ok: true,
        value: copyTextRow([
          ord,
          p.product_id,
          p.name,
          p.category,
          p.brand,
          p.price,
          p.available,
          JSON.stringify(p.attributes),
        ]),
      };
    };
  },
  async merge(executor, staged) {
    const { inserted, updated } = await CatalogRepository.mergeFromStaging(
      executor,
      'products',
      PRODUCTS.staging.table,
    );
    return { stored: inserted + updated, duplicates: staged - inserted - updated };
  },
};

const CUSTOMERS: KindSpec = {
  kind: 'customers',
  required: ['customer_id'],
  staging: CUSTOMER_STAGING,
  encoder() {
    return (input, ord) => {
      const v = validate(customerRecordSchema, input);
      if (!v.ok) return v;
      const c = v.value;
      return {
        ok: true,
        value: copyTextRow([ord, c.customer_id, c.segment, iso(c.signup_date), JSON.stringify(c.attributes)]),
      };
    };
  },
  async merge(executor, staged) {
    const { inserted, updated } = await CatalogRepository.mergeFromStaging(
      executor,
      'customers',
      CUSTOMERS.staging.table,
    );
    return { stored: inserted + updated, duplicates: staged - inserted - updated };
  },
};

export const KIND_SPECS: Record<ImportKind, KindSpec> = {
  events: EVENTS,
  products: PRODUCTS,
  customers: CUSTOMERS,
};
