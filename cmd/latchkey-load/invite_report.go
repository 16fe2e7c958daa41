package main

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// drainRate is emails per second from the first email to the last.
func (r *inviteReport) drainRate() float64 {
	d := r.Sink.Last.Sub(r.Sink.First).Seconds()
	if r.Sink.Total < 2 || d <= 0 {
		return 0
	}
	return float64(r.Sink.Total-1) / d
}

// secondRates are the per-second email counts without the first and last
// seconds, which are partial.
func (r *inviteReport) secondRates() []int {
	s := r.PerSecond
	if len(s) > 2 {
		s = s[1 : len(s)-1]
	}
	out := slices.Clone(s)
	sort.Ints(out)
	return out
}

func pctInt(sorted []int, p float64) int {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(n)))
	return sorted[min(max(rank, 1), n)-1]
}

// drainSamples are the samples taken between the first and the last email.
func (r *inviteReport) drainSamples() []inviteSample {
	if r.Sink.Total == 0 {
		return nil
	}
	from, to := r.Sink.First.Sub(r.RuleAdded), r.Sink.Last.Sub(r.RuleAdded)
	var out []inviteSample
	for _, s := range r.Samples {
		if s.At >= from && s.At <= to+time.Second && s.RSS > 0 {
			out = append(out, s)
		}
	}
	return out
}

// rssTenths is the median VmRSS of the first and the last tenth of the
// drain, and the highest sample of all.
func (r *inviteReport) rssTenths() (first, last, peak int64) {
	ds := r.drainSamples()
	for _, s := range r.Samples {
		peak = max(peak, s.RSS)
	}
	if len(ds) == 0 {
		return 0, 0, peak
	}
	k := max(1, len(ds)/10)
	med := func(ss []inviteSample) int64 {
		v := make([]int64, len(ss))
		for i, s := range ss {
			v[i] = s.RSS
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	return med(ds[:k]), med(ds[len(ds)-k:]), peak
}

// memoryFlat: the last tenth of the drain holds no more than 20 % more
// than the first tenth (growth proportional to the backlog would show
// as much more), and the high-water mark stays under 200 MB.
func (r *inviteReport) memoryFlat() bool {
	first, last, _ := r.rssTenths()
	return first > 0 && float64(last) <= 1.2*float64(first) && r.HWM > 0 && r.HWM < memoryTarget
}

func (r *inviteReport) exact() bool {
	return r.Sink.Total == r.Users && r.Sink.Distinct == r.Users && r.Sink.Duplicates == 0
}

func fmtDur(d time.Duration) string {
	if d >= time.Minute {
		return d.Round(time.Second).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

func perSec(n int64, d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return thousands(int64(math.Round(float64(n) / d.Seconds())))
}

func (r *inviteReport) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s, %s accounts\n\n", r.Backend, thousands(int64(r.Users)))
	f := r.Facts
	fmt.Fprintf(&b, "- Machine: %d CPUs, %s memory; %s; %s; %s\n", f.CPUs, f.Memory, f.Database, f.Go, f.Latchkey)
	fmt.Fprintf(&b, "- Started %s; load average when the rule was added %s, at the end %s\n", f.Started.Format(time.RFC3339), f.LoadBefore, f.LoadAfter)
	fmt.Fprintf(&b, "- Server: %s (and defaults otherwise: 3d,5d reminders, so each invitation also schedules 2 reminder jobs)\n", strings.Join(r.Settings, ", "))
	if s := r.Seed; s != nil {
		fmt.Fprintf(&b, "- Seed: %s accounts in %s (%s/s, %s mode)", thousands(int64(s.Users)), s.Elapsed.Round(time.Second), thousands(int64(s.rate())), s.Mode)
		if s.Vacuum > 0 {
			fmt.Fprintf(&b, "; VACUUM ANALYZE %s", s.Vacuum.Round(time.Second))
		}
		b.WriteString("\n")
	}
	if r.Err != nil {
		fmt.Fprintf(&b, "- **The run did not finish**: %v\n", r.Err)
	}
	b.WriteString("\n")

	rate := r.drainRate()
	rates := r.secondRates()
	first, last, peak := r.rssTenths()
	drain := r.Sink.Last.Sub(r.Sink.First)
	b.WriteString("| target | measured | result |\n|---|---|---|\n")
	fmt.Fprintf(&b, "| backlog drains at ≥ 500 emails/s | %s emails/s from the first email to the last (%s emails in %s); per second p50 %s/s | %s |\n",
		thousands(int64(math.Round(rate))), thousands(int64(r.Sink.Total)), fmtDur(drain), thousands(int64(pctInt(rates, 50))),
		verdict(rate >= inviteDrainTarget && r.exact()))
	fmt.Fprintf(&b, "| memory stays flat | VmRSS %s before the rule; median %s in the first tenth of the drain, %s in the last; highest sample %s; VmHWM %s | %s |\n",
		mb(r.RSSBefore), mb(first), mb(last), mb(peak), mb(r.HWM), verdict(r.memoryFlat()))
	fmt.Fprintf(&b, "| every account gets exactly one email | %s messages, %s distinct recipients, %s duplicates (%s rows in deliveries) | %s |\n\n",
		thousands(int64(r.Sink.Total)), thousands(int64(r.Sink.Distinct)), thousands(int64(r.Sink.Duplicates)), thousands(r.Deliveries), verdict(r.exact()))

	b.WriteString("| measure | value |\n|---|---|\n")
	if r.BackfillDone > 0 {
		fmt.Fprintf(&b, "| back-fill: all %s accounts invited | %s after the rule (%s accounts/s; polled every second) |\n",
			thousands(int64(r.Users)), fmtDur(r.BackfillDone), perSec(int64(r.Users), r.BackfillDone))
	} else {
		b.WriteString("| back-fill | not finished |\n")
	}
	if r.Sink.Total > 0 {
		fmt.Fprintf(&b, "| first / last email | %s / %s after the rule (%s emails/s over the whole run) |\n",
			fmtDur(r.Sink.First.Sub(r.RuleAdded)), fmtDur(r.Sink.Last.Sub(r.RuleAdded)), perSec(int64(r.Sink.Total), r.Sink.Last.Sub(r.RuleAdded)))
	}
	fmt.Fprintf(&b, "| emails per second (whole seconds of the drain) | min %s, p10 %s, p50 %s, p90 %s, max %s |\n",
		thousands(int64(pctInt(rates, 0))), thousands(int64(pctInt(rates, 10))), thousands(int64(pctInt(rates, 50))),
		thousands(int64(pctInt(rates, 90))), thousands(int64(pctInt(rates, 100))))
	fmt.Fprintf(&b, "| SMTP | %s connections opened; %.1f KB a message |\n", thousands(int64(r.Sink.Connections)), float64(r.Sink.Bytes)/1000/math.Max(1, float64(r.Sink.Total)))
	if n := int64(r.Sink.Total); n > 0 && r.Elapsed > 0 {
		ms := func(d time.Duration) string {
			return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)/float64(n))
		}
		pg := "-"
		if r.CPU.Postgres > 0 {
			pg = fmt.Sprintf("%s s (%s ms/email)", fmtSeconds(r.CPU.Postgres), ms(r.CPU.Postgres))
		}
		total := r.CPU.Server + r.CPU.Postgres + r.CPU.Client
		fmt.Fprintf(&b, "| CPU from the rule to the end (%s) | server %s s (%s ms/email), PostgreSQL %s, this tool (SMTP sink, watcher) %s s (%s ms/email); %.2f of %d cores on average |\n",
			fmtDur(r.Elapsed), fmtSeconds(r.CPU.Server), ms(r.CPU.Server), pg, fmtSeconds(r.CPU.Client), ms(r.CPU.Client),
			total.Seconds()/r.Elapsed.Seconds(), r.Facts.CPUs)
	}
	if len(r.Jobs) > 0 {
		keys := make([]string, 0, len(r.Jobs))
		for k := range r.Jobs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s %s", k, thousands(r.Jobs[k]))
		}
		fmt.Fprintf(&b, "| River jobs at the end | %s |\n", strings.Join(parts, "; "))
	}
	if r.RawInsert > 0 {
		fmt.Fprintf(&b, "| raw single-row INSERT, same database afterwards | %s/s (%s); emails/s ÷ it = %.3f |\n",
			thousands(int64(r.RawInsert)), r.RawInsertHow, rate/r.RawInsert)
	}
	fmt.Fprintf(&b, "| server log | %d warnings, %d errors |\n\n", r.Problems.Warns, r.Problems.Errors)
	for _, line := range r.Problems.First {
		fmt.Fprintf(&b, "    %s\n", line)
	}
	if len(r.Problems.First) > 0 {
		b.WriteString("\n")
	}
	r.timeline(&b)
	return b.String()
}

