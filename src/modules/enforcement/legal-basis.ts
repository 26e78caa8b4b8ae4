/**
 * THE table of legal citations. DESIGN.md §2: every article number, law and amount the platform
 * cites lives here and nowhere else, so a correction is a one-line change. Other modules refer to
 * entries by their key (`LegalRef`) and render the text from here.
 *
 * Sources and confidence (`confirmed`): of the Measures (工业和信息化部《公共互联网网络安全威胁监测与处置
 * 办法》, 2017), Articles 2, 6 and 8 and the dates are confirmed from published sources; the
 * numbering and wording of the others are reconstructed (DESIGN.md). The Cybersecurity Law penalty
 * provisions follow DESIGN.md "Policies"; entries marked `confirmed: false` need checking against
 * the published text before they are relied on in a penalty decision.
 *
 * Penalties follow the Cybersecurity Law as in force on the date of the conduct, so every penalty
 * provision carries the interval in which its text applied (dates are China local dates, inclusive).
 */

export interface Bilingual {
  zh: string;
  en: string;
}

export const LAWS = {
  measures_2017: {
    title: { zh: '公共互联网网络安全威胁监测与处置办法', en: 'Measures for Monitoring and Handling Cyber Security Threats in Public Internet' },
    short: { zh: '《办法》', en: 'the Measures' },
    issued: '2017-09-13',
    in_force_from: '2018-01-01',
    in_force_until: null,
  },
  csl_2016: {
    title: { zh: '中华人民共和国网络安全法（2016年）', en: 'Cybersecurity Law of the PRC (2016 text)' },
    short: { zh: '《网络安全法》', en: 'Cybersecurity Law' },
    issued: '2016-11-07',
    in_force_from: '2017-06-01',
    in_force_until: '2025-12-31',
  },
  csl_2025: {
    title: { zh: '中华人民共和国网络安全法（2025年修正）', en: 'Cybersecurity Law of the PRC (as amended 2025)' },
    short: { zh: '《网络安全法》', en: 'Cybersecurity Law' },
    issued: '2025-10-28',
    in_force_from: '2026-01-01',
    in_force_until: null,
  },
} as const satisfies Record<
  string,
  { title: Bilingual; short: Bilingual; issued: string; in_force_from: string; in_force_until: string | null }
>;
export type LawCode = keyof typeof LAWS;

interface CitationEntry {
  law: LawCode;
  article: number;
  summary: Bilingual;
  confirmed: boolean;
}

