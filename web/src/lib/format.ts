/** Dates, durations and sizes in the console's language. */
import i18n from '../i18n';

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(i18n.language === 'en' ? 'en-GB' : 'zh-CN', { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}

/** "3 h 05 min" / "3 小时 05 分"; negative durations are overdue. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  const d = Math.floor(abs / 86_400_000);
  const h = Math.floor((abs % 86_400_000) / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const s = Math.floor((abs % 60_000) / 1000);
  const unit = (k: string, n: number) => i18n.t(`units.${k}`, { count: n });
  if (d > 0) return `${unit('day', d)} ${unit('hour', h)}`;
  if (h > 0) return `${unit('hour', h)} ${unit('minute', m)}`;
  return `${unit('minute', m)} ${unit('second', s)}`;
}

export function formatHours(h: number | null | undefined): string {
  if (h === null || h === undefined || Number.isNaN(h)) return '—';
  return formatDuration(h * 3_600_000);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