func fmtSeconds(d time.Duration) string { return fmt.Sprintf("%.1f", d.Seconds()) }

// timeline prints about 20 rows of the samples: progress, backlog (invited
// but not yet emailed), rate since the previous row, and the server's RSS.
func (r *inviteReport) timeline(b *strings.Builder) {
	if len(r.Samples) == 0 {
		return
	}
	step := max(1, len(r.Samples)/20)
	b.WriteString("| t | invited | emails | backlog | emails/s since the previous row | VmRSS |\n|--:|--:|--:|--:|--:|--:|\n")
	var prev inviteSample
	lastInvited := int64(-1)
	for i := 0; i < len(r.Samples); i += step {
		s := r.Samples[i]
		if i+step >= len(r.Samples) {
			s = r.Samples[len(r.Samples)-1]
		}
		invited := s.Invited
		if invited < 0 && r.BackfillDone > 0 && s.At >= r.BackfillDone {
			invited = int64(r.Users)
		}
		inv, backlog := "?", "?"
		if invited >= 0 {
			lastInvited = invited
			inv, backlog = thousands(invited), thousands(invited-int64(s.Emails))
		} else if lastInvited >= 0 {
			inv = "≥ " + thousands(lastInvited)
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s |\n", fmtDur(s.At), inv, thousands(int64(s.Emails)), backlog,
			perSec(int64(s.Emails-prev.Emails), s.At-prev.At), mb(s.RSS))
		prev = s
		if i+step >= len(r.Samples) {
			break
		}
	}
	b.WriteString("\n")
}
