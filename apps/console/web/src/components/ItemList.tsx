import type { RankedItem } from '@nextbuy/contracts';
import { Link } from 'react-router-dom';
import { attributionBars, strategyLabel } from '../shaping/attribution';
import { formatPercent } from '../shaping/time';

/**
 * A ranked list with what makes it ours: each item's strategy and the share of its score each
 * reason carries, as bars with the reason in words.
 */
export function ItemList({
  items,
  label,
  highlight,
}: {
  items: readonly RankedItem[];
  label: string;
  /** Product ids to mark as new (the what-if panel). */
  highlight?: ReadonlySet<string>;
}) {
  if (items.length === 0) return <p>Nothing to list.</p>;
  return (
    <ol className="items" aria-label={label}>
      {items.map((item) => (
        <li
          key={item.product_id}
          data-product={item.product_id}
          className={highlight?.has(item.product_id) ? 'new' : undefined}
        >
          <div className="item-head">
            <span className="rank">{item.rank}</span>
            <Link to={`/products/${encodeURIComponent(item.product_id)}`}>
              {item.name ?? item.product_id}
            </Link>
            <span className="muted">{item.product_id}</span>
            <span className={`badge badge-strategy`} data-strategy={item.strategy}>
              {strategyLabel(item.strategy)}
            </span>
            {highlight?.has(item.product_id) && <span className="badge badge-new">new</span>}
            <span className="score muted">score {item.score.toFixed(3)}</span>
          </div>
          <ul className="reasons" aria-label={`Why ${item.name ?? item.product_id}`}>
            {attributionBars(item).map((bar) => (
              <li key={bar.feature} data-feature={bar.feature} data-share={bar.share}>
                <span className="reason">{bar.label}</span>
                <span className="share-track" aria-hidden="true">
                  <span className="share-bar" style={{ width: `${bar.share * 100}%` }} />
                </span>
                <span className="share">{formatPercent(bar.share)}</span>
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ol>
  );
}
