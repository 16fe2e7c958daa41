package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// procMem is a process's memory from /proc/<pid>/status: resident set
// now (VmRSS) and its high-water mark since start (VmHWM), in bytes.
// VmHWM is what "stays under 200 MB throughout" means: the kernel's own
// peak, which no sampling interval can miss.
type procMem struct{ RSS, HWM int64 }

func parseProcStatus(r io.Reader) (procMem, error) {
	var m procMem
	found := 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return m, fmt.Errorf("unexpected %s line %q", key, sc.Text())
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return m, fmt.Errorf("%s: %w", key, err)
		}
		if key == "VmRSS" {
			m.RSS = kb * 1024
		} else {
			m.HWM = kb * 1024
		}
		found++
	}
	if err := sc.Err(); err != nil {
		return m, err
	}
	if found != 2 {
		return m, fmt.Errorf("VmRSS or VmHWM missing")
	}
	return m, nil
}

func readProcMem(pid int) (procMem, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procMem{}, err
	}
	defer f.Close()
	return parseProcStatus(f)
}

// memSampler reads a process's RSS a few times a second while it runs,
// keeping the peak of the current phase and the last good reading.
type memSampler struct {
	pid       int
	phasePeak atomic.Int64
	last      atomic.Int64 // last HWM read, for after the process is gone
	stop      chan struct{}
	wg        sync.WaitGroup
}

func startMemSampler(pid int, every time.Duration) *memSampler {
	s := &memSampler{pid: pid, stop: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *memSampler) sample() {
	m, err := readProcMem(s.pid)
	if err != nil {
		return // the process is exiting; keep what we have
	}
	s.last.Store(m.HWM)
	for {
		old := s.phasePeak.Load()
		if m.RSS <= old || s.phasePeak.CompareAndSwap(old, m.RSS) {
			return
		}
	}
}

// nextPhase returns the peak RSS seen since the previous call.
func (s *memSampler) nextPhase() int64 {
	s.sample()
	return s.phasePeak.Swap(0)
}

// close stops sampling and returns the high-water mark.
func (s *memSampler) close() int64 {
	s.sample()
	close(s.stop)
	s.wg.Wait()
	return s.last.Load()
}

func mib(b int64) string { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) + " MiB" }
