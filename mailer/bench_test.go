package mailer

import (
	"context"
	"testing"

	"github.com/latchkeyhq/latchkey/mailer/mailtest"
)

// The invitation backlog must drain at 500 messages per second or more
// to a local server. These benchmarks send rendered invitations to the
// in-process server and report msgs/s:
//
//	go test -run '^$' -bench . -benchtime 5000x ./mailer/
func BenchmarkSend(b *testing.B) {
	for _, bc := range []struct {
		name  string
		opts  mailtest.Options
		query string
	}{
		{"plain", mailtest.Options{Discard: true}, ""},
		{"starttls", mailtest.Options{Discard: true, STARTTLS: true}, "?starttls=required"},
		{"starttls+auth", mailtest.Options{Discard: true, STARTTLS: true, Username: "app", Password: "pw"}, "?starttls=required"},
	} {
		b.Run(bc.name+"/sequential", func(b *testing.B) {
			benchSend(b, bc.opts, bc.query, false)
		})
		b.Run(bc.name+"/parallel", func(b *testing.B) {
			benchSend(b, bc.opts, bc.query, true)
		})
	}
}

func benchSend(b *testing.B, opts mailtest.Options, query string, parallel bool) {
	srv := mailtest.NewServer(b, opts)
	m := newMailer(b, srv, query)
	c, err := Compile(KindInvitation, Template{})
	if err != nil {
		b.Fatal(err)
	}
	msg, err := c.Render(sampleData()[0])
	if err != nil {
		b.Fatal(err)
	}
	msg.To.Address = "ada@example.com"
	ctx := context.Background()
	b.ResetTimer()
	if parallel {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := m.Send(ctx, msg); err != nil {
					b.Error(err)
					return
				}
			}
		})
	} else {
		for b.Loop() {
			if err := m.Send(ctx, msg); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64(srv.Connections()), "conns")
}
