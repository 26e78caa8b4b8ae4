/**
 * The public face of releases, pure: an HTML page (zh-CN or en) and an Atom feed (RFC 4287).
 * Everything is escaped; nothing here reads anything but the published releases it is given.
 */
import type { PresentedRelease } from './release.types.js';

export type Lang = 'zh' | 'en';

const LABELS = {
  zh: { title: '网络安全威胁信息发布', zone: '北京时间', issuer: '工业和信息化部网络安全威胁信息共享平台', published: '发布时间', indicators: '威胁指标', none: '暂无发布', colour: { red: '红色预警', orange: '橙色预警', yellow: '黄色预警', blue: '蓝色预警' } },
  en: { title: 'Cyber security threat releases', zone: 'Beijing time', issuer: 'MIIT cyber security threat information sharing platform', published: 'Published', indicators: 'Indicators', none: 'Nothing published yet', colour: { red: 'Red warning', orange: 'Orange warning', yellow: 'Yellow warning', blue: 'Blue warning' } },
} as const;

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** "2026-12-02 08:01" in Beijing time (UTC+8, no daylight saving), as on every signed document. */
export function beijingTime(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
}

const STYLE = `
body { margin: 0; font: 15px/1.6 system-ui, -apple-system, 'Segoe UI', 'PingFang SC', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif; color: #1d2733; background: #f4f6f9; }
header { background: #0f3d6e; color: #fff; padding: 18px 20px; }
header h1 { margin: 0; font-size: 21px; }
header p { margin: 4px 0 0; opacity: .85; font-size: 13px; }
header a { color: #cfe0f3; }
main { max-width: 860px; margin: 0 auto; padding: 18px 14px 40px; }
article { background: #fff; border: 1px solid #dde3ea; border-radius: 6px; padding: 14px 18px; margin-bottom: 14px; }
article h2 { font-size: 17px; margin: 0 0 6px; color: #0f3d6e; }
article h3 { font-size: 14px; margin: 12px 0 4px; }
.meta { color: #5f6b7a; font-size: 13px; margin: 0 0 8px; }
.warning { display: inline-block; padding: 1px 10px; border-radius: 999px; font-size: 13px; margin: 0 0 6px; }
.warning.red { background: #fde8e6; color: #b42318; } .warning.orange { background: #ffedd5; color: #c2410c; }
.warning.yellow { background: #fef9c3; color: #854d0e; } .warning.blue { background: #e0f2fe; color: #075985; }
ul { padding-left: 20px; } li { overflow-wrap: anywhere; }
code { font: 12.5px ui-monospace, Menlo, Consolas, monospace; background: #f6f8fa; padding: 0 4px; border-radius: 3px; }
.empty { color: #5f6b7a; }
`;

const pick = (r: PresentedRelease, lang: Lang, field: 'title' | 'summary' | 'body') =>
  (lang === 'en' ? r[`${field}_en`] : null) ?? r[`${field}_zh`];

export function renderReleasesHtml(releases: PresentedRelease[], lang: Lang, baseUrl: string): string {
  const l = LABELS[lang];
  const items = releases
    .map((r) => {
      const colour = r.warning_colour ? `<p class="warning ${escapeXml(r.warning_colour)}">${escapeXml(l.colour[r.warning_colour as keyof typeof l.colour] ?? r.warning_colour)}</p>` : '';
      const inds = r.indicators.length
        ? `<h3>${l.indicators}</h3><ul>${r.indicators.map((i) => `<li><code>${escapeXml(i.type)}</code> ${escapeXml(i.value)}</li>`).join('')}</ul>`
        : '';
      return `<article id="r-${r.id}"><h2>${escapeXml(pick(r, lang, 'title'))}</h2>${colour}<p class="meta">${l.published}: <time datetime="${r.published_at}">${beijingTime(r.published_at)} ${l.zone}</time></p><p>${escapeXml(pick(r, lang, 'summary'))}</p><div>${escapeXml(pick(r, lang, 'body')).replace(/\n/g, '<br>')}</div>${inds}</article>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><title>${l.title}</title>
<link rel="alternate" type="application/atom+xml" href="${escapeXml(baseUrl)}/releases.atom">
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body><header><h1>${l.title}</h1><p>${l.issuer} · <a href="?lang=zh">中文</a> · <a href="?lang=en">English</a> · <a href="/releases.atom">Atom</a></p></header>
<main>
${items || `<p class="empty">${l.none}</p>`}
</main>
</body></html>
`;
}

export function renderReleasesAtom(releases: PresentedRelease[], baseUrl: string): string {
  const updated = releases[0]?.published_at ?? new Date(0).toISOString();
  const entries = releases
    .map(
      (r) => `<entry><id>urn:uuid:${r.id}</id><title>${escapeXml(r.title_zh)}${r.title_en ? ` / ${escapeXml(r.title_en)}` : ''}</title>
<link href="${escapeXml(baseUrl)}/releases#r-${r.id}"/><updated>${r.published_at}</updated><published>${r.published_at}</published>
<summary>${escapeXml(r.summary_zh)}</summary><content type="text">${escapeXml(r.body_zh)}${r.body_en ? `\n\n${escapeXml(r.body_en)}` : ''}</content></entry>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><id>${escapeXml(baseUrl)}/releases</id><title>threatshare releases</title>
<link rel="self" href="${escapeXml(baseUrl)}/releases.atom"/><updated>${updated}</updated><author><name>threatshare</name></author>
${entries}
</feed>
`;
}
