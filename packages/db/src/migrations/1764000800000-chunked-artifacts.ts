import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A stage artifact is stored as ordered chunks (`chunk` 0, 1, …; none above
 * `ARTIFACT_CHUNK_BYTES`), not as one `bytea` value: Postgres caps a value at 1 GB and the pg
 * driver returns bytea as hex text (twice the bytes as one JS string, so > ~268 MB could not be
 * read back at all). Each chunk is read as its own row. Existing artifacts become chunk 0.
 */
export class ChunkedArtifacts1764000800000 implements MigrationInterface {
  name = 'ChunkedArtifacts1764000800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE build_artifacts ADD COLUMN chunk integer NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE build_artifacts DROP CONSTRAINT build_artifacts_pkey`);
    await q.query(`ALTER TABLE build_artifacts ADD PRIMARY KEY (build_id, name, chunk)`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Keeps each artifact's first chunk only: an older release cannot read chunked artifacts.
    await q.query(`DELETE FROM build_artifacts WHERE chunk > 0`);
    await q.query(`ALTER TABLE build_artifacts DROP CONSTRAINT build_artifacts_pkey`);
    await q.query(`ALTER TABLE build_artifacts DROP COLUMN chunk`);
    await q.query(`ALTER TABLE build_artifacts ADD PRIMARY KEY (build_id, name)`);
  }
}
