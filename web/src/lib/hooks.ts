/** Small data hooks: a request bound to a component, and the reference data every page labels with. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, isMissingEndpoint } from './api';

export interface Loaded<T> {
  data: T | null;
  error: ApiError | Error | null;
  loading: boolean;
  /** The endpoint is not on this server (a part of the API not yet deployed). */
  missing: boolean;
  reload(): void;
}

export function useApi<T>(fetcher: (() => Promise<T>) | null, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [loading, setLoading] = useState(!!fetcher);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!fetcher) return;
    let live = true;
    setLoading(true);
    setError(null);
    fetcher()
      .then((d) => live && setData(d))
      .catch((e) => live && (setError(e), setData(null)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, missing: isMissingEndpoint(error), reload };
}

export interface Label {
  zh: string;
  en: string;
}
export interface Taxonomy {
  [category: string]: { label: Label; subtypes: Record<string, Label> };
}
export interface Province {
  code: string;
  name_zh: string;
  short_name_zh: string;
  name_en: string;
}

const cache = new Map<string, Promise<unknown>>();
function cached<T>(path: string): Promise<T> {
  if (!cache.has(path)) cache.set(path, api.get<T>(path).catch((e) => (cache.delete(path), Promise.reject(e))));
  return cache.get(path) as Promise<T>;
}

export function useReference() {
  const tax = useApi(() => cached<Taxonomy>('/api/v1/taxonomy'), []);
  const prov = useApi(() => cached<Province[]>('/api/v1/provinces'), []);
  return { taxonomy: tax.data, provinces: prov.data };
}

/** Labels in the current language for the Article 2 taxonomy and provinces. */
export function useLabels() {
  const { i18n } = useTranslation();
  const { taxonomy, provinces } = useReference();
  const zh = i18n.language !== 'en';
  const pick = (l: Label | undefined, fallback: string) => (l ? (zh ? l.zh : l.en) : fallback);
  return {
    taxonomy,
    provinces,
    zh,
    category: (c: string) => pick(taxonomy?.[c]?.label, c),
    subtype: (c: string, s: string) => pick(taxonomy?.[c]?.subtypes[s], s),
    province: (code: string | null | undefined) => {
      if (!code) return '—';
      const p = provinces?.find((x) => x.code === code);
      return p ? (zh ? p.short_name_zh : p.name_en) : code;
    },
    orgName: (o: { name: string; name_en?: string | null } | null | undefined) => (o ? (zh ? o.name : o.name_en || o.name) : '—'),
  };
}

/** Re-renders every `ms`, for countdowns. */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(t);
  }, [ms]);
  return now;
}

/** Keeps a value's previous pages' cursors, for tables paged by keyset on the server. */
export function useCursorPages<C>() {
  const [stack, setStack] = useState<(C | undefined)[]>([undefined]);
  const current = stack[stack.length - 1];
  const reset = useCallback(() => setStack([undefined]), []);
  const next = useCallback((c: C) => setStack((s) => [...s, c]), []);
  const prev = useCallback(() => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)), []);
  return { cursor: current, page: stack.length, next, prev, reset };
}

/** The paging props of a DataTable over `useCursorPages`, given the server's next cursor (if any). */
export function cursorPaging<C>(pages: ReturnType<typeof useCursorPages<C>>, nextCursor: C | null | undefined) {
  return {
    page: pages.page,
    hasPrev: pages.page > 1,
    hasNext: nextCursor != null,
    onPrev: pages.prev,
    onNext: () => {
      if (nextCursor != null) pages.next(nextCursor);
    },
  };
}

export function useDebounced<T>(value: T, ms = 300): T {
  const [v, setV] = useState(value);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const t = window.setTimeout(() => setV(value), ms);
    return () => window.clearTimeout(t);
  }, [value, ms]);
  return v;
}
