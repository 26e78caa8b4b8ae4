/** The shape of a release as presented (releases.service.ts presentRelease), shared with the page renderer. */
export interface PresentedRelease {
  id: string;
  state: string;
  author_org_id: string;
  title_zh: string;
  title_en: string | null;
  summary_zh: string;
  summary_en: string | null;
  body_zh: string;
  body_en: string | null;
  category: string | null;
  warning_colour: string | null;
  review_reasons: string | null;
  created_at: string;
  updated_at: string;
  published_at: string | null;
  indicators: { type: string; value: string; category: string; subtype: string; status: string }[];
}
