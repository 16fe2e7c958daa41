package claim

import (
	"context"
	"errors"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/latchkeyhq/latchkey/mailer"
)

// Metrics count what the delivery worker does, the claims that complete
// and the sign-in failures the Guard sees. Register them on the server's
// registry (there are no global metrics). A nil *Metrics counts nothing.
type Metrics struct {
	deliveries *prometheus.CounterVec
	claims     *prometheus.CounterVec
	failures   *prometheus.CounterVec
}

// NewMetrics registers the claim metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "latchkey_invitation_deliveries_total",
			Help: "Invitation and reminder messages by outcome: sent, retry (a temporary failure, tried again), failed (permanent, recorded on the account), skipped (superseded, claimed, deactivated or already sent).",
		}, []string{"message", "outcome"}),
		claims: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "latchkey_claims_total",
			Help: "Accounts claimed, by method: link (claim link and password), sso (single sign-on), access_code.",
		}, []string{"method"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "latchkey_signin_failures_total",
			Help: "Failed sign-ins and claim attempts, by area (signin: the claim pages' sign-in; access_code: codes typed on the pages or the mobile API; console: the admin console; sso: SAML answers refused at the ACS) and reason (wrong_password, unknown_code, expired_code, used_code, deactivated, locked_out: refused while the attempt limits hold; for sso the check the SAML answer failed (signature, audience, expired, replay, in_response_to, ...) or why the person may not sign in (sso_restart: the answer reached another browser; no_account, not_invited, sso_account_mismatch)).",
		}, []string{"area", "reason"}),
	}
	reg.MustRegister(m.deliveries, m.claims, m.failures)
	return m
}

func (m *Metrics) delivery(message, outcome string) {
	if m == nil {
		return
	}
	kind := "invitation"
	switch {
	case strings.HasPrefix(message, "reminder"):
		kind = "reminder"
	case strings.HasPrefix(message, "resend"):
		kind = "resend"
	}
	m.deliveries.WithLabelValues(kind, outcome).Inc()
}

// Claimed counts a claim that completed (its transaction committed).
func (m *Metrics) Claimed(method Method) {
	if m == nil {
		return
	}
	label := string(method)
	if method == MethodCode {
		label = "access_code"
	}
	m.claims.WithLabelValues(label).Inc()
}

// Reasons a Guard counts a failure for.
const (
	reasonWrongPassword = "wrong_password"
	reasonLockedOut     = "locked_out"
)

// failure counts a failed attempt. The area comes from the attempt keys,
// whose prefixes each caller picks ("signin:", "console:"; RedeemCode's
// "source:" and "code:"), so one Guard serving several areas still tells
// them apart.
func (m *Metrics) failure(keys []string, reason string) {
	if m == nil || len(keys) == 0 {
		return
	}
	area := "access_code"
	switch prefix, _, _ := strings.Cut(keys[0], ":"); prefix {
	case "signin":
		area = "signin"
	case "console":
		area = "console"
	}
	m.failures.WithLabelValues(area, reason).Inc()
}

// SSOFailure counts a SAML answer the ACS refused, or a person it
// vouched for who may not sign in here, by reason.
func (m *Metrics) SSOFailure(reason string) {
	if m == nil {
		return
	}
	m.failures.WithLabelValues("sso", reason).Inc()
}

// codeFailure names why a typed access code did not work.
func codeFailure(err error) string {
	switch {
	case errors.Is(err, ErrExpired):
		return "expired_code"
	case errors.Is(err, ErrUsed):
		return "used_code"
	case errors.Is(err, ErrDeactivated):
		return "deactivated"
	}
	return "unknown_code"
}

// CountPosts counts every message p posts on m, by the message's kind:
// sent, failed, or kept in the outbox. Counting at the postman covers
// every email, whoever renders it (invitations, reminders, export-ready
// notices, test emails).
func CountPosts(p Postman, m *mailer.Metrics) Postman {
	if m == nil {
		return p
	}
	return countingPostman{next: p, metrics: m}
}

type countingPostman struct {
	next    Postman
	metrics *mailer.Metrics
}

// Post implements Postman.
func (p countingPostman) Post(ctx context.Context, orgID string, msg mailer.Message) error {
	err := p.next.Post(ctx, orgID, msg)
	outcome := mailer.OutcomeSent
	switch {
	case err != nil:
		outcome = mailer.OutcomeFailed
	case isOutbox(p.next):
		outcome = mailer.OutcomeOutbox
	}
	p.metrics.Count(msg.Kind, outcome)
	return err
}

func isOutbox(p Postman) bool {
	_, ok := p.(OutboxPostman)
	return ok
}
