-- Issue 11 item 6: a reporter's answer to the institution's questions is recorded as the
-- reporter's, not as the institution's. NULL (rows before this migration): the institution.
ALTER TABLE identifications ADD COLUMN author_org_id uuid REFERENCES organizations (id);
