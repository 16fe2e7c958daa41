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

// progress draws a bar on stderr for long phases (seeding, walks). On a
// terminal it redraws one line; into a file (a nohup run) it writes a
// plain line every 15 s so the log stays readable.
type progress struct {
	w     io.Writer
	label string
	total atomic.Int64 // 0: unknown; a walk learns it from its first page
	done  atomic.Int64
	start time.Time
	tty   bool
	stop  chan struct{}
	wg    sync.WaitGroup
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
	p := &progress{w: w, label: label, start: time.Now(), tty: isTerminal(w), stop: make(chan struct{})}
	p.total.Store(total)
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
	return p
}

func (p *progress) add(n int64) { p.done.Add(n) }

// finish draws the final state and ends the line.
func (p *progress) finish() {
	close(p.stop)
	p.wg.Wait()
	p.draw(true)
}

func (p *progress) draw(final bool) {
	fmt.Fprint(p.w, renderProgress(p.label, p.done.Load(), p.total.Load(), time.Since(p.start), p.tty, final))
}

// renderProgress is the pure part of drawing, kept apart for tests.
func renderProgress(label string, done, total int64, elapsed time.Duration, tty, final bool) string {
	rate := 0.0
	if elapsed > 0 {
		rate = float64(done) / elapsed.Seconds()
	}
	var b strings.Builder
	if tty {
		b.WriteString("\r\033[K")
	}
	b.WriteString(label + " ")
	if total > 0 {
		const width = 30
		filled := int(min(done, total) * width / total)
		b.WriteString("[" + strings.Repeat("=", filled) + strings.Repeat(" ", width-filled) + "] ")
		fmt.Fprintf(&b, "%5.1f%% %s/%s", 100*float64(done)/float64(total), thousands(done), thousands(total))
	} else {
		b.WriteString(thousands(done))
	}
	fmt.Fprintf(&b, " %s/s %s", thousands(int64(rate)), elapsed.Round(time.Second))
	if total > 0 && rate > 0 && done < total && !final {
		eta := time.Duration(float64(total-done) / rate * float64(time.Second))
		fmt.Fprintf(&b, " ETA %s", eta.Round(time.Second))
	}
	if final || !tty {
		b.WriteByte('\n')
	}
	return b.String()
}
