package main

import "testing"

// Output of pgbench 15 on this machine.
const samplePgbench = `pgbench (15.20 (Debian 15.20-0+deb12u1))
transaction type: /tmp/pgb.sql
scaling factor: 1
query mode: simple
number of clients: 8
number of threads: 2
maximum number of tries: 1
duration: 3 s
number of transactions actually processed: 25810
number of failed transactions: 0 (0.000%)
latency average = 0.923 ms
initial connection time = 33.107 ms
tps = 8670.093050 (without initial connection time)
`

func TestParsePgbenchTPS(t *testing.T) {
	tps, err := parsePgbenchTPS(samplePgbench)
	if err != nil || tps != 8670.093050 {
		t.Fatalf("tps = %v, %v", tps, err)
	}
	if _, err := parsePgbenchTPS("pgbench: error: connection refused"); err == nil {
		t.Fatal("output without tps accepted")
	}
}
