/**
 * The public face of releases, pure: an HTML page (zh-CN or en) and an Atom feed (RFC 4287).
 * Everything is escaped; nothing here reads anything but the published releases it is given.
 */
import type { PresentedRelease } from './release.types.js';

export type Lang = 'zh' | 'en';

const LABELS = {
  zh: { title: '网络安全威胁信息发布', published: '发布时间', indicators: '威胁指标', none: '暂无发布', colour: { red: '红色预警', orange: '橙色预警', yellow: '黄色预警', blue: '蓝色预警' } },
  en: { title: 'Cyber security threat releases', published: 'Published', indicators: 'Indicators', none: 'Nothing published yet', colour: { red: 'Red warning', orange: 'Orange warning', yellow: 'Yellow warning', blue: 'Blue warning' } },
} as const;

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

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
      return `<article id="r-${r.id}"><h2>${escapeXml(pick(r, lang, 'title'))}</h2>${colour}<p><small>${l.published}: <time datetime="${r.published_at}">${r.published_at}</time></small></p><p>${escapeXml(pick(r, lang, 'summary'))}</p><div>${escapeXml(pick(r, lang, 'body')).replace(/\n/g, '<br>')}</div>${inds}</article>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><title>${l.title}</title>
<link rel="alternate" type="application/atom+xml" href="${escapeXml(baseUrl)}/releases.atom">
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><h1>${l.title}</h1><p><a href="?lang=zh">中文</a> · <a href="?lang=en">English</a> · <a href="/releases.atom">Atom</a></p>
${items || `<p>${l.none}</p>`}
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
