/** Appeals (复核, Art. 10): those I made or review; regulators name the reviewer, reviewers decide. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { OrgName } from '../components/OrgName';
import { Badge, Card, Empty, ErrorBox, Field, Loading, PageHeader, useEnum } from '../components/ui';
import { api } from '../lib/api';
import type { Appeal, Organization } from '../lib/domain';
import { formatTime } from '../lib/format';
import { useApi, useLabels } from '../lib/hooks';
import { can, useMe } from '../lib/session';

export function AppealsPage() {
  const { t } = useTranslation();
  const res = useApi(() => api.get<{ items: Appeal[] }>('/api/v1/appeals'), []);
  return (
    <>
      <PageHeader title={t('nav.appeals')}>{t('appeals.subtitle')}</PageHeader>
      <ErrorBox error={res.error} />
      {res.loading && <Loading />}
      {res.data && res.data.items.length === 0 && <Empty />}
      {res.data?.items.map((a) => <AppealCard key={a.id} a={a} onDone={res.reload} />)}
    </>
  );
}

function AppealCard({ a, onDone }: { a: Appeal; onDone: () => void }) {
  const { t } = useTranslation();
  const me = useMe();
  const en = useEnum();
  const labels = useLabels();
  const [reviewer, setReviewer] = useState('');
  const [outcome, setOutcome] = useState<'upheld' | 'changed' | 'withdrawn'>('upheld');
  const [reasons, setReasons] = useState('');
  const [error, setError] = useState<unknown>(null);
  const institutions = useApi(can.isRegulator(me) && a.allowed_events.includes('assign') ? () => api.get<{ items: Organization[] }>('/api/v1/organizations', { kind: 'professional_institution', limit: 100 }) : null, [a.id]);
  const run = (p: Promise<unknown>) => p.then(onDone, setError);
  return (
    <Card
      title={
        <>
          <Link to={`/cases/${a.case_id}`}>{t('appeals.theCase')}</Link> <Badge kind={a.state}>{en('appealState', a.state)}</Badge>
        </>
      }
    >
      <div className="small muted">
        {t('appeals.by')} <OrgName id={a.appellant_org_id} /> ({en('appealRole', a.role)}) · {formatTime(a.created_at)} · {t('appeals.periodEnds')} {formatTime(a.period_ends_at)}
      </div>
      <p className="prewrap">{a.reasons}</p>
      {a.reviewer_org_id && (
        <p>
          {t('appeals.reviewer')}: <OrgName id={a.reviewer_org_id} />
        </p>
      )}
      {a.outcome && (
        <p>
          {t('appeals.outcome')}: <Badge kind={a.outcome}>{en('appealOutcome', a.outcome)}</Badge> {a.outcome_reasons}
        </p>
      )}
      {institutions.data && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void run(api.post(`/api/v1/appeals/${a.id}/assign`, { reviewer_org_id: reviewer }));
          }}
        >
          <Field label={t('appeals.reviewer')} htmlFor={`rev-${a.id}`}>
            <select id={`rev-${a.id}`} value={reviewer} onChange={(e) => setReviewer(e.target.value)} required>
              <option value="">—</option>
              {institutions.data.items.map((o) => (
                <option key={o.id} value={o.id}>
                  {labels.orgName(o)}
                </option>
              ))}
            </select>
          </Field>
          <button type="submit">{t('appeals.assign')}</button>
        </form>
      )}
      {a.state === 'under_review' && a.reviewer_org_id === me.org_id && (
        <form
          data-testid="appeal-outcome"
          onSubmit={(e) => {
            e.preventDefault();
            void run(api.post(`/api/v1/appeals/${a.id}/outcome`, { outcome, reasons }));
          }}
        >
          <fieldset className="radio-row">
            <legend>{t('appeals.outcome')}</legend>
            {(['upheld', 'changed', 'withdrawn'] as const).map((o) => (
              <label key={o} className="check">
                <input type="radio" name={`outcome-${a.id}`} checked={outcome === o} onChange={() => setOutcome(o)} /> {en('appealOutcome', o)}
              </label>
            ))}
          </fieldset>
          <Field label={t('cases.reasons')} htmlFor={`out-${a.id}`}>
            <textarea id={`out-${a.id}`} rows={2} value={reasons} onChange={(e) => setReasons(e.target.value)} required />
          </Field>
          <button type="submit">{t('common.submit')}</button>
        </form>
      )}
      <ErrorBox error={error} />
    </Card>
  );
}
