package admin

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
)

// actionClaimSecrets is how a person can claim their account right now:
// their claim link, their access code, or both. Reading them sends
// nothing and is recorded in the audit log (claim_secret.read), as the
// holder of either can take the account over.
type actionClaimSecrets struct {
	ID                 string           `json:"id"`
	Status             directory.Status `json:"status"`
	ClaimLink          string           `json:"claim_link,omitempty"`
	ClaimLinkExpiresAt *time.Time       `json:"claim_link_expires_at,omitempty"`
	// AccessCode is formatted for people (groups of four letters).
	AccessCode          string     `json:"access_code,omitempty"`
	AccessCodeExpiresAt *time.Time `json:"access_code_expires_at,omitempty"`
}

// personClaimSecrets answers GET /people/{id}/claim. A person with
// neither a working link nor a working code is a 409 saying how to give
// them one.
func (h *Handler) personClaimSecrets(c echo.Context) error {
	var out actionClaimSecrets
	_, err := h.actOnPerson(c, func(ctx context.Context, tx directory.Store, actor directory.Actor, a *directory.Account) error {
		out = actionClaimSecrets{ID: a.ID, Status: directory.StatusOf(*a),
			ClaimLink: h.inviter.ClaimLink(*a), AccessCode: h.inviter.AccessCode(*a)}
		if out.ClaimLink != "" {
			out.ClaimLinkExpiresAt = a.InviteExpiresAt
		}
		if out.AccessCode != "" {
			out.AccessCodeExpiresAt = a.AccessCodeExpiresAt
		}
		if out.ClaimLink == "" && out.AccessCode == "" {
			return noClaimSecret(*a)
		}
		e := directory.AuditEvent{OrgID: a.OrgID, Action: "claim_secret.read", TargetType: "user", TargetID: a.ID,
			BeforeVersion: a.Version, AfterVersion: a.Version}
		// Which secrets were shown, never the secrets.
		return directory.Record(ctx, tx, actor, e, map[string]any{"link": out.ClaimLink != "", "access_code": out.AccessCode != ""})
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// noClaimSecret says why a person has no way to claim and what gives
// them one.
func noClaimSecret(a directory.Account) *problem {
	switch {
	case a.State == directory.StateClaimed:
		return claimedConflict("has no claim link or access code any more; they sign in as usual")
	case !a.Active:
		return deactivatedConflict("give them a claim link or access code")
	case a.State == directory.StateNotInvited:
		return newProblem(http.StatusConflict, "no_claim_secret",
			"this person is not invited yet; invite them (POST /people/{id}/invite) or issue an access code (POST /people/{id}/access-code)")
	case a.PrimaryEmail() == "":
		return newProblem(http.StatusConflict, "no_claim_secret",
			"this person's access code expired or was cancelled; issue a new one (POST /people/{id}/access-code)")
	}
	return newProblem(http.StatusConflict, "no_claim_secret",
		"this person's claim link expired; POST /people/{id}/remind sends a fresh one, or issue an access code (POST /people/{id}/access-code)")
}