/** Articles the platform cites (notices, decisions, the console's help). */
export const LEGAL_CITATIONS = {
  measures_art2: {
    law: 'measures_2017',
    article: 2,
    confirmed: true,
    summary: {
      zh: '网络安全威胁的范围：恶意网络资源、恶意程序、网络服务和产品安全隐患、网络安全事件及其他',
      en: 'What counts as a threat: malicious resources, malicious programs, hidden dangers in services and products, incidents, other',
    },
  },
  measures_art5: {
    law: 'measures_2017',
    article: 5,
    confirmed: false,
    summary: {
      zh: '相关单位明确责任部门、责任人和联系人，建设网络安全威胁监测与处置技术手段',
      en: 'Units name a responsible department, person and contacts, and build monitoring and handling capability',
    },
  },
  measures_art6: {
    law: 'measures_2017',
    article: 6,
    confirmed: true,
    summary: {
      zh: '相关单位自行处置本单位网络安全威胁；涉及他方的按要求报送；建立网络安全威胁信息共享平台',
      en: 'Units handle their own threats; those involving others are submitted in the specified format to the sharing platform',
    },
  },
  measures_art7: {
    law: 'measures_2017',
    article: 7,
    confirmed: false,
    summary: {
      zh: '委托专业机构对报送的网络安全威胁进行认定并提出处置建议',
      en: 'Professional institutions are entrusted to identify submitted threats and propose handling',
    },
  },
  measures_art8: {
    law: 'measures_2017',
    article: 8,
    confirmed: true,
    summary: {
      zh: '经核实后，通信主管部门可采取通知停止服务或屏蔽恶意网络资源、清除恶意程序、整改安全隐患等处置措施',
      en: 'After review, regulators notify units to stop service or block malicious resources, remove malware, remediate hidden dangers, and other measures',
    },
  },
  measures_art9: {
    law: 'measures_2017',
    article: 9,
    confirmed: false,
    summary: {
      zh: '相关单位按要求采取处置措施并及时反馈处置结果',
      en: 'Units take the required measures and promptly report the results',
    },
  },
  measures_art10: {
    law: 'measures_2017',
    article: 10,
    confirmed: false,
    summary: {
      zh: '对认定结果或处置措施有异议的，可申请复核',
      en: 'Those who disagree with a finding or measure may request a review',
    },
  },
  measures_art11: {
    law: 'measures_2017',
    article: 11,
    confirmed: false,
    summary: { zh: '网络安全威胁信息的发布', en: 'Publication of threat information' },
  },
  measures_art12: {
    law: 'measures_2017',
    article: 12,
    confirmed: false,
    summary: {
      zh: '对工作中知悉的个人信息和商业秘密予以保密',
      en: 'Personal information and trade secrets learned in this work are kept confidential',
    },
  },
  measures_art13: {
    law: 'measures_2017',
    article: 13,
    confirmed: false,
    summary: {
      zh: '相关单位未按要求采取处置措施的，依据《网络安全法》等予以处罚',
      en: 'Units that fail to take the required measures are punished under the Cybersecurity Law',
    },
  },
  csl_2016_art56: {
    law: 'csl_2016',
    article: 56,
    confirmed: false,
    summary: {
      zh: '网络存在较大安全风险或者发生安全事件的，可以对网络运营者的负责人进行约谈',
      en: 'Where a network carries a major risk or an incident occurs, the regulator may interview the operator\u2019s principal',
    },
  },
  csl_2016_art59: {
    law: 'csl_2016',
    article: 59,
    confirmed: false,
    summary: {
      zh: '不履行网络安全保护义务的，责令改正，给予警告；拒不改正或者导致危害网络安全等后果的，处以罚款',
      en: 'Failure of network protection duties: order to rectify and warning; fines on refusal or harm',
    },
  },
  csl_2016_art60: {
    law: 'csl_2016',
    article: 60,
    confirmed: false,
    summary: {
      zh: '设置恶意程序，对安全缺陷、漏洞等风险未立即采取补救措施等的，责令改正，给予警告；拒不改正或者导致危害网络安全等后果的，处以罚款',
      en: 'Malicious programs, unremedied defects and vulnerabilities: order to rectify and warning; fines on refusal or harm',
    },
  },
  // The amended text renumbers; DESIGN.md names the interview provision "CSL Art. 56" without a
  // 2026 number, so the 2016 number is kept until the amended numbering is confirmed.
  csl_2025_art56: {
    law: 'csl_2025',
    article: 56,
    confirmed: false,
    summary: {
      zh: '网络存在较大安全风险或者发生安全事件的，可以对网络运营者的负责人进行约谈',
      en: 'Where a network carries a major risk or an incident occurs, the regulator may interview the operator\u2019s principal',
    },
  },
  csl_2025_art61: {
    law: 'csl_2025',
    article: 61,
    confirmed: false,
    summary: {
      zh: '不履行网络安全保护义务的，责令改正，给予警告，可以并处罚款；拒不改正、导致危害网络安全等后果的，按危害程度分级处以罚款',
      en: 'Failure of network protection duties (formerly Art. 59): warning with an optional fine; tiered fines by harm',
    },
  },
} as const satisfies Record<string, CitationEntry>;
export type LegalRef = keyof typeof LEGAL_CITATIONS;

/**
 * The statement of remedies an administrative penalty decision must carry (行政处罚法 Art. 44 and
 * 59: the decision states the ways and time limits to apply for reconsideration or to sue):
 * administrative reconsideration within 60 days of receipt (行政复议法, 2023 revision, Art. 20),
 * or an action before a people's court within six months (行政诉讼法 Art. 46). Kept here, with
 * the other legal texts, so a correction is made once.
 */
export const PENALTY_REMEDIES = {
  reconsideration_days: 60,
  litigation_months: 6,
  statement: {
    zh: '如不服本决定，可以自收到本决定书之日起六十日内依照《中华人民共和国行政复议法》第二十条申请行政复议，或者自收到本决定书之日起六个月内依照《中华人民共和国行政诉讼法》第四十六条向人民法院提起行政诉讼。行政复议和行政诉讼期间，本决定不停止执行，法律另有规定的除外。',
    en: 'If you do not accept this decision, you may apply for administrative reconsideration within 60 days of receiving it (Administrative Reconsideration Law of the PRC, Art. 20), or bring an administrative action before a people\u2019s court within six months of receiving it (Administrative Litigation Law of the PRC, Art. 46). The decision is not suspended during reconsideration or litigation, except as the law provides.',
  },
  confirmed: false,
} as const;
export const LEGAL_REFS = Object.keys(LEGAL_CITATIONS) as LegalRef[];

