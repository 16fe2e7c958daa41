package claim

import (
	"sync"

	"github.com/latchkeyhq/latchkey/mailer"
)

// compiledTemplates keeps compiled message templates by their source, so
// the delivery worker parses a template once rather than for every
// email (parsing was a twentieth of the server's CPU while draining an
// invitation backlog). Keyed by content, an organization that edits its
// template gets the new one at once; the cache is bounded by starting
// over when full.
var compiledTemplates = struct {
	sync.Mutex
	m map[templateKey]*mailer.Compiled
}{m: map[templateKey]*mailer.Compiled{}}

const maxCompiledTemplates = 256

type templateKey struct {
	kind mailer.Kind
	tpl  mailer.Template
}

// compileTemplate is mailer.Compile, cached. A Compiled renders safely
// from several goroutines.
func compileTemplate(kind mailer.Kind, tpl mailer.Template) (*mailer.Compiled, error) {
	key := templateKey{kind: kind, tpl: tpl}
	compiledTemplates.Lock()
	c := compiledTemplates.m[key]
	compiledTemplates.Unlock()
	if c != nil {
		return c, nil
	}
	c, err := mailer.Compile(kind, tpl)
	if err != nil {
		return nil, err
	}
	compiledTemplates.Lock()
	if len(compiledTemplates.m) >= maxCompiledTemplates {
		clear(compiledTemplates.m)
	}
	compiledTemplates.m[key] = c
	compiledTemplates.Unlock()
	return c, nil
}
