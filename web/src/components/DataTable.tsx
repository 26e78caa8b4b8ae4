/**
 * A table whose rows come page by page from the server (keyset cursors or offsets): it never holds
 * more than one page. Sortable columns ask the server to sort, when the endpoint offers it.
 */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

export interface Column<T> {
  key: string;
  header: string;
  render: (row: T) => ReactNode;
  sortable?: boolean;
  /** The direction a first click sorts in (default descending: newest, highest first). */
  firstDir?: 'asc' | 'desc';
  className?: string;
}

export interface Sort {
  key: string;
  dir: 'asc' | 'desc';
}

export function DataTable<T>({
  columns,
  rows,
  rowKey,
  page,
  hasPrev,
  hasNext,
  onPrev,
  onNext,
  sort,
  onSort,
  loading,
  caption,
  total,
}: {
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  page?: number;
  hasPrev?: boolean;
  hasNext?: boolean;
  onPrev?: () => void;
  onNext?: () => void;
  sort?: Sort;
  onSort?: (s: Sort) => void;
  loading?: boolean;
  caption?: string;
  total?: number;
}) {
  const { t } = useTranslation();
  return (
    <div className="table-wrap">
      <table className={`data ${loading ? 'is-loading' : ''}`} aria-busy={loading}>
        {caption && <caption className="sr-only">{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c) => {
              const active = sort?.key === c.key;
              const ariaSort = active ? (sort!.dir === 'asc' ? 'ascending' : 'descending') : undefined;
              return (
                <th key={c.key} className={c.className} aria-sort={ariaSort} scope="col">
                  {c.sortable && onSort ? (
                    <button
                      type="button"
                      className="sort"
                      aria-label={t(nextDir(c, active, sort) === 'asc' ? 'common.sortAsc' : 'common.sortDesc', { column: c.header })}
                      onClick={() => onSort({ key: c.key, dir: nextDir(c, active, sort) })}
                    >
                      {c.header} <span aria-hidden>{active ? (sort!.dir === 'asc' ? '▲' : '▼') : '↕'}</span>
                    </button>
                  ) : (
                    c.header
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && !loading && (
            <tr>
              <td colSpan={columns.length} className="empty">
                {t('common.empty')}
              </td>
            </tr>
          )}
          {rows.map((r) => (
            <tr key={rowKey(r)}>
              {columns.map((c) => (
                <td key={c.key} className={c.className}>
                  {c.render(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {(onPrev || onNext) && (
        <nav className="pager" aria-label={t('common.pagination')}>
          <button type="button" onClick={onPrev} disabled={!hasPrev || loading}>
            ← {t('common.prev')}
          </button>
          <span>
            {t('common.page', { page: page ?? 1 })}
            {total !== undefined ? ` · ${t('common.total', { count: total })}` : ''}
          </span>
          <button type="button" onClick={onNext} disabled={!hasNext || loading}>
            {t('common.next')} →
          </button>
        </nav>
      )}
    </div>
  );
}

/** A click on the sorted column reverses it; on another column it sorts that column's first way. */
function nextDir<T>(c: Column<T>, active: boolean, sort: Sort | undefined): 'asc' | 'desc' {
  if (active && sort) return sort.dir === 'desc' ? 'asc' : 'desc';
  return c.firstDir ?? 'desc';
}
