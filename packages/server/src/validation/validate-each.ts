import { describeJsonType } from '@nextbuy/contracts';
import { z } from 'zod';

/** A body that must be a JSON array; its items are validated one by one afterwards (`validateEach`). */
export const jsonArray = (of: string) =>
  z.array(z.unknown(), {
    error: (issue) =>
      `must be a JSON array of ${of} (got ${issue.input === undefined ? 'no body' : describeJsonType(issue.input)})`,
  });
