import { FlowProducer, Queue, type FlowJob, type JobsOptions, type QueueBaseOptions } from 'bullmq';
import type Redis from 'ioredis';
import { JOB_QUEUE, JobName, parseJobPayload, QueueName, type JobOf } from '@nextbuy/contracts';
import { whenReady } from './connections';

/** Retries cover a worker dying or a passing database error; three is enough to ride out a restart. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/**
 * How long an enqueue waits for a connection that is not ready: long enough for a reconnect after
 * a blip (ioredis retries at most 2 s apart), short enough that a request answers while Redis is away.
 */
export const PRODUCER_READY_TIMEOUT_MS = 2_000;

/**
 * The producer's queues and flows neither wait for Redis nor ask its version when created
 * (BullMQ's own wait has no end): `JobProducer` bounds the wait itself. Nothing is left waiting on
 * a connection either, which BullMQ 5 reports as an uncaught error once the queue is closed and
 * the connection ends (taskforcesh/bullmq#3546). The workers' connections still check the version.
 */
const NO_WAIT: Pick<QueueBaseOptions, 'skipWaitingForReady' | 'skipVersionCheck'> = {
  skipWaitingForReady: true,
  skipVersionCheck: true,
};

/** A flow node whose payload is checked against its job name at compile time and at run time. */
export interface TypedFlowJob<N extends JobName = JobName> {
  name: N;
  data: JobOf<N>;
  jobId: string;
  /** BullMQ priority: 1 runs first; jobs without one run before any prioritised job. */
  priority?: number;
  children?: TypedFlowJob[];
}

/** The one way jobs are enqueued: payloads validated, queue chosen by job name, one prefix. */
export class JobProducer {
  private readonly queues = new Map<QueueName, Queue>();
  private readonly flows: FlowProducer;

  constructor(
    private readonly connection: Redis,
    private readonly prefix: string,
    private readonly readyTimeoutMs = PRODUCER_READY_TIMEOUT_MS,
  ) {
    this.flows = new FlowProducer({ connection, prefix, ...NO_WAIT });
  }

  /** Resolves once the connection is ready; rejects after `readyTimeoutMs` while Redis is away. */
  ready(): Promise<void> {
    return whenReady(this.connection, this.readyTimeoutMs);
  }

  /** A queue of the producer's, for what `add` does not cover; call `ready()` before its commands. */
  queue(name: QueueName): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, {
        connection: this.connection,
        prefix: this.prefix,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
        ...NO_WAIT,
      });
      this.queues.set(name, q);
    }
    return q;
  }

  async add<N extends JobName>(
    name: N,
    data: JobOf<N>,
    opts: JobsOptions & { jobId: string },
  ): Promise<void> {
    parseJobPayload(name, data);
    await this.ready();
    await this.queue(JOB_QUEUE[name]).add(name, data, { ...DEFAULT_JOB_OPTIONS, ...opts });
  }

  /** Adds a tree of jobs: a parent runs once all its children have completed (BullMQ flows). */
  async addFlow(root: TypedFlowJob): Promise<void> {
    const flow = this.toFlowJob(root);
    await this.ready();
    await this.flows.add(flow);
  }

  /** Waiting/active/delayed/failed counts per queue, for `status`. */
  async depths(): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    await this.ready();
    for (const name of [QueueName.Features, QueueName.Candidates]) {
      out[name] = await this.queue(name).getJobCounts(
        'waiting',
        'active',
        'delayed',
        'failed',
        'waiting-children',
      );
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    await this.flows.close();
  }

  private toFlowJob(node: TypedFlowJob): FlowJob {
    parseJobPayload(node.name, node.data);
    return {
      name: node.name,
      queueName: JOB_QUEUE[node.name],
      data: node.data,
      opts: {
        ...DEFAULT_JOB_OPTIONS,
        jobId: node.jobId,
        ...(node.priority === undefined ? {} : { priority: node.priority }),
        // A child that finally fails fails its parent: the build stops instead of waiting forever.
        failParentOnFailure: true,
      },
      children: node.children?.map((c) => this.toFlowJob(c)),
    };
  }
}
