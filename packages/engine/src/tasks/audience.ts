/**
 * A task's entity filter (`FOR EACH customers.customer_id WHERE …`) over a snapshot: who gets a
 * list in a rebuild, who forms training queries and who is scored in an evaluation. Customers it
 * leaves out get no list of the task's build; serving answers them like an unknown customer.
 */

import type { EntityFilter } from '@nextbuy/contracts';
import { DAY_MS } from '../config';
import { EventType, type Snapshot } from '../snapshot';

/** Whether customer index `c` of the snapshot is in the task's audience. */
export type AudiencePredicate = (c: number) => boolean;

/**
 * The filter as one predicate over the snapshot's customers; `null` when every customer is in (no
 * filter). Each COUNT is counted for every customer in one pass over the events when compiled:
 * events of its types in [asOf + from_days, asOf + to_days). A customer index past the snapshot's
 * dictionary (a newcomer) has no segment, no id and no events: only a filter true for such a
 * customer takes them (e.g. `COUNT(…) = 0`).
 */
export function taskAudience(s: Snapshot, filter: EntityFilter | null): AudiencePredicate | null {
  return filter === null ? null : compile(s, filter);
}

function compile(s: Snapshot, f: EntityFilter): AudiencePredicate {
  const nC = s.customers.ids.length;
  switch (f.type) {
    case 'const': {
      const v = f.value;
      return () => v;
    }
    case 'not': {
      const inner = compile(s, f.item);
      return (c) => !inner(c);
    }
    case 'and': {
      const items = f.items.map((i) => compile(s, i));
      return (c) => items.every((p) => p(c));
    }
    case 'or': {
      const items = f.items.map((i) => compile(s, i));
      return (c) => items.some((p) => p(c));
    }
    case 'compare': {
      const get = fieldOf(s, f.field);
      const value = f.value;
      return f.op === '=' ? (c) => get(c) === value : (c) => get(c) !== value;
    }
    case 'in': {
      const get = fieldOf(s, f.field);
      const values = new Set(f.values);
      return (c) => {
        const v = get(c);
        return v !== null && values.has(v) !== f.negated;
      };
    }
    case 'count': {
      const counts = new Int32Array(nC);
      const types = new Uint8Array(8);
      for (const t of f.event_types) types[EventType[t]] = 1;
      const from = s.asOf + f.from_days * DAY_MS;
      const to = s.asOf + f.to_days * DAY_MS;
      const { customer, type, ts } = s.events;
      for (let e = 0; e < ts.length; e++) {
        if (ts[e]! >= from && ts[e]! < to && types[type[e]!] === 1) counts[customer[e]!]!++;
      }
      const test = compare(f.op, f.value);
      return (c) => test(c < nC ? counts[c]! : 0);
    }
  }
}

function fieldOf(s: Snapshot, field: 'customer_id' | 'segment'): (c: number) => string | null {
  const { ids, segment, segmentNames } = s.customers;
  return field === 'customer_id'
    ? (c) => ids[c] ?? null
    : (c) => (c < ids.length ? (segmentNames[segment[c]!] ?? null) : null);
}

function compare(op: string, value: number): (n: number) => boolean {
  switch (op) {
    case '=':
      return (n) => n === value;
    case '!=':
      return (n) => n !== value;
    case '<':
      return (n) => n < value;
    case '<=':
      return (n) => n <= value;
    case '>':
      return (n) => n > value;
    default:
      return (n) => n >= value;
  }
}
