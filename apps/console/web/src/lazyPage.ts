import { createElement, lazy, useState, type ComponentType, type ReactElement } from 'react';

/** A page component loaded on demand, whose chunk can also be asked for before React renders it. */
export interface LazyPage {
  (): ReactElement;
  /** Starts loading the chunk (once); resolves when the page can render without suspending. */
  preload(): Promise<unknown>;
}

/**
 * `React.lazy`, plus `preload()`: a page whose chunk has loaded renders at once instead of through
 * `lazy`. Plain `lazy` suspends on its first render even when the chunk is already there, and React
 * then holds the page back for up to 300 ms after showing the Suspense fallback (its
 * FALLBACK_THROTTLE_MS): a third of the overview's first-load budget spent on purpose.
 */
export function lazyPage(load: () => Promise<{ default: ComponentType }>): LazyPage {
  let loaded: ComponentType | undefined;
  let loading: Promise<{ default: ComponentType }> | undefined;
  const preload = () =>
    (loading ??= load().then((module) => {
      loaded = module.default;
      return module;
    }));
  const Lazy = lazy(preload);
  function Page() {
    // Chosen once per mount: switching from `Lazy` to the loaded component would remount the page.
    const [component] = useState<ComponentType>(() => loaded ?? Lazy);
    return createElement(component);
  }
  return Object.assign(Page, { preload });
}
