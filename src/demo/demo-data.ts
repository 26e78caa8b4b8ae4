/**
 * The demo world, as data: the ministry, the 31 provincial communications administrations, CNCERT
 * and CAICT, the three basic telecom operators with a branch in every province, and clearly
 * fictional security vendors, internet companies and registrars. Contact details are placeholders.
 */
import type { OrganizationCreate } from '../modules/orgs/orgs.schema.js';
import { PROVINCES } from '../modules/orgs/provinces.js';

export const DEMO_PASSWORD = 'threatshare-demo';

export interface DemoOrg extends OrganizationCreate {
  /** Users created for the console (username → roles). */
  users?: { username: string; display_name: string; roles: ('admin' | 'analyst' | 'reporter' | 'handler' | 'auditor')[] }[];
  token_roles: ('admin' | 'analyst' | 'reporter' | 'handler' | 'auditor')[];
}

const person = (name: string, n: number) => ({ name, phone: `+86 10 5555 ${String(1000 + n).slice(-4)}`, email: `duty${n}@demo.invalid` });
const slug = (en: string) => en.toLowerCase().replace(/[^a-z]+/g, '-').replace(/^-|-$/g, '');

const OPERATORS = [
  { code: 'china_telecom' as const, slug: 'china-telecom', zh: '中国电信', full: '中国电信集团有限公司', en: 'China Telecom' },
  { code: 'china_unicom' as const, slug: 'china-unicom', zh: '中国联通', full: '中国联合网络通信集团有限公司', en: 'China Unicom' },
  { code: 'china_mobile' as const, slug: 'china-mobile', zh: '中国移动', full: '中国移动通信集团有限公司', en: 'China Mobile' },
];

/** Provinces whose organizations get console users in the demo (the rest get tokens only). */
export const DEMO_USER_PROVINCES = ['440000', '110000'];

