-- Directory group → fcms role mapping (issue 15 item 1, optional part). Only the security
-- administrator edits it; only business-family roles may be mapped (no 三员 role ever comes from
-- a directory). On each LDAP sign-in the linked account gets the roles mapped from its groups;
-- directory_role_grants remembers which of its roles came that way, so a later sign-in removes
-- exactly those the groups no longer give and never a role the security administrator granted.
CREATE TABLE directory_group_roles (
  group_name TEXT NOT NULL,        -- the group's cn, lower case
  role_id INTEGER NOT NULL REFERENCES roles(id),
  created_at BIGINT NOT NULL,
  PRIMARY KEY (group_name, role_id)
);
CREATE TABLE directory_role_grants (
  user_id INTEGER NOT NULL REFERENCES users(id),
  role_id INTEGER NOT NULL REFERENCES roles(id),
  PRIMARY KEY (user_id, role_id)
);
