/** Filter controls shared by the list pages. */
import { useTranslation } from 'react-i18next';
import { useLabels } from '../lib/hooks';
import { useEnum } from '../components/ui';

export function CategorySelect({ value, onChange, id = 'f-category' }: { value: string; onChange: (v: string) => void; id?: string }) {
  const { t } = useTranslation();
  const labels = useLabels();
  return (
    <label className="filter" htmlFor={id}>
      <span>{t('reports.category')}</span>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{t('common.all')}</option>
        {Object.keys(labels.taxonomy ?? {}).map((c) => (
          <option key={c} value={c}>
            {labels.category(c)}
          </option>
        ))}
      </select>
    </label>
  );
}

export function ProvinceSelect({ value, onChange, id = 'f-province', label }: { value: string; onChange: (v: string) => void; id?: string; label?: string }) {
  const { t } = useTranslation();
  const labels = useLabels();
  return (
    <label className="filter" htmlFor={id}>
      <span>{label ?? t('common.province')}</span>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{t('common.all')}</option>
        {(labels.provinces ?? []).map((p) => (
          <option key={p.code} value={p.code}>
            {labels.province(p.code)}
          </option>
        ))}
      </select>
    </label>
  );
}

export function EnumSelect({ group, values, value, onChange, label, id, allLabel }: { group: string; values: readonly string[]; value: string; onChange: (v: string) => void; label: string; id: string; allLabel?: string }) {
  const { t } = useTranslation();
  const en = useEnum();
  return (
    <label className="filter" htmlFor={id}>
      <span>{label}</span>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{allLabel ?? t('common.all')}</option>
        {values.map((v) => (
          <option key={v} value={v}>
            {en(group, v)}
          </option>
        ))}
      </select>
    </label>
  );
}