export function demoOrganizations(): DemoOrg[] {
  let n = 0;
  const orgs: DemoOrg[] = [];
  const all = ['admin', 'analyst', 'reporter', 'handler', 'auditor'] as DemoOrg['token_roles'];
  orgs.push({
    kind: 'regulator_national',
    name: '工业和信息化部网络安全管理局',
    name_en: 'MIIT Cybersecurity Administration Bureau',
    short_code: 'miit',
    responsible_department: '网络安全管理局',
    responsible_person: person('演示 部级值班员', n++),
    contacts: [{ name: '部值班室', role: 'duty desk', phone: '+86 10 5555 0000' }],
    token_roles: all,
    users: [
      { username: 'miit-admin', display_name: '部 管理员', roles: all },
      { username: 'miit-officer', display_name: '部 处置员', roles: ['analyst', 'handler', 'auditor'] },
    ],
  });
  for (const p of PROVINCES) {
    const s = slug(p.name_en);
    orgs.push({
      kind: 'regulator_provincial',
      name: `${p.name_zh}通信管理局`,
      name_en: `${p.name_en} Communications Administration`,
      short_code: `ca-${s}`,
      province_code: p.code,
      responsible_department: '网络与信息安全管理处',
      responsible_person: person(`演示 ${p.short_name_zh}值班员`, n++),
      contacts: [{ name: '值班室', role: 'duty desk', phone: `+86 10 5555 ${p.code.slice(0, 2)}00` }],
      token_roles: all,
      users: DEMO_USER_PROVINCES.includes(p.code) ? [{ username: `ca-${s}-officer`, display_name: `${p.short_name_zh}通信管理局 处置员`, roles: all }] : undefined,
    });
  }
  orgs.push({
    kind: 'professional_institution',
    name: '国家计算机网络应急技术处理协调中心',
    name_en: 'CNCERT/CC',
    short_code: 'cncert',
    responsible_department: '运行部',
    responsible_person: person('演示 CNCERT值班员', n++),
    categories: ['malicious_resource', 'malicious_program', 'incident', 'other'],
    token_roles: all,
    users: [{ username: 'cncert-analyst', display_name: 'CNCERT 分析员', roles: ['analyst', 'auditor'] }],
  });
  orgs.push({
    kind: 'professional_institution',
    name: '中国信息通信研究院',
    name_en: 'CAICT',
    short_code: 'caict',
    responsible_department: '安全研究所',
    responsible_person: person('演示 信通院值班员', n++),
    categories: ['hidden_danger', 'malicious_program', 'incident', 'malicious_resource'],
    token_roles: all,
    users: [{ username: 'caict-analyst', display_name: '信通院 分析员', roles: ['analyst', 'auditor'] }],
  });
  orgs.push({
    kind: 'cyberspace_administration',
    name: '国家互联网信息办公室（演示）',
    name_en: 'Cyberspace Administration (demo)',
    short_code: 'cac',
    responsible_department: '网络安全协调局',
    responsible_person: person('演示 网信值班员', n++),
    token_roles: ['handler', 'analyst'],
  });
  for (const op of OPERATORS) {
    orgs.push({
      kind: 'telecom_operator',
      name: op.full,
      name_en: op.en,
      short_code: op.slug,
      operator: op.code,
      responsible_department: '网络与信息安全部',
      responsible_person: person(`演示 ${op.zh}安全值班员`, n++),
      token_roles: all,
      users: [{ username: `${op.slug}-secops`, display_name: `${op.zh} 安全运营`, roles: all }],
    });
    for (const p of PROVINCES) {
      const s = slug(p.name_en);
      orgs.push({
        kind: 'telecom_operator',
        name: `${op.zh}${p.short_name_zh}分公司`,
        name_en: `${op.en} ${p.name_en} Branch`,
        short_code: `${op.slug}-${s}`,
        province_code: p.code,
        operator: op.code,
        responsible_department: '网络与信息安全部',
        responsible_person: person(`演示 ${op.zh}${p.short_name_zh}值班员`, n++),
        token_roles: all,
        users: DEMO_USER_PROVINCES.includes(p.code) ? [{ username: `${op.slug}-${s}-secops`, display_name: `${op.zh}${p.short_name_zh} 安全运营`, roles: all }] : undefined,
      });
    }
  }
  // Clearly fictional units: names say 演示 (demo); their declared resources are invented names.
  orgs.push(
    {
      kind: 'security_vendor',
      name: '长城示范网络安全科技有限公司（演示）',
      name_en: 'Great Wall Demo Security Ltd. (fictional)',
      short_code: 'demo-vendor-greatwall',
      province_code: '110000',
      responsible_department: '威胁情报中心',
      responsible_person: person('演示 情报负责人', n++),
      token_roles: ['reporter', 'analyst', 'admin'],
      users: [{ username: 'greatwall-reporter', display_name: '长城示范 情报员', roles: ['reporter', 'analyst', 'admin'] }],
    },
    {
      kind: 'security_vendor',
      name: '珠江示范安全实验室（演示）',
      name_en: 'Pearl River Demo Security Lab (fictional)',
      short_code: 'demo-vendor-pearlriver',
      province_code: '440000',
      responsible_department: '监测运营部',
      responsible_person: person('演示 监测负责人', n++),
      token_roles: ['reporter', 'analyst', 'admin'],
    },
    {
      kind: 'internet_company',
      name: '云朵示范云计算有限公司（演示）',
      name_en: 'Cloudlet Demo Cloud Co. (fictional)',
      short_code: 'demo-cloud-cloudlet',
      province_code: '330000',
      responsible_department: '安全应急响应中心',
      responsible_person: person('演示 云安全负责人', n++),
      scopes: [{ kind: 'domain_suffix', value: 'cloudlet-demo.cn' }],
      token_roles: ['reporter', 'handler', 'admin'],
      users: [{ username: 'cloudlet-handler', display_name: '云朵示范 处置员', roles: ['reporter', 'handler', 'admin'] }],
    },
    {
      kind: 'internet_company',
      name: '信鸽示范邮件服务有限公司（演示）',
      name_en: 'Pigeon Demo Mail Co. (fictional)',
      short_code: 'demo-mail-pigeon',
      province_code: '440000',
      responsible_department: '反垃圾邮件中心',
      responsible_person: person('演示 邮件安全负责人', n++),
      scopes: [{ kind: 'domain_suffix', value: 'pigeon-mail-demo.cn' }],
      token_roles: ['reporter', 'handler', 'admin'],
    },
    {
      kind: 'domain_registrar',
      name: '示范域名注册服务有限公司（演示）',
      name_en: 'Demo Domain Registrar Ltd. (fictional)',
      short_code: 'demo-registrar',
      province_code: '110000',
      responsible_department: '域名安全部',
      responsible_person: person('演示 域名安全负责人', n++),
      scopes: [
        { kind: 'domain_suffix', value: 'cn' },
        { kind: 'domain_suffix', value: 'top' },
      ],
      token_roles: ['reporter', 'handler', 'admin'],
      users: [{ username: 'registrar-handler', display_name: '示范注册商 处置员', roles: ['reporter', 'handler', 'admin'] }],
    },
  );
  return orgs;
}
