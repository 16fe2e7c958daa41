package claim_test

import (
	"context"
	"errors"
	"net/mail"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/mailer"
)

// gather reads a metric family as "label values joined by spaces" -> value.
func gather(t *testing.T, reg *prometheus.Registry, name string, labels ...string) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			byName := map[string]string{}
			for _, l := range m.GetLabel() {
				byName[l.GetName()] = l.GetValue()
			}
			key := ""
			for i, l := range labels {
				if i > 0 {
					key += " "
				}
				key += byName[l]
			}
			out[key] = m.GetCounter().GetValue()
		}
	}
	return out
}

// TestSignInFailuresCounted: the Guard counts every failure once, by the
// area its keys name and why, and every refusal while locked out.
func TestSignInFailuresCounted(t *testing.T) {
	eachBackend(t, envOptions{noWorkers: true}, func(t *testing.T, e *env) {
		reg := prometheus.NewRegistry()
		guard := claim.NewGuard(e.store, claim.GuardOptions{FreeFailures: 1, BaseDelay: time.Hour, Metrics: claim.NewMetrics(reg)})
		ctx := t.Context()
		lin := e.user("E-7", "", "Warehouse", nil)
		code := e.inviter.AccessCode(lin)

		if _, err := e.inviter.RedeemCode(ctx, e.store, guard, "192.0.2.1", "AAAA-BBBB-CCCC-DDDD"); !errors.Is(err, claim.ErrUnknown) {
			t.Fatalf("wrong code: %v", err)
		}
		if _, err := e.inviter.RedeemCode(ctx, e.store, guard, "192.0.2.1", code); err == nil {
			t.Fatal("the right code from a locked-out source worked")
		}
		for _, keys := range [][]string{{"signin:source:192.0.2.2", "signin:login:x"}, {"console:source:192.0.2.3"}} {
			if err := guard.Fail(ctx, keys...); err != nil {
				t.Fatal(err)
			}
			if err := guard.Fail(ctx, keys...); err != nil {
				t.Fatal(err)
			}
			if err := guard.Check(ctx, keys...); err == nil {
				t.Fatalf("%v not locked out after two failures", keys)
			}
		}

		want := map[string]float64{
			"access_code unknown_code": 1, "access_code locked_out": 1,
			"signin wrong_password": 2, "signin locked_out": 1,
			"console wrong_password": 2, "console locked_out": 1,
		}
		got := gather(t, reg, "latchkey_signin_failures_total", "area", "reason")
		if len(got) != len(want) {
			t.Errorf("series %v, want %v", got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("latchkey_signin_failures_total{%s} = %v, want %v", k, got[k], v)
			}
		}
	})
}

func TestClaimedLabels(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := claim.NewMetrics(reg)
	for _, method := range []claim.Method{claim.MethodLink, claim.MethodSSO, claim.MethodCode, claim.MethodCode} {
		m.Claimed(method)
	}
	var none *claim.Metrics
	none.Claimed(claim.MethodLink) // nil counts nothing, and does not panic
	got := gather(t, reg, "latchkey_claims_total", "method")
	if len(got) != 3 || got["link"] != 1 || got["sso"] != 1 || got["access_code"] != 2 {
		t.Fatalf("latchkey_claims_total = %v", got)
	}
}

type postmanFunc func(ctx context.Context, orgID string, m mailer.Message) error

func (f postmanFunc) Post(ctx context.Context, orgID string, m mailer.Message) error {
	return f(ctx, orgID, m)
}

// TestCountPosts: every posted message is counted by its template's kind
// and outcome, whichever postman carries it.
func TestCountPosts(t *testing.T) {
	eachBackend(t, envOptions{noWorkers: true}, func(t *testing.T, e *env) {
		reg := prometheus.NewRegistry()
		metrics := mailer.NewMetrics(reg)
		compiled, err := mailer.Compile(mailer.KindReminder, mailer.Template{})
		if err != nil {
			t.Fatal(err)
		}
		msg, err := compiled.Render(mailer.Data{OrgName: "Acme", Name: "Ann", Email: "ann@acme.test",
			Link: "https://latchkey.test/claim/x", ExpiresAt: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		msg.To = mail.Address{Address: "ann@acme.test"}
		tests := []struct {
			name    string
			postman claim.Postman
			msg     mailer.Message
		}{
			{"sent", postmanFunc(func(context.Context, string, mailer.Message) error { return nil }), msg},
			{"failed", postmanFunc(func(context.Context, string, mailer.Message) error { return errors.New("421 try later") }), msg},
			{"outbox", claim.OutboxPostman{Store: e.store}, msg},
			{"unknown kind", postmanFunc(func(context.Context, string, mailer.Message) error { return nil }), mailer.Message{}},
		}
		for _, tt := range tests {
			_ = claim.CountPosts(tt.postman, metrics).Post(t.Context(), e.org.ID, tt.msg)
		}
		want := map[string]float64{"reminder sent": 1, "reminder failed": 1, "reminder outbox": 1, "other sent": 1}
		got := gather(t, reg, "latchkey_emails_total", "kind", "outcome")
		if len(got) != len(want) {
			t.Errorf("series %v, want %v", got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("latchkey_emails_total{%s} = %v, want %v", k, got[k], v)
			}
		}
	})
}