export function isLegalRef(value: unknown): value is LegalRef {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(LEGAL_CITATIONS, value);
}

/** "《办法》第八条" / "the Measures, Art. 8" — the citation as printed on a notice. */
export function formatCitation(ref: LegalRef, lang: 'zh' | 'en'): string {
  const c = LEGAL_CITATIONS[ref];
  const law = LAWS[c.law];
  return lang === 'zh' ? `${law.short.zh}第${chineseNumeral(c.article)}条` : `${law.short.en}, Art. ${c.article}`;
}

/** 1–99 in Chinese numerals, as articles are numbered in Chinese statutes. */
export function chineseNumeral(n: number): string {
  const digits = '零一二三四五六七八九';
  if (!Number.isInteger(n) || n < 1 || n > 99) return String(n);
  const tens = Math.floor(n / 10);
  const ones = n % 10;
  if (tens === 0) return digits[ones];
  return `${tens === 1 ? '' : digits[tens]}十${ones ? digits[ones] : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Penalties (Art. 13 of the Measures → the Cybersecurity Law)
// ---------------------------------------------------------------------------------------------

/** An amount range in yuan (CNY), inclusive. */
export type AmountRange = readonly [min: number, max: number];

export const PENALTY_TIERS = {
  warning: { zh: '责令改正，给予警告', en: 'Order to rectify and warning' },
  refusal_or_harm: { zh: '拒不改正或者导致危害网络安全等后果', en: 'Refusal to rectify, or harm to network security' },
  serious_harm: { zh: '造成严重危害网络安全后果', en: 'Serious harm to network security' },
  particularly_serious_harm: { zh: '造成特别严重危害网络安全后果', en: 'Particularly serious harm to network security' },
} as const satisfies Record<string, Bilingual>;
export type PenaltyTier = keyof typeof PENALTY_TIERS;

export interface PenaltyTierRule {
  /** Fine on the unit; null means no fine may be imposed at this tier. */
  unit: AmountRange | null;
  /** Fine on the person directly responsible; null means none at this tier. */
  person: AmountRange | null;
  /** True when the fine is "may also" (可以并处): a warning alone is also lawful. */
  fine_optional: boolean;
  /** Whether a warning is part of the sanction at this tier. */
  warning: boolean;
}

export interface PenaltyProvision {
  citation: LegalRef;
  /** Which duty it sanctions; the same duty keeps its key across versions of the law. */
  duty: 'network_protection' | 'malicious_program_or_vulnerability';
  valid_from: string;
  valid_until: string | null;
  tiers: Partial<Record<PenaltyTier, PenaltyTierRule>>;
  /** Tiers for operators of critical information infrastructure, where the law sets other amounts. */
  cii_tiers?: Partial<Record<PenaltyTier, PenaltyTierRule>>;
}

const warningOnly: PenaltyTierRule = { unit: null, person: null, fine_optional: false, warning: true };

/** The versioned penalty table. Amounts in yuan. */
export const PENALTY_PROVISIONS = {
  csl_2016_art59: {
    citation: 'csl_2016_art59',
    duty: 'network_protection',
    valid_from: '2017-06-01',
    valid_until: '2025-12-31',
    tiers: {
      warning: warningOnly,
      refusal_or_harm: { unit: [10_000, 100_000], person: [5_000, 50_000], fine_optional: false, warning: false },
    },
    cii_tiers: {
      warning: warningOnly,
      refusal_or_harm: { unit: [100_000, 1_000_000], person: [10_000, 100_000], fine_optional: false, warning: false },
    },
  },
  csl_2016_art60: {
    citation: 'csl_2016_art60',
    duty: 'malicious_program_or_vulnerability',
    valid_from: '2017-06-01',
    valid_until: '2025-12-31',
    tiers: {
      warning: warningOnly,
      refusal_or_harm: { unit: [50_000, 500_000], person: [10_000, 100_000], fine_optional: false, warning: false },
    },
  },
  csl_2025_art61: {
    citation: 'csl_2025_art61',
    duty: 'network_protection',
    valid_from: '2026-01-01',
    valid_until: null,
    tiers: {
      warning: { unit: [10_000, 50_000], person: null, fine_optional: true, warning: true },
      refusal_or_harm: { unit: [50_000, 500_000], person: [10_000, 100_000], fine_optional: false, warning: false },
      serious_harm: { unit: [500_000, 2_000_000], person: [50_000, 200_000], fine_optional: false, warning: false },
      particularly_serious_harm: { unit: [2_000_000, 10_000_000], person: [200_000, 1_000_000], fine_optional: false, warning: false },
    },
  },
} as const satisfies Record<string, PenaltyProvision>;
export type PenaltyProvisionCode = keyof typeof PENALTY_PROVISIONS;

/** The interview (约谈) provision in force on a date; not a penalty, recorded before one. */
export function interviewProvisionFor(when: string | Date): LegalRef | null {
  const date = toChinaDate(when);
  if (!date) return null;
  for (const ref of ['csl_2016_art56', 'csl_2025_art56'] as const) {
    const law = LAWS[LEGAL_CITATIONS[ref].law];
    if (inInterval(date, law.in_force_from, law.in_force_until)) return ref;
  }
  return null;
}

/** `YYYY-MM-DD` of a Date in China local time (UTC+8), or the string itself if already a date. */
export function toChinaDate(value: string | Date): string | null {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return null;
    return new Date(value.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const d = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value ? value : null;
  }
  const d = new Date(value);
  return Number.isNaN(d.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(value) ? null : toChinaDate(d);
}

function inInterval(date: string, from: string, until: string | null): boolean {
  return date >= from && (until === null || date <= until);
}

function isProvisionCode(value: unknown): value is PenaltyProvisionCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(PENALTY_PROVISIONS, value);
}

/** Penalty provisions whose text applied on the date of the conduct. */
export function provisionsInForce(conduct_date: string | Date): PenaltyProvisionCode[] {
  const date = toChinaDate(conduct_date);
  if (!date) return [];
  return (Object.keys(PENALTY_PROVISIONS) as PenaltyProvisionCode[]).filter((code) => {
    const p: PenaltyProvision = PENALTY_PROVISIONS[code];
    return inInterval(date, p.valid_from, p.valid_until);
  });
}

/** The provision sanctioning `duty` for conduct on that date (e.g. Art. 59 in 2025, Art. 61 in 2026). */
export function provisionFor(duty: PenaltyProvision['duty'], conduct_date: string | Date): PenaltyProvisionCode | null {
  return provisionsInForce(conduct_date).find((c) => PENALTY_PROVISIONS[c].duty === duty) ?? null;
}

export type PenaltyRangeResult =
  | { ok: true; provision: PenaltyProvisionCode; tier: PenaltyTier; rule: PenaltyTierRule }
  | { ok: false; field: string; message: string };

/**
 * The statutory range for a provision and tier, for conduct on a date. Refuses a provision whose
 * text did not apply on that date (the law in force at the time of the conduct governs).
 */
export function penaltyRangeFor(input: {
  conduct_date: string | Date;
  provision: string;
  tier: string;
  is_cii?: boolean;
}): PenaltyRangeResult {
  const date = toChinaDate(input.conduct_date);
  if (!date) return { ok: false, field: 'conduct_date', message: 'conduct_date must be a date (YYYY-MM-DD)' };
  if (!isProvisionCode(input.provision))
    return { ok: false, field: 'basis', message: `unknown penalty provision "${input.provision}"; known: ${Object.keys(PENALTY_PROVISIONS).join(', ')}` };
  const p: PenaltyProvision = PENALTY_PROVISIONS[input.provision];
  if (!inInterval(date, p.valid_from, p.valid_until)) {
    const inForce = provisionsInForce(date);
    return {
      ok: false,
      field: 'basis',
      message: `${formatCitation(p.citation, 'en')} (${LAWS[LEGAL_CITATIONS[p.citation].law].title.en}) was not in force on ${date}; provisions in force then: ${inForce.join(', ') || 'none'}`,
    };
  }
  const tiers = (input.is_cii && p.cii_tiers) || p.tiers;
  const rule = Object.prototype.hasOwnProperty.call(tiers, input.tier) ? tiers[input.tier as PenaltyTier] : undefined;
  if (!rule)
    return { ok: false, field: 'tier', message: `${input.provision} has no tier "${input.tier}"; tiers: ${Object.keys(tiers).join(', ')}` };
  return { ok: true, provision: input.provision, tier: input.tier as PenaltyTier, rule };
}

export const PENALTY_KINDS = ['warning', 'fine', 'warning_and_fine'] as const;
export type PenaltyKind = (typeof PENALTY_KINDS)[number];

export interface PenaltyInput {
  conduct_date: string | Date;
  /** A key of PENALTY_PROVISIONS, e.g. `csl_2016_art59`. */
  basis: string;
  tier: string;
  is_cii?: boolean;
  kind: string;
  /** Fine on the unit, yuan; absent or 0 for none. */
  unit_amount?: number | null;
  /** Fine on the person directly responsible, yuan; absent or 0 for none. */
  person_amount?: number | null;
}

/**
 * Checks a penalty decision against the statute: the provision in force at the conduct date, a
 * tier it has, a kind the tier permits, and each amount inside the statutory range. Refusals name
 * the field and the range so the console can show it next to the input.
 */
export function validatePenalty(input: PenaltyInput): { ok: true } | { ok: false; field: string; message: string } {
  const range = penaltyRangeFor({ conduct_date: input.conduct_date, provision: input.basis, tier: input.tier, is_cii: input.is_cii });
  if (!range.ok) return range;
  const { rule } = range;
  if (!(PENALTY_KINDS as readonly string[]).includes(input.kind))
    return { ok: false, field: 'kind', message: `kind must be one of ${PENALTY_KINDS.join(', ')}` };
  const kind = input.kind as PenaltyKind;

  for (const field of ['unit_amount', 'person_amount'] as const) {
    const v = input[field];
    if (v !== undefined && v !== null && (!Number.isInteger(v) || v < 0))
      return { ok: false, field, message: `${field} must be a whole number of yuan, not negative` };
  }
  const unit = input.unit_amount ?? 0;
  const person = input.person_amount ?? 0;
  const fines = rule.unit !== null || rule.person !== null;

  if (kind === 'warning') {
    if (!rule.warning && !rule.fine_optional)
      return { ok: false, field: 'kind', message: `at tier "${range.tier}" the law requires a fine; a warning alone is not a lawful sanction` };
    if (unit || person) return { ok: false, field: unit ? 'unit_amount' : 'person_amount', message: 'a warning carries no fine' };
    return { ok: true };
  }
  if (!fines) return { ok: false, field: 'kind', message: `no fine may be imposed at tier "${range.tier}" of ${range.provision}` };
  if (kind === 'warning_and_fine' && !rule.warning)
    return { ok: false, field: 'kind', message: `tier "${range.tier}" of ${range.provision} is a fine without a warning; use kind "fine"` };
  if (kind === 'fine' && rule.warning)
    return { ok: false, field: 'kind', message: `at tier "${range.tier}" a fine goes with a warning; use kind "warning_and_fine"` };

  if (rule.unit) {
    if (!unit) return { ok: false, field: 'unit_amount', message: `a fine on the unit is required: ${formatRange(rule.unit)}` };
    if (unit < rule.unit[0] || unit > rule.unit[1])
      return { ok: false, field: 'unit_amount', message: `unit fine ${unit} is outside the statutory range ${formatRange(rule.unit)}` };
  } else if (unit) return { ok: false, field: 'unit_amount', message: `no fine on the unit at tier "${range.tier}"` };

  if (person) {
    if (!rule.person) return { ok: false, field: 'person_amount', message: `no fine on the person directly responsible at tier "${range.tier}"` };
    if (person < rule.person[0] || person > rule.person[1])
      return { ok: false, field: 'person_amount', message: `fine on the person directly responsible ${person} is outside the statutory range ${formatRange(rule.person)}` };
  }
  return { ok: true };
}

function formatRange([min, max]: AmountRange): string {
  return `¥${min.toLocaleString('en-US')}–¥${max.toLocaleString('en-US')}`;
}

/**
 * The shortest the platform keeps its audit log (the retention sweep refuses a shorter period):
 * network operators keep the network logs of their operation and security events for no less than
 * six months (网络安全法 Art. 21(3), 2016 text). Kept here with the other legal texts.
 */
export const LOG_RETENTION_MINIMUM = {
  months: 6,
  days: 183,
  citation: { zh: '《中华人民共和国网络安全法》第二十一条第（三）项', en: 'Cybersecurity Law of the PRC, Art. 21(3)' },
  confirmed: false,
} as const;
