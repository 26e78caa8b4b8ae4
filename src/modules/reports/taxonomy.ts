/**
 * The controlled vocabulary of Article 2 of the Measures: five categories of cyber security threat,
 * each with its sub-types. Every report and every threat carries one category and one sub-type, and
 * statistics break down by them. Chinese labels follow the wording of the Measures.
 */

export interface TaxonLabel {
  zh: string;
  en: string;
}

export const THREAT_CATEGORIES = {
  /** Art. 2(1): malicious IPs, domains, URLs and electronic information used for attacks. */
  malicious_resource: {
    label: { zh: '恶意网络资源', en: 'Malicious network resource' },
    subtypes: {
      trojan_c2: { zh: '木马控制端', en: 'Trojan controller' },
      botnet_c2: { zh: '僵尸网络控制端', en: 'Botnet controller' },
      malware_distribution: { zh: '恶意程序传播地址', en: 'Malware distribution' },
      phishing_site: { zh: '钓鱼网站', en: 'Phishing site' },
      phishing_email: { zh: '钓鱼邮件', en: 'Phishing e-mail' },
      malicious_sms_mms: { zh: '恶意短信彩信', en: 'Malicious SMS/MMS' },
      malicious_im: { zh: '恶意即时通信信息', en: 'Malicious instant message' },
      attack_source: { zh: '攻击源', en: 'Attack source' },
      other: { zh: '其他恶意网络资源', en: 'Other malicious resource' },
    },
  },
  /** Art. 2(2): malicious programs. */
  malicious_program: {
    label: { zh: '恶意程序', en: 'Malicious program' },
    subtypes: {
      trojan: { zh: '木马', en: 'Trojan' },
      virus: { zh: '病毒', en: 'Virus' },
      worm: { zh: '蠕虫', en: 'Worm' },
      bot: { zh: '僵尸程序', en: 'Bot' },
      ransomware: { zh: '勒索软件', en: 'Ransomware' },
      mobile_malware: { zh: '移动互联网恶意程序', en: 'Mobile malware' },
      other: { zh: '其他恶意程序', en: 'Other malicious program' },
    },
  },
  /** Art. 2(3): hidden dangers in network services and products. */
  hidden_danger: {
    label: { zh: '网络服务和产品安全隐患', en: 'Hidden danger in services and products' },
    subtypes: {
      hardware_vulnerability: { zh: '硬件漏洞', en: 'Hardware vulnerability' },
      code_vulnerability: { zh: '代码漏洞', en: 'Code vulnerability' },
      business_logic_vulnerability: { zh: '业务逻辑漏洞', en: 'Business-logic vulnerability' },
      weak_password: { zh: '弱口令', en: 'Weak password' },
      backdoor: { zh: '后门', en: 'Backdoor' },
      other: { zh: '其他安全隐患', en: 'Other hidden danger' },
    },
  },
  /** Art. 2(4): services and products illegally invaded or controlled. */
  incident: {
    label: { zh: '网络安全事件', en: 'Security incident' },
    subtypes: {
      host_controlled: { zh: '主机受控', en: 'Host controlled' },
      data_leak: { zh: '数据泄露', en: 'Data leaked' },
      page_defaced: { zh: '网页篡改', en: 'Page defaced' },
      other: { zh: '其他网络安全事件', en: 'Other incident' },
    },
  },
  /** Art. 2(5): other threats. */
  other: {
    label: { zh: '其他网络安全威胁', en: 'Other threat' },
    subtypes: {
      other: { zh: '其他', en: 'Other' },
    },
  },
} as const satisfies Record<string, { label: TaxonLabel; subtypes: Record<string, TaxonLabel> }>;

export type ThreatCategory = keyof typeof THREAT_CATEGORIES;
export const CATEGORY_CODES = Object.keys(THREAT_CATEGORIES) as ThreatCategory[];

/** Every sub-type code across all categories (sub-type codes repeat: `other` is in each). */
export const SUBTYPE_CODES: string[] = [
  ...new Set(CATEGORY_CODES.flatMap((c) => Object.keys(THREAT_CATEGORIES[c].subtypes))),
];

export function isSubtypeOf(category: ThreatCategory, subtype: string): boolean {
  return Object.prototype.hasOwnProperty.call(THREAT_CATEGORIES[category].subtypes, subtype);
}

export function subtypesOf(category: ThreatCategory): string[] {
  return Object.keys(THREAT_CATEGORIES[category].subtypes);
}
