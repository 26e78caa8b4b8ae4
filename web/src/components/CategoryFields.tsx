/**
 * The Article 2 category and sub-type pickers, used wherever a threat is classified (a report, a
 * bulk import). Changing the category selects its first sub-type, so the pair is always valid.
 */
import { useTranslation } from 'react-i18next';
import { useLabels } from '../lib/hooks';
import { Field } from './ui';

export function CategoryFields({
  idPrefix = '',
  category,
  subtype,
  onChange,
}: {
  idPrefix?: string;
  category: string;
  subtype: string;
  onChange: (category: string, subtype: string) => void;
}) {
  const { t } = useTranslation();
  const labels = useLabels();
  const subtypesOf = (c: string) => Object.keys(labels.taxonomy?.[c]?.subtypes ?? {});
  return (
    <>
      <Field label={t('reports.category')} htmlFor={`${idPrefix}category`}>
        <select id={`${idPrefix}category`} data-field="/category" value={category} onChange={(e) => onChange(e.target.value, subtypesOf(e.target.value)[0] ?? 'other')}>
          {Object.keys(labels.taxonomy ?? {}).map((c) => (
            <option key={c} value={c}>
              {labels.category(c)}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('reports.subtype')} htmlFor={`${idPrefix}subtype`}>
        <select id={`${idPrefix}subtype`} data-field="/subtype" value={subtype} onChange={(e) => onChange(category, e.target.value)}>
          {subtypesOf(category).map((s) => (
            <option key={s} value={s}>
              {labels.subtype(category, s)}
            </option>
          ))}
        </select>
      </Field>
    </>
  );
}
