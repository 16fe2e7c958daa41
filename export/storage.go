package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/latchkeyhq/latchkey/directory"
)

// ErrGone is a file that is not there any more (expired and cleaned up,
// or deleted by hand from the export directory).
var ErrGone = errors.New("export: the file is gone")

// sink is where Build stores the parts of a file, in order.
type sink interface {
	put(ctx context.Context, seq int, data []byte) error
	// commit makes the file whole and visible; abort drops what was put.
	commit() error
	abort()
}

func openSink(ctx context.Context, store directory.Store, dir string, e directory.Export) (sink, error) {
	switch e.Storage {
	case directory.ExportInDatabase:
		// A retried build starts the file over: parts of a longer
		// earlier attempt must not trail this one's.
		if err := store.DeleteExportChunks(ctx, e.OrgID, e.ID); err != nil {
			return nil, err
		}
		return &databaseSink{store: store, orgID: e.OrgID, exportID: e.ID}, nil
	case directory.ExportInDirectory:
		return newFileSink(dir, e)
	}
	return nil, fmt.Errorf("export: unknown storage %q", e.Storage)
}

// databaseSink keeps the parts as rows of export_chunks.
type databaseSink struct {
	store           directory.Store
	orgID, exportID string
}

func (s *databaseSink) put(ctx context.Context, seq int, data []byte) error {
	return s.store.PutExportChunk(ctx, s.orgID, s.exportID, seq, data)
}

func (s *databaseSink) commit() error { return nil }

// abort leaves the parts: the caller deletes them (Remove) once it has
// recorded the failure, so a cancelled context cannot stop that.
func (s *databaseSink) abort() {}

// fileSink writes the file under a temporary name and renames it when
// complete, so readers never see half a file, and a retried build
// truncates the temporary file an interrupted one left.
type fileSink struct {
	f          *os.File
	tmp, final string
}

func newFileSink(dir string, e directory.Export) (*fileSink, error) {
	final, err := filePath(dir, e)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o700); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	tmp := final + ".partial"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return &fileSink{f: f, tmp: tmp, final: final}, nil
}

func (s *fileSink) put(_ context.Context, _ int, data []byte) error {
	if _, err := s.f.Write(data); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

func (s *fileSink) commit() error {
	err := s.f.Sync()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(s.tmp, s.final)
	}
	if err != nil {
		_ = os.Remove(s.tmp)
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

func (s *fileSink) abort() {
	_ = s.f.Close()
	_ = os.Remove(s.tmp)
}

// filePath is where an export's file lives in dir: one folder per
// organization, the export's id as the name. Ids come from the store;
// one that could leave the folder is refused all the same.
func filePath(dir string, e directory.Export) (string, error) {
	if dir == "" {
		return "", errors.New("export: the export is kept in a directory, but no export directory is configured")
	}
	for _, id := range []string{e.OrgID, e.ID} {
		if id == "" || strings.ContainsAny(id, `/\`) || strings.HasPrefix(id, ".") {
			return "", fmt.Errorf("export: unusable id %q", id)
		}
	}
	return filepath.Join(dir, e.OrgID, e.ID+".csv"), nil
}

// Open reads a finished export's file from where Build stored it. Reading
// from the database holds one part in memory at a time.
func Open(ctx context.Context, store directory.Store, dir string, e directory.Export) (io.ReadCloser, error) {
	if e.Storage == directory.ExportInDirectory {
		path, err := filePath(dir, e)
		if err != nil {
			return nil, err
		}
		f, err := os.Open(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, ErrGone
		}
		return f, err
	}
	first, err := store.ExportChunk(ctx, e.OrgID, e.ID, 0)
	if errors.Is(err, directory.ErrNotFound) {
		return nil, ErrGone
	}
	if err != nil {
		return nil, err
	}
	return &chunkReader{ctx: ctx, store: store, e: e, buf: first}, nil
}

// chunkReader reads the parts of a file kept in the database in order.
type chunkReader struct {
	ctx   context.Context
	store directory.Store
	e     directory.Export
	seq   int
	buf   []byte
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		r.seq++
		next, err := r.store.ExportChunk(r.ctx, r.e.OrgID, r.e.ID, r.seq)
		if errors.Is(err, directory.ErrNotFound) {
			return 0, io.EOF
		}
		if err != nil {
			return 0, err
		}
		r.buf = next
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// WriteTo hands each part to w whole (io.Copy prefers it): no copy
// through a small buffer.
func (r *chunkReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		if len(r.buf) > 0 {
			n, err := w.Write(r.buf)
			total += int64(n)
			r.buf = r.buf[n:]
			if err != nil {
				return total, err
			}
		}
		r.seq++
		next, err := r.store.ExportChunk(r.ctx, r.e.OrgID, r.e.ID, r.seq)
		if errors.Is(err, directory.ErrNotFound) {
			return total, nil
		}
		if err != nil {
			return total, err
		}
		r.buf = next
	}
}

func (r *chunkReader) Close() error { r.buf = nil; return nil }

// Remove deletes an export's file wherever it is kept; a file already
// gone is no error.
func Remove(ctx context.Context, store directory.Store, dir string, e directory.Export) error {
	if e.Storage != directory.ExportInDirectory {
		return store.DeleteExportChunks(ctx, e.OrgID, e.ID)
	}
	path, err := filePath(dir, e)
	if err != nil {
		return err
	}
	for _, p := range []string{path, path + ".partial"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("export: %w", err)
		}
	}
	return nil
}
