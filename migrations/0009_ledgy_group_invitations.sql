-- Group membership needs the invitee's acceptance (issue 12, item 17). An invitation is kept
-- by email (lower-cased), whether or not a Ledgy user has it yet, so an invitation answers the
-- same for every address; it is deleted when answered, or with its group.
CREATE TABLE ledgy_group_invitations (
  org_id uuid NOT NULL,
  id uuid NOT NULL,
  group_id uuid NOT NULL,
  email text NOT NULL,
  invited_by uuid NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX ledgy_group_invitations_group_email ON ledgy_group_invitations (org_id, group_id, email);
CREATE INDEX ledgy_group_invitations_email ON ledgy_group_invitations (org_id, email);
