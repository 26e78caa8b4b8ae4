/**
 * The 31 provincial-level divisions of mainland China, each with its GB/T 2260 code. Article 3 of
 * the Measures gives each provincial communications administration (通信管理局) jurisdiction over
 * its region; every threat, notice and statistic belongs to one of these provinces or to the
 * nation. Hong Kong, Macau and Taiwan are outside those administrations and are deliberately absent.
 */

export interface Province {
  /** GB/T 2260 administrative division code, e.g. `440000`. */
  code: string;
  /** Full Chinese name, e.g. `广东省`, `广西壮族自治区`. */
  name_zh: string;
  /** Chinese short name in common use, e.g. `广东`, `广西`, `内蒙古`. */
  short_name_zh: string;
  name_en: string;
}

export const PROVINCES: readonly Province[] = Object.freeze([
  { code: '110000', name_zh: '北京市', short_name_zh: '北京', name_en: 'Beijing' },
  { code: '120000', name_zh: '天津市', short_name_zh: '天津', name_en: 'Tianjin' },
  { code: '130000', name_zh: '河北省', short_name_zh: '河北', name_en: 'Hebei' },
  { code: '140000', name_zh: '山西省', short_name_zh: '山西', name_en: 'Shanxi' },
  { code: '150000', name_zh: '内蒙古自治区', short_name_zh: '内蒙古', name_en: 'Inner Mongolia' },
  { code: '210000', name_zh: '辽宁省', short_name_zh: '辽宁', name_en: 'Liaoning' },
  { code: '220000', name_zh: '吉林省', short_name_zh: '吉林', name_en: 'Jilin' },
  { code: '230000', name_zh: '黑龙江省', short_name_zh: '黑龙江', name_en: 'Heilongjiang' },
  { code: '310000', name_zh: '上海市', short_name_zh: '上海', name_en: 'Shanghai' },
  { code: '320000', name_zh: '江苏省', short_name_zh: '江苏', name_en: 'Jiangsu' },
  { code: '330000', name_zh: '浙江省', short_name_zh: '浙江', name_en: 'Zhejiang' },
  { code: '340000', name_zh: '安徽省', short_name_zh: '安徽', name_en: 'Anhui' },
  { code: '350000', name_zh: '福建省', short_name_zh: '福建', name_en: 'Fujian' },
  { code: '360000', name_zh: '江西省', short_name_zh: '江西', name_en: 'Jiangxi' },
  { code: '370000', name_zh: '山东省', short_name_zh: '山东', name_en: 'Shandong' },
  { code: '410000', name_zh: '河南省', short_name_zh: '河南', name_en: 'Henan' },
  { code: '420000', name_zh: '湖北省', short_name_zh: '湖北', name_en: 'Hubei' },
  { code: '430000', name_zh: '湖南省', short_name_zh: '湖南', name_en: 'Hunan' },
  { code: '440000', name_zh: '广东省', short_name_zh: '广东', name_en: 'Guangdong' },
  { code: '450000', name_zh: '广西壮族自治区', short_name_zh: '广西', name_en: 'Guangxi' },
  { code: '460000', name_zh: '海南省', short_name_zh: '海南', name_en: 'Hainan' },
  { code: '500000', name_zh: '重庆市', short_name_zh: '重庆', name_en: 'Chongqing' },
  { code: '510000', name_zh: '四川省', short_name_zh: '四川', name_en: 'Sichuan' },
  { code: '520000', name_zh: '贵州省', short_name_zh: '贵州', name_en: 'Guizhou' },
  { code: '530000', name_zh: '云南省', short_name_zh: '云南', name_en: 'Yunnan' },
  // The English name follows current official usage (Xizang) rather than the older "Tibet".
  { code: '540000', name_zh: '西藏自治区', short_name_zh: '西藏', name_en: 'Xizang' },
  { code: '610000', name_zh: '陕西省', short_name_zh: '陕西', name_en: 'Shaanxi' },
  { code: '620000', name_zh: '甘肃省', short_name_zh: '甘肃', name_en: 'Gansu' },
  { code: '630000', name_zh: '青海省', short_name_zh: '青海', name_en: 'Qinghai' },
  { code: '640000', name_zh: '宁夏回族自治区', short_name_zh: '宁夏', name_en: 'Ningxia' },
  { code: '650000', name_zh: '新疆维吾尔自治区', short_name_zh: '新疆', name_en: 'Xinjiang' },
].map((p) => Object.freeze(p)));

export const PROVINCE_CODES: readonly string[] = Object.freeze(PROVINCES.map((p) => p.code));

const BY_CODE: ReadonlyMap<string, Province> = new Map(PROVINCES.map((p) => [p.code, p]));

/**
 * Every Chinese spelling we accept for a province: its full name and its short name, nothing
 * invented (`内蒙古省` is not a name and does not resolve). Geolocation data (ip2region) spells municipalities without `市` (`北京`) and
 * autonomous regions by their short name (`内蒙古`, `广西`), so both forms must resolve.
 */
const BY_NAME: ReadonlyMap<string, string> = new Map(
  PROVINCES.flatMap((p) => [
    [p.name_zh, p.code],
    [p.short_name_zh, p.code],
  ]),
);

export function provinceByCode(code: string): Province | undefined {
  return BY_CODE.get(code);
}

export function isProvinceCode(code: string): boolean {
  return BY_CODE.has(code);
}

/** The GB/T 2260 code of a province given its full or short Chinese name; undefined if none. */
export function provinceCodeFromName(zhName: string): string | undefined {
  const direct = BY_NAME.get(zhName);
  if (direct !== undefined) return direct;
  const trimmed = zhName.trim();
  return trimmed === zhName ? undefined : BY_NAME.get(trimmed);
}
