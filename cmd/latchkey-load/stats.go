package main

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// summary describes a set of latencies.
type summary struct {
	Count                   int
	P50, P90, P99, Max, Min time.Duration
	Mean                    time.Duration
}

// percentile is the nearest-rank percentile of sorted (ascending): the
// smallest value at or below which p percent of the samples fall. It never
// interpolates, so a reported p99 is a latency some request really had.
func percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(n)))
	return sorted[min(max(rank, 1), n)-1]
}

// summarize sorts a copy of ds and reads its percentiles.
func summarize(ds []time.Duration) summary {
	if len(ds) == 0 {
		return summary{}
	}
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	var total time.Duration
	for _, d := range sorted {
		total += d
	}
	return summary{
		Count: len(sorted),
		P50:   percentile(sorted, 50), P90: percentile(sorted, 90), P99: percentile(sorted, 99),
		Min: sorted[0], Max: sorted[len(sorted)-1],
		Mean: total / time.Duration(len(sorted)),
	}
}

// segments splits an ordered series (a walk's pages) into n equal parts and
// summarizes the first, the middle and the last: a walk that does not grow
// quadratically has the same page latency in all three.
func segments(series []time.Duration, n int) (first, middle, last summary) {
	if len(series) == 0 || n < 1 {
		return
	}
	n = min(n, len(series))
	part := func(i int) []time.Duration {
		return series[i*len(series)/n : (i+1)*len(series)/n]
	}
	return summarize(part(0)), summarize(part(n / 2)), summarize(part(n - 1))
}

// isFlat reports whether the last part's median stays within twice the
// first part's (plus a millisecond of slack for timer noise on tiny
// numbers). OFFSET paging at a million rows is 100x slower at the end.
func isFlat(first, last summary) bool {
	return last.P50 <= 2*first.P50+time.Millisecond
}

// statusCounts counts answers by HTTP status; 0 stands for a transport
// error (no answer at all).
type statusCounts map[int]int

func (s statusCounts) add(o statusCounts) {
	for k, v := range o {
		s[k] += v
	}
}

// errors counts every answer that is not 2xx.
func (s statusCounts) errors() int {
	n := 0
	for k, v := range s {
		if k < 200 || k > 299 {
			n += v
		}
	}
	return n
}

// String lists the counts by status, e.g. "201: 5000, 409: 2".
func (s statusCounts) String() string {
	keys := make([]int, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		label := strconv.Itoa(k)
		if k == 0 {
			label = "transport"
		}
		parts = append(parts, fmt.Sprintf("%s: %d", label, s[k]))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// ms renders a duration in milliseconds with enough digits for sub-ms
// lookups.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v < 10:
		return strconv.FormatFloat(v, 'f', 2, 64) + " ms"
	case v < 1000:
		return strconv.FormatFloat(v, 'f', 1, 64) + " ms"
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + " ms"
}

// thousands renders n with comma separators, as the docs write numbers.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
