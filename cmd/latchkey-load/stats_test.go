package main

import (
	"testing"
	"time"
)

func msDurations(vals ...int) []time.Duration {
	out := make([]time.Duration, len(vals))
	for i, v := range vals {
		out[i] = time.Duration(v) * time.Millisecond
	}
	return out
}

func TestPercentileNearestRank(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	for _, c := range []struct {
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{nil, 50, 0},
		{msDurations(7), 99, 7 * time.Millisecond},
		{msDurations(1, 2), 50, 1 * time.Millisecond},
		{msDurations(1, 2), 51, 2 * time.Millisecond},
		{hundred, 50, 50 * time.Millisecond},
		{hundred, 90, 90 * time.Millisecond},
		{hundred, 99, 99 * time.Millisecond},
		{hundred, 100, 100 * time.Millisecond},
		{hundred, 0, 1 * time.Millisecond},
	} {
		if got := percentile(c.sorted, c.p); got != c.want {
			t.Errorf("percentile(n=%d, %v) = %v; want %v", len(c.sorted), c.p, got, c.want)
		}
	}
}

func TestSummarizeDoesNotReorderInput(t *testing.T) {
	in := msDurations(5, 1, 9, 3)
	s := summarize(in)
	if s.Count != 4 || s.Min != time.Millisecond || s.Max != 9*time.Millisecond || s.P50 != 3*time.Millisecond {
		t.Fatalf("summarize = %+v", s)
	}
	if s.Mean != 4500*time.Microsecond {
		t.Fatalf("mean = %v; want 4.5ms", s.Mean)
	}
	if in[0] != 5*time.Millisecond {
		t.Fatal("summarize sorted its input in place")
	}
}

func TestSegmentsAndFlatness(t *testing.T) {
	flat := msDurations(10, 11, 10, 12, 10, 11, 10, 12, 11, 10)
	first, middle, last := segments(flat, 5)
	if first.Count != 2 || middle.Count != 2 || last.Count != 2 {
		t.Fatalf("segment sizes %d/%d/%d", first.Count, middle.Count, last.Count)
	}
	if !isFlat(first, last) {
		t.Fatal("a flat series was judged growing")
	}
	growing := msDurations(1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
	first, _, last = segments(growing, 5)
	if isFlat(first, last) {
		t.Fatal("a growing series was judged flat")
	}
	if f, m, l := segments(msDurations(3), 10); f.Count != 1 || m.Count != 1 || l.Count != 1 {
		t.Fatal("a one-page walk must still have three segments")
	}
}

func TestStatusCounts(t *testing.T) {
	s := statusCounts{201: 10, 409: 2}
	s.add(statusCounts{0: 1, 201: 5})
	if s.errors() != 3 {
		t.Fatalf("errors = %d; want 3", s.errors())
	}
	if got := s.String(); got != "transport: 1, 201: 15, 409: 2" {
		t.Fatalf("String = %q", got)
	}
}

func TestFormatting(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1000: "-1,000"} {
		if got := thousands(in); got != want {
			t.Errorf("thousands(%d) = %q; want %q", in, got, want)
		}
	}
	if got := ms(1500 * time.Microsecond); got != "1.50 ms" {
		t.Errorf("ms = %q", got)
	}
	if got := ms(1234 * time.Millisecond); got != "1234 ms" {
		t.Errorf("ms = %q", got)
	}
}
