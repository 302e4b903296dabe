import { type ServedAnswer, servedAnswerJson, servedAnswerJsonOf, servedItemsJson } from './feedback.repository';

/** The row's JSON as it was made before the items' part could be kept: one JSON.stringify of it all. */
const asOneObject = (a: ServedAnswer) =>
  JSON.stringify({
    recommendation_id: a.recommendationId,
    served_at_ms: a.servedAt.getTime(),
    customer_id: a.customerId,
    build_id: a.buildId,
    experiment_id: a.experimentId,
    variant: a.variant,
    product_ids: a.productIds,
    strategies: a.strategies,
  });

describe('servedAnswerJson', () => {
  const answers: ServedAnswer[] = [
    {
      recommendationId: '0193a6f1-2c3d-7e4f-8a9b-0c1d2e3f4a5b',
      servedAt: new Date(1_764_806_400_123),
      customerId: '17850',
      buildId: '12',
      experimentId: null,
      variant: 'default',
      productIds: ['85123A', '71053', '84406B'],
      strategies: ['personal', 'personal', 'similar'],
    },
    {
      recommendationId: 'r"1',
      servedAt: new Date(0),
      customerId: 'a "quoted" \\ id\n\u2028é',
      buildId: '1',
      experimentId: '5',
      variant: 'variant "b"',
      productIds: ['x"y', '\u0000z'],
      strategies: ['popular', 'bought_together'],
    },
    {
      recommendationId: 'r',
      servedAt: new Date(5),
      customerId: 'c',
      buildId: '2',
      experimentId: null,
      variant: 'default',
      productIds: [],
      strategies: [],
    },
  ];

  it('is the JSON of the whole row, key for key, whether its items part was kept or not', () => {
    for (const a of answers) {
      expect(servedAnswerJson(a)).toBe(asOneObject(a));
      const head = {
        recommendationId: a.recommendationId,
        servedAtMs: a.servedAt.getTime(),
        customerId: a.customerId,
        buildId: a.buildId,
        experimentId: a.experimentId,
        variant: a.variant,
      };
      expect(servedAnswerJsonOf(head, servedItemsJson(a.productIds, a.strategies))).toBe(asOneObject(a));
    }
  });
});
