/**
 * Dates, durations and sizes in the console's language.
 *
 * One time zone policy: every time a person reads is Beijing time (UTC+8, no daylight saving),
 * labelled, whatever the browser's zone, because the signed and printable notices are in Beijing
 * time and a deadline must read the same on every screen and on paper.
 */
import i18n from '../i18n';

export const PLATFORM_TIME_ZONE = 'Asia/Shanghai';

function parts(iso: string, withSeconds = false): string | null {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone: PLATFORM_TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    ...(withSeconds ? { second: '2-digit' as const } : {}),
    hourCycle: 'h23',
  });
  const p = Object.fromEntries(f.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}${withSeconds ? `:${p.second}` : ''}`;
}

/** "2026-12-02 03:49 北京时间" / "2026-12-02 03:49 Beijing time": the same string on every screen. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const s = parts(iso);
  return s === null ? iso : `${s} ${timeZoneLabel()}`;
}

/** The Beijing time without the zone label, for chart axes and dense cells under a labelled header. */
export function formatTimeBare(iso: string | null | undefined, withSeconds = false): string {
  if (!iso) return '—';
  return parts(iso, withSeconds) ?? iso;
}

/** The calendar day (YYYY-MM-DD) of an instant in Beijing time. */
export function beijingDay(d: Date): string {
  return (parts(d.toISOString()) ?? '').slice(0, 10);
}

export function timeZoneLabel(): string {
  return i18n.t('time.zone');
}

/** "in 3 h 05 min" / "5 min ago": a relative reading beside an absolute time. */
export function formatRelative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '';
  const ms = new Date(iso).getTime() - now;
  if (Number.isNaN(ms)) return '';
  return ms >= 0 ? i18n.t('time.in', { d: formatDuration(ms) }) : i18n.t('time.ago', { d: formatDuration(-ms) });
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

/** The server's marker for a field withheld from this reader (Art. 12 confidentiality). */
export const REDACTED = '[redacted]';

/** A value for a person to read: a withheld field says so in the user's language. */
export function shown(v: string | null | undefined): string {
  if (v === null || v === undefined || v === '') return '—';
  return v === REDACTED ? i18n.t('common.redacted') : v;
}
