import { FlowProducer, Queue, type FlowJob, type JobsOptions } from 'bullmq';
import type Redis from 'ioredis';
import { JOB_QUEUE, JobName, parseJobPayload, QueueName, type JobOf } from '@nextbuy/contracts';

/** Retries cover a worker dying or a passing database error; three is enough to ride out a restart. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
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
  ) {
    this.flows = new FlowProducer({ connection, prefix });
  }

  queue(name: QueueName): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, {
        connection: this.connection,
        prefix: this.prefix,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
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
    await this.queue(JOB_QUEUE[name]).add(name, data, { ...DEFAULT_JOB_OPTIONS, ...opts });
  }

  /** Adds a tree of jobs: a parent runs once all its children have completed (BullMQ flows). */
  async addFlow(root: TypedFlowJob): Promise<void> {
    await this.flows.add(this.toFlowJob(root));
  }

  /** Waiting/active/delayed/failed counts per queue, for `status`. */
  async depths(): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
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
