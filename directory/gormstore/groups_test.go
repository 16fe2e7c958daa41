package gormstore

import "testing"

// TestChunksStayUnderParameterLimits: the widest batch (group_members,
// 5 columns) must stay below SQLite's 32,766 and PostgreSQL's 65,535
// bound parameters.
func TestChunksStayUnderParameterLimits(t *testing.T) {
	if chunkSize*5 >= 32766 {
		t.Fatalf("chunkSize %d binds %d parameters per statement", chunkSize, chunkSize*5)
	}
	items := make([]int, 2*chunkSize+1)
	got := chunks(items)
	if len(got) != 3 || len(got[0]) != chunkSize || len(got[2]) != 1 {
		t.Fatalf("chunks of %d items = %d batches", len(items), len(got))
	}
	if len(chunks([]int{})) != 1 {
		t.Fatal("chunks of nothing should be one empty batch")
	}
}
