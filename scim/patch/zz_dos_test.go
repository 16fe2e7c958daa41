package patch

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestZZDoS(t *testing.T) {
	var b strings.Builder
	b.WriteString(`[{"op":"add","path":"emails","value":[`)
	for i := 0; i < 1000; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"value":"e%d@x","type":"t%d"}`, i, i)
	}
	b.WriteString(`]}`)
	for b.Len() < 1<<20 {
		fmt.Fprintf(&b, `,{"op":"replace","path":"emails[type ne \"zz\"].display","value":"d%d"}`, b.Len())
	}
	b.WriteString(`]`)
	ops, err := ParseRequest(requestBody(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, _, err = Apply(nil, ops, userResource, Options{})
	t.Logf("%d ops: %v err=%v", len(ops), time.Since(start), err)

	// path-less object with many keys
	b.Reset()
	b.WriteString(`[{"op":"add","path":"emails","value":[`)
	for i := 0; i < 1000; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"value":"e%d@x","type":"t%d"}`, i, i)
	}
	b.WriteString(`]},{"op":"replace","value":{`)
	for i := 0; b.Len() < 1<<20; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"emails[type eq \"t%d\"].display":"x"`, i%1000+i)
	}
	b.WriteString(`}}]`)
	ops, err = ParseRequest(requestBody(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	_, _, err = Apply(nil, ops, userResource, Options{})
	t.Logf("pathless: %v err=%v", time.Since(start), err)

	// remove by value with many selectors
	b.Reset()
	b.WriteString(`[{"op":"add","path":"emails","value":[`)
	for i := 0; i < 1000; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"value":"e%d@x","type":"t%d"}`, i, i)
	}
	b.WriteString(`]}`)
	for b.Len() < 1<<20 {
		b.WriteString(`,{"op":"remove","path":"emails","value":[`)
		for i := 0; i < 1000; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"value":"q%d","type":"t"}`, i)
		}
		b.WriteString(`]}`)
	}
	b.WriteString(`]`)
	ops, err = ParseRequest(requestBody(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	_, _, err = Apply(nil, ops, userResource, Options{})
	t.Logf("remove-by-value %d ops: %v err=%v", len(ops), time.Since(start), err)
}
