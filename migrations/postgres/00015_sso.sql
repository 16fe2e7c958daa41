-- SAML single sign-on: each organization's identity provider settings,
-- the AuthnRequests we sent and wait to see answered (InResponseTo, used
-- once), and the IDs of assertions already accepted (the replay cache).
-- Requests and assertion IDs live here rather than in process memory so
-- every replica sees the same ones; rows past expires_at are purged per
-- organization, hence the (org_id, expires_at) indexes.

-- +goose Up
CREATE TABLE saml_settings (
    org_id              text        PRIMARY KEY REFERENCES organizations (id),
    idp_entity_id       text        NOT NULL,
    sso_url             text        NOT NULL,
    -- JSON array of PEM certificates.
    certificates        text        NOT NULL,
    metadata_xml        text        NOT NULL DEFAULT '',
    allow_idp_initiated boolean     NOT NULL DEFAULT false,
    -- JSON array of lower-case domains.
    email_domains       text        NOT NULL DEFAULT '[]',
    updated_at          timestamptz NOT NULL
);

CREATE TABLE saml_requests (
    org_id      text        NOT NULL REFERENCES organizations (id),
    id          text        NOT NULL,
    relay_state text        NOT NULL,
    return_path text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE INDEX saml_requests_expires_idx ON saml_requests (org_id, expires_at);

CREATE TABLE saml_assertions (
    org_id       text        NOT NULL REFERENCES organizations (id),
    assertion_id text        NOT NULL,
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (org_id, assertion_id)
);
CREATE INDEX saml_assertions_expires_idx ON saml_assertions (org_id, expires_at);

-- +goose Down
DROP TABLE saml_assertions;
DROP TABLE saml_requests;
DROP TABLE saml_settings;
