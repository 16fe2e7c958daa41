package main

import (
	"os"
	"strings"
	"testing"
)

const sampleStatus = `Name:	latchkey
Umask:	0022
State:	S (sleeping)
VmPeak:	 1826764 kB
VmSize:	 1826764 kB
VmHWM:	   61440 kB
VmRSS:	   51200 kB
Threads:	9
`

func TestParseProcStatus(t *testing.T) {
	m, err := parseProcStatus(strings.NewReader(sampleStatus))
	if err != nil {
		t.Fatal(err)
	}
	if m.HWM != 60<<20 || m.RSS != 50<<20 {
		t.Fatalf("parsed %+v", m)
	}
	if _, err := parseProcStatus(strings.NewReader("Name:\tx\nVmRSS:\t12 kB\n")); err == nil {
		t.Fatal("a status without VmHWM was accepted")
	}
	if _, err := parseProcStatus(strings.NewReader("VmRSS:\t12 MB\nVmHWM:\t12 kB\n")); err == nil {
		t.Fatal("an unexpected unit was accepted")
	}
	if mib(60<<20) != "60.0 MiB" {
		t.Fatalf("mib = %q", mib(60<<20))
	}
}

func TestReadOwnProcMem(t *testing.T) {
	m, err := readProcMem(os.Getpid())
	if err != nil {
		t.Skip("no /proc here:", err)
	}
	if m.RSS <= 0 || m.HWM < m.RSS {
		t.Fatalf("own memory %+v", m)
	}
}
