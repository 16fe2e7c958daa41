package export

import (
	"context"
	"sync"

	"github.com/latchkeyhq/latchkey/directory"
)

// Sizes of the work, chosen so an export of any size keeps a few tens
// of megabytes in memory: a page of rows from the database (about 5 MB
// decoded; fewer, larger pages cost the database less), a part of the
// file (a row of the exports' chunks), and how many parts may wait to be
// stored. No page waits: the next one is read while one is formatted.
const (
	DefaultPageSize = 5000
	DefaultPartSize = 1 << 20
	queuedParts     = 2
)

// Job is one file to build.
type Job struct {
	Store directory.Store
	Links Links
	// Export names the file (OrgID, ID) and where it goes (Storage).
	Export directory.Export
	// Dir is the export directory, for Storage ExportInDirectory.
	Dir string
	// Filter selects the rows (nil: everyone); BOM starts the file with
	// a UTF-8 byte order mark.
	Filter directory.Filter
	BOM    bool
	// PageSize is how many rows one query reads (default
	// DefaultPageSize).
	PageSize int
	// PartSize is about how many bytes each stored part holds (default
	// DefaultPartSize); parts end at row boundaries.
	PartSize int
	// Progress, when set, is told how many rows are stored so far each
	// time a part of the file is; an error stops the build.
	Progress func(ctx context.Context, rows int64) error
}

// Result is what a finished build wrote.
type Result struct {
	Rows int64
	Size int64
}

// part is a piece of the file ending at a row boundary, and how many
// rows the file holds up to its end.
type part struct {
	data []byte
	rows int64
}

// Build writes the CSV file of j and stores it, replacing whatever an
// earlier, interrupted build left. Three stages overlap, so the database
// reads the next page and stores the last part while rows are formatted:
// reading pages, formatting them into parts, storing the parts. Memory
// stays bounded by the queues between them, whatever the row count.
// Nothing is visible as a finished file until Build returns nil (the
// database parts are only read once the export is marked succeeded; a
// directory file appears by renaming).
func Build(ctx context.Context, j Job) (Result, error) {
	if j.PageSize <= 0 {
		j.PageSize = DefaultPageSize
	}
	if j.PartSize <= 0 {
		j.PartSize = DefaultPartSize
	}
	s, err := openSink(ctx, j.Store, j.Dir, j.Export)
	if err != nil {
		return Result{}, err
	}
	g := newGroup(ctx)
	pages := make(chan []directory.ExportRow)
	parts := make(chan part, queuedParts)
	g.run(func(ctx context.Context) error { return readPages(ctx, j, pages) })
	var res Result
	g.run(func(ctx context.Context) error { return formatParts(ctx, j, pages, parts, &res) })
	g.run(func(ctx context.Context) error { return storeParts(ctx, j, s, parts) })
	if err := g.wait(); err != nil {
		s.abort()
		return Result{}, err
	}
	if err := s.commit(); err != nil {
		return Result{}, err
	}
	return res, nil
}

// readPages sends the matching rows a page at a time, in id order.
func readPages(ctx context.Context, j Job, pages chan<- []directory.ExportRow) error {
	defer close(pages)
	after := ""
	for {
		page, err := j.Store.ExportRows(ctx, j.Export.OrgID, j.Filter, after, j.PageSize)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		select {
		case pages <- page:
		case <-ctx.Done():
			return ctx.Err()
		}
		if len(page) < j.PageSize {
			return nil
		}
		after = page[len(page)-1].Account.ID
	}
}

// formatParts turns pages into parts of about j.PartSize bytes, each
// ending at a row boundary; the last one may be shorter (or hold only
// the header of an empty export).
func formatParts(ctx context.Context, j Job, pages <-chan []directory.ExportRow, parts chan<- part, res *Result) error {
	defer close(parts)
	newBuf := func() []byte { return make([]byte, 0, j.PartSize+j.PartSize/4) }
	l := line{buf: newBuf()}
	if j.BOM {
		l.buf = append(l.buf, bom...)
	}
	l.header()
	send := func() error {
		res.Size += int64(len(l.buf))
		select {
		case parts <- part{data: l.buf, rows: res.Rows}:
		case <-ctx.Done():
			return ctx.Err()
		}
		l.buf = newBuf()
		return nil
	}
	for page := range pages {
		for i := range page {
			l.row(&page[i], j.Links)
			res.Rows++
			if len(l.buf) >= j.PartSize {
				if err := send(); err != nil {
					return err
				}
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(l.buf) > 0 || res.Size == 0 {
		return send()
	}
	return nil
}

// storeParts stores each part in order and reports progress.
func storeParts(ctx context.Context, j Job, s sink, parts <-chan part) error {
	seq := 0
	for p := range parts {
		if err := s.put(ctx, seq, p.data); err != nil {
			return err
		}
		seq++
		if j.Progress != nil {
			if err := j.Progress(ctx, p.rows); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// group runs stages and keeps the first error, cancelling the others.
type group struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
	err    error
}

func newGroup(ctx context.Context) *group {
	ctx, cancel := context.WithCancel(ctx)
	return &group{ctx: ctx, cancel: cancel}
}

func (g *group) run(fn func(ctx context.Context) error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := fn(g.ctx); err != nil {
			g.once.Do(func() { g.err = err; g.cancel() })
		}
	}()
}

func (g *group) wait() error {
	g.wg.Wait()
	g.cancel()
	return g.err
}
