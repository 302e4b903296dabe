import { Injectable } from '@nestjs/common';
import { BuildOutputRepository } from '@nextbuy/db';
import { artifactReader, type ArtifactReader } from './artifacts';

/**
 * Decoded inputs shared by the stages of one build that run in this process: a features worker
 * that made the snapshot need not decode it for its next feature stage, and a candidates worker
 * reads the graphs once for the item lists and its rank shards. A new build drops the old one's
 * values (one build is in flight at a time), and a failed load is tried again next time.
 */
@Injectable()
export class BuildArtifactCache {
  private cache: { buildId: string; values: Map<string, Promise<unknown>> } | undefined;

  constructor(private readonly outputs: BuildOutputRepository) {}

  /** `load`'s value for this build and key, computed once per process. */
  get<T>(buildId: string, key: string, load: () => Promise<T>): Promise<T> {
    if (this.cache?.buildId !== buildId) this.cache = { buildId, values: new Map() };
    const values = this.cache.values;
    let value = values.get(key) as Promise<T> | undefined;
    if (!value) {
      value = load();
      values.set(key, value);
      value.catch(() => values.delete(key));
    }
    return value;
  }

  /** The build's stored artifacts, each read and decoded once per process. */
  reader(buildId: string): ArtifactReader {
    const read = artifactReader(this.outputs, buildId);
    return (name, decode) => this.get(buildId, name, () => read(name, decode));
  }

  /** Forgets everything (after a publish: the build's stages are over). */
  clear(): void {
    this.cache = undefined;
  }
}
