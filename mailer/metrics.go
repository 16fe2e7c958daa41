package mailer

import "github.com/prometheus/client_golang/prometheus"

// Outcomes of posting a message, as Metrics count them.
const (
	OutcomeSent   = "sent"   // the SMTP server accepted it
	OutcomeFailed = "failed" // it was not sent (a retry, if any, counts again)
	OutcomeOutbox = "outbox" // kept in the outbox: no SMTP server is configured
)

// Metrics count the emails Latchkey sends, by kind and outcome. Register
// them on the server's registry (there are no global metrics); whatever
// hands messages to SMTP or the outbox calls Count (claim.CountPosts).
type Metrics struct {
	emails *prometheus.CounterVec
}

// NewMetrics registers the email metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{emails: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "latchkey_emails_total",
		Help: "Emails by kind (invitation, reminder, export_ready, other) and outcome (sent, failed, outbox). Test emails from the template editor count under their template's kind.",
	}, []string{"kind", "outcome"})}
	reg.MustRegister(m.emails)
	return m
}

// Count records one message of kind with its outcome. A nil Metrics
// counts nothing.
func (m *Metrics) Count(kind Kind, outcome string) {
	if m == nil {
		return
	}
	m.emails.WithLabelValues(kindLabel(kind), outcome).Inc()
}

// kindLabel keeps the label to the known kinds.
func kindLabel(kind Kind) string {
	for _, k := range Kinds() {
		if k == kind {
			return string(k)
		}
	}
	return "other"
}
