import { InvalidJobPayloadError, JOB_QUEUE, JobName, parseJobPayload, QueueName } from './jobs';

describe('job payloads', () => {
  it('parses a valid payload', () => {
    expect(parseJobPayload(JobName.RankShard, { buildId: '12', shard: 0, shards: 4 })).toEqual({
      buildId: '12',
      shard: 0,
      shards: 4,
    });
  });

  it('rejects a payload that can never succeed, naming the field', () => {
    expect(() => parseJobPayload(JobName.RankShard, { buildId: 'x', shard: -1 })).toThrow(
      InvalidJobPayloadError,
    );
    expect(() => parseJobPayload(JobName.Snapshot, {})).toThrow(/buildId/);
  });

  it('maps every job to a queue', () => {
    for (const name of Object.values(JobName)) expect(Object.values(QueueName)).toContain(JOB_QUEUE[name]);
  });
});
