-- Console second factor (issue 13, item 4): a TOTP secret per user, sealed with the platform's
-- secret box (never stored in clear), enabled once the user has proved a code from it; the last
-- accepted time step, so a code cannot be replayed; single-use recovery codes, stored hashed.
ALTER TABLE users ADD COLUMN totp_secret_sealed text;
ALTER TABLE users ADD COLUMN totp_enabled_at timestamptz;
ALTER TABLE users ADD COLUMN totp_last_step bigint;

CREATE TABLE user_recovery_codes (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  used_at timestamptz,
  PRIMARY KEY (user_id, code_hash)
);

-- Facts about this deployment that the public pages may show, e.g. `demo` when the database was
-- seeded with the demo world (only then does the sign-in page show the demo password hint).
CREATE TABLE platform_flags (
  name text PRIMARY KEY,
  value text NOT NULL,
  set_at timestamptz NOT NULL DEFAULT now()
);
