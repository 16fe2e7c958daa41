package claim

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics count what the delivery worker does. Register them on the
// server's registry (there are no global metrics).
type Metrics struct {
	deliveries *prometheus.CounterVec
}

// NewMetrics registers the claim metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "latchkey_invitation_deliveries_total",
		Help: "Invitation and reminder messages by outcome: sent, retry (a temporary failure, tried again), failed (permanent, recorded on the account), skipped (superseded, claimed, deactivated or already sent).",
	}, []string{"message", "outcome"})}
	reg.MustRegister(m.deliveries)
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
