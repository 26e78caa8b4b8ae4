-- Sharing and publishing (Art. 6, 11, 12; issue 5): bulletins with read receipts, public releases
-- approved by a regulator, subscriptions with their delivery links, and the event log behind the
-- server-sent-events stream. Forward-only: never edit a migration that has shipped; add a new file.

-- Bulletins (通报): a regulator tells chosen units about one or more threats. Recipients are
-- resolved when the bulletin is sent (named units, or every unit of the chosen kinds in the chosen
-- province), one row each, so a read receipt is one UPDATE and nobody added later sees it.
CREATE TABLE bulletins (
  id uuid PRIMARY KEY,
  sender_org_id uuid NOT NULL REFERENCES organizations (id),
  sender_user_id uuid,
  province_code char(6),
  title text NOT NULL,
  body text NOT NULL,
  tlp text NOT NULL CHECK (tlp IN ('clear', 'green', 'amber', 'amber+strict', 'red')),
  severity text,
  warning_colour text,
  indicator_ids bigint[] NOT NULL DEFAULT '{}',
  case_ids uuid[] NOT NULL DEFAULT '{}',
  audience jsonb NOT NULL,
  sent_at timestamptz NOT NULL
);
CREATE INDEX bulletins_sender ON bulletins (sender_org_id, sent_at DESC);
CREATE TABLE bulletin_recipients (
  bulletin_id uuid NOT NULL REFERENCES bulletins (id),
  org_id uuid NOT NULL REFERENCES organizations (id),
  delivered_at timestamptz NOT NULL,
  read_at timestamptz,
  read_by_user uuid,
  PRIMARY KEY (bulletin_id, org_id)
);
CREATE INDEX bulletin_recipients_org ON bulletin_recipients (org_id, delivered_at DESC);

-- Public releases (发布, Art. 11): drafted by a regulator or an institution, published only after a
-- regulator approves. Only TLP:CLEAR content can be published.
CREATE TABLE releases (
  id uuid PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('draft', 'submitted', 'approved', 'published', 'rejected', 'withdrawn')),
  author_org_id uuid NOT NULL REFERENCES organizations (id),
  title_zh text NOT NULL,
  title_en text,
  summary_zh text NOT NULL,
  summary_en text,
  body_zh text NOT NULL,
  body_en text,
  category text,
  warning_colour text,
  indicator_ids bigint[] NOT NULL DEFAULT '{}',
  approved_by_org_id uuid REFERENCES organizations (id),
  review_reasons text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  published_at timestamptz,
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX releases_published ON releases (published_at DESC, id) WHERE state = 'published';
CREATE INDEX releases_author ON releases (author_org_id, updated_at DESC);

-- Subscriptions of an organization to events, delivered by the server-sent-events stream and, when
-- asked, by the organization's signed webhook (the workflow's outbox).
CREATE TABLE subscriptions (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organizations (id),
  events text[] NOT NULL,
  webhook boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  disabled_at timestamptz
);
CREATE INDEX subscriptions_org ON subscriptions (org_id) WHERE disabled_at IS NULL;
-- Which outbox deliveries a subscription caused (its delivery log).
CREATE TABLE subscription_deliveries (
  subscription_id uuid NOT NULL REFERENCES subscriptions (id),
  event_id uuid NOT NULL,
  PRIMARY KEY (subscription_id, event_id)
);

-- The event log behind the SSE stream, one row per (organization, event). `seq` comes from the
-- single-row head below, updated inside the writing transaction: the row lock orders writers, so
-- sequence numbers become visible in commit order with no gaps, and a reader polling `seq > cursor`
-- from any process never skips an event that commits late (an identity column would).
CREATE TABLE stream_events (
  seq bigint PRIMARY KEY,
  org_id uuid NOT NULL,
  event_type text NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX stream_events_org ON stream_events (org_id, seq);
CREATE TABLE stream_head (
  id integer PRIMARY KEY CHECK (id = 1),
  seq bigint NOT NULL
);
INSERT INTO stream_head (id, seq) VALUES (1, 0);

-- Feeds: the exports' keyset scan reads active, not excluded indicators of a type in id order.
CREATE INDEX indicators_feed ON indicators (type, id) WHERE status = 'active' AND NOT excluded;
-- The exclusion list: a domain and its subdomains found by index (reversed names share a prefix),
-- and the few excluded rows re-checked when the list changes, never a scan of every indicator.
CREATE INDEX indicators_domain_reverse ON indicators (reverse(value) text_pattern_ops) WHERE type = 'domain';
CREATE INDEX indicators_excluded ON indicators (id) WHERE excluded;
