import type { BuildView } from '@nextbuy/contracts';

/** A build's status as a badge (text, not colour alone, carries the meaning). */
export function BuildStatus({ build }: { build: Pick<BuildView, 'status' | 'active'> }) {
  return (
    <span className={`badge badge-${build.status}`}>
      {build.status}
      {build.active ? ' · active' : ''}
    </span>
  );
}
