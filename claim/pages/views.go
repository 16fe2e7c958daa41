package pages

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets/style.css
var styleCSS []byte

// stylePath is where the stylesheet is served; its URL carries a hash of
// the content so browsers may cache it for good.
const stylePath = "/claim/assets/style.css"

// views are the parsed templates: each page is the base layout, the
// shared partials and its own file, parsed together once at start.
type views struct {
	pages    map[string]*template.Template
	styleURL string
}

func loadViews() (*views, error) {
	sum := sha256.Sum256(styleCSS)
	v := &views{pages: map[string]*template.Template{}, styleURL: stylePath + "?v=" + hex.EncodeToString(sum[:8])}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, file := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(file, "templates/"), ".html")
		if name == "base" || name == "partials" {
			continue
		}
		t, err := template.New(name).Funcs(template.FuncMap{"input": newInput}).
			ParseFS(templateFS, "templates/base.html", "templates/partials.html", file)
		if err != nil {
			return nil, fmt.Errorf("pages: template %s: %w", name, err)
		}
		v.pages[name] = t
	}
	return v, nil
}

// page is what every template gets: the layout's fields and the page's
// own Data.
type page struct {
	Title    string
	OrgName  string
	StyleURL string
	// Errors are messages by form field; Focus is the field the first
	// error is about (it gets autofocus).
	Errors map[string]string
	Focus  string
	// Notice is a message about the whole form, shown above it.
	Notice string
	// Step and Steps number the first-access steps ("Step 2 of 5").
	Step, Steps int
	Data        any
	// status is the HTTP status of a form shown again with errors (200
	// when zero); not for the template.
	status int
	// formOrigins are origins besides ours that the page's forms may
	// lead to (an identity provider), for the CSP; not for the template.
	formOrigins []string
}

// withError puts a problem's message next to its field, or above the
// form when the page has no such field.
func (pg page) withError(pr problem, fields ...string) page {
	for _, f := range fields {
		if f == pr.field {
			pg.Errors = map[string]string{f: pr.message}
			pg.Focus = f
			return pg
		}
	}
	pg.Notice = pr.message
	return pg
}

// statusOr is pg's status, or def when it has none.
func (pg page) statusOr(def int) int {
	if pg.status == 0 {
		return def
	}
	return pg.status
}

// render writes the named page with status.
func (p *Pages) render(c echo.Context, status int, name string, pg page) error {
	t, ok := p.views.pages[name]
	if !ok {
		return fmt.Errorf("pages: no template %q", name)
	}
	pg.StyleURL = p.views.styleURL
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "base", pg); err != nil {
		return fmt.Errorf("pages: render %s: %w", name, err)
	}
	c.Response().Header().Set("Content-Security-Policy", contentSecurityPolicy(pg.formOrigins))
	return c.HTMLBlob(status, buf.Bytes())
}

// serveStyle serves the stylesheet; its URL changes with its content.
func (p *Pages) serveStyle(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	return c.Blob(http.StatusOK, "text/css; charset=utf-8", styleCSS)
}

// inputView is one labelled form field for the "input" template.
type inputView struct {
	Name, ID, Label, Value, Type, Autocomplete, Hint, Error string
	Autofocus, ReadOnly, Required                           bool
}

// newInput builds a field of pg: options are "type=…", "autocomplete=…",
// "hint=…", "readonly" and "required".
func newInput(pg page, name, label, value string, options ...string) inputView {
	in := inputView{Name: name, ID: "f-" + name, Label: label, Value: value, Type: "text",
		Error: pg.Errors[name], Autofocus: pg.Focus == name}
	for _, o := range options {
		key, val, _ := strings.Cut(o, "=")
		switch key {
		case "type":
			in.Type = val
		case "autocomplete":
			in.Autocomplete = val
		case "hint":
			in.Hint = val
		case "readonly":
			in.ReadOnly = true
		case "required":
			in.Required = true
		}
	}
	return in
}
