package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// progress draws a bar on stderr for long phases (seeding, walks, timed
// scenarios). On a terminal it redraws one line and ends it when the
// phase finishes, so the report that follows on stdout starts on a clean
// line; into a file (a nohup run) it writes a plain line every 15 s so
// the log stays readable.
type progress struct {
	w     io.Writer
	label string
	total atomic.Int64 // 0: unknown; a walk learns it from its first page
	done  atomic.Int64
	errs  atomic.Int64  // failed steps, shown when countErrs
	limit time.Duration // a phase bounded by time: the bar fills with it
	start time.Time
	tty   bool
	// countErrs shows the error count (timed phases, where an error
	// rate is what to watch).
	countErrs bool
	stop      chan struct{}
	wg        sync.WaitGroup
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// startProgress starts drawing; total 0 means unknown.
func startProgress(w io.Writer, label string, total int64) *progress {
	p := newProgress(w, label)
	p.total.Store(total)
	p.run()
	return p
}

// startTimedProgress draws a timed scenario: against its request count
// when it has one, else against its duration; with the error count.
func startTimedProgress(w io.Writer, label string, o loadOptions) *progress {
	p := newProgress(w, label)
	p.countErrs = true
	if o.requests > 0 {
		p.total.Store(o.requests)
	} else {
		p.limit = o.duration
		if p.limit <= 0 || (o.maxTime > 0 && p.limit > o.maxTime) {
			p.limit = o.maxTime
		}
	}
	p.run()
	return p
}

// startClockProgress draws the time of a phase that counts nothing
// itself (pgbench runs outside this process).
func startClockProgress(w io.Writer, label string, d time.Duration) *progress {
	p := newProgress(w, label)
	p.limit = d
	p.run()
	return p
}

func newProgress(w io.Writer, label string) *progress {
	return &progress{w: w, label: label, start: time.Now(), tty: isTerminal(w), stop: make(chan struct{})}
}

func (p *progress) run() {
	every := 15 * time.Second
	if p.tty {
		every = 250 * time.Millisecond
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.draw(false)
			}
		}
	}()
}

func (p *progress) add(n int64) { p.done.Add(n) }

// finish draws the final state and ends the line.
func (p *progress) finish() {
	close(p.stop)
	p.wg.Wait()
	p.draw(true)
}

func (p *progress) draw(final bool) {
	fmt.Fprint(p.w, progressLine{
		label: p.label, done: p.done.Load(), total: p.total.Load(), errs: p.errs.Load(), countErrs: p.countErrs,
		elapsed: time.Since(p.start), limit: p.limit, tty: p.tty, final: final,
	}.render())
}

// progressLine is one drawing of a bar, kept apart for tests.
type progressLine struct {
	label          string
	done, total    int64
	errs           int64
	countErrs      bool
	elapsed, limit time.Duration
	tty, final     bool
}

const barWidth = 30

func bar(fill float64) string {
	filled := int(min(max(fill, 0), 1) * barWidth)
	return "[" + strings.Repeat("=", filled) + strings.Repeat(" ", barWidth-filled) + "] "
}

// render draws: the bar (against the total, or the time limit), the
// count, the current rate, the time, an ETA while counting, the errors.
func (l progressLine) render() string {
	rate := 0.0
	if l.elapsed > 0 {
		rate = float64(l.done) / l.elapsed.Seconds()
	}
	var b strings.Builder
	if l.tty {
		b.WriteString("\r\033[K")
	}
	b.WriteString(l.label + " ")
	switch {
	case l.total > 0:
		b.WriteString(bar(float64(l.done) / float64(l.total)))
		fmt.Fprintf(&b, "%5.1f%% %s/%s", 100*float64(l.done)/float64(l.total), thousands(l.done), thousands(l.total))
	case l.limit > 0:
		b.WriteString(bar(l.elapsed.Seconds() / l.limit.Seconds()))
		fmt.Fprintf(&b, "%s/%s", min(l.elapsed, l.limit).Round(time.Second), l.limit)
		if l.done == 0 && !l.countErrs { // nothing counted here: the time is all there is
			break
		}
		fmt.Fprintf(&b, " %s %s/s", thousands(l.done), thousands(int64(rate)))
	default:
		fmt.Fprintf(&b, "%s %s/s %s", thousands(l.done), thousands(int64(rate)), l.elapsed.Round(time.Second))
	}
	if l.total > 0 {
		fmt.Fprintf(&b, " %s/s %s", thousands(int64(rate)), l.elapsed.Round(time.Second))
	}
	if l.total > 0 && rate > 0 && l.done < l.total && !l.final {
		eta := time.Duration(float64(l.total-l.done) / rate * float64(time.Second))
		fmt.Fprintf(&b, " ETA %s", eta.Round(time.Second))
	}
	if l.countErrs {
		fmt.Fprintf(&b, ", %s errors", thousands(l.errs))
	}
	if l.final || !l.tty {
		b.WriteByte('\n')
	}
	return b.String()
}
