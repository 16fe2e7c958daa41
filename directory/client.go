package directory

import "time"

// ScimClient is an identity provider registered to fetch short-lived SCIM
// access tokens with the OAuth 2.0 client-credentials grant. ClientID is
// the public identifier it sends; only keyed hashes of its secrets are
// stored. After a rotation the previous secret keeps working until
// PreviousSecretExpiresAt, so the IdP can switch without an outage.
type ScimClient struct {
	OrgID                   string
	ID                      string
	Name                    string
	ClientID                string
	SecretHash              string
	PreviousSecretHash      string
	PreviousSecretExpiresAt *time.Time
	CreatedAt               time.Time
	RotatedAt               *time.Time
	RevokedAt               *time.Time
	LastUsedAt              *time.Time
}

// SecretHashesAt returns the hashes of the secrets accepted at now: the
// current one, and the previous one while its overlap lasts ("" after).
func (c ScimClient) SecretHashesAt(now time.Time) (current, previous string) {
	if c.PreviousSecretExpiresAt != nil && now.Before(*c.PreviousSecretExpiresAt) {
		previous = c.PreviousSecretHash
	}
	return c.SecretHash, previous
}

// UsableAt reports whether the client may obtain tokens: it is not revoked.
func (c ScimClient) UsableAt(time.Time) bool { return c.RevokedAt == nil }

// Validate checks the name, the public identifier and that a hash is present.
func (c ScimClient) Validate() error {
	if c.ClientID == "" {
		return invalid("clientID", "is required")
	}
	if err := checkText("clientID", c.ClientID, 200); err != nil {
		return err
	}
	return validateCredential(c.Name, c.SecretHash)
}
