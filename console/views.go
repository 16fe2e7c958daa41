package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets/console.css assets/console.js
var assetFS embed.FS

// assetsPath is where the stylesheet and script are served; their URLs
// carry a hash of the content, so browsers may cache them for good.
const assetsPath = Prefix + "/assets/"

// views are the parsed templates: each page is the layout, the shared
// partials and its own file, parsed together once at start.
type views struct {
	pages     map[string]*template.Template
	assetURLs map[string]string // by file name
}

func loadViews() (*views, error) {
	v := &views{pages: map[string]*template.Template{}, assetURLs: map[string]string{}}
	for _, name := range []string{"console.css", "console.js"} {
		b, err := assetFS.ReadFile("assets/" + name)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		v.assetURLs[name] = assetsPath + name + "?v=" + hex.EncodeToString(sum[:8])
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, file := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(file, "templates/"), ".html")
		if name == "layout" || name == "partials" {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", file)
		if err != nil {
			return nil, fmt.Errorf("console: template %s: %w", name, err)
		}
		v.pages[name] = t
	}
	return v, nil
}

// funcs are the helpers templates may call.
var funcs = template.FuncMap{
	// when shows a time in UTC, minutes precision ("" for none).
	"when": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			if v.IsZero() {
				return ""
			}
			return v.UTC().Format("2006-01-02 15:04 UTC")
		case *time.Time:
			if v == nil {
				return ""
			}
			return v.UTC().Format("2006-01-02 15:04 UTC")
		case string:
			if ts, err := time.Parse(time.RFC3339Nano, v); err == nil {
				return ts.UTC().Format("2006-01-02 15:04 UTC")
			}
			return v
		}
		return ""
	},
	// count writes n with thousands separators: 1,234,567.
	"count": func(n any) string { return thousands(fmt.Sprint(n)) },
	// percent is done out of total as a whole percentage, 0 to 100.
	"percent": func(done, total any) int {
		d, t := toInt(done), toInt(total)
		if t <= 0 {
			return 0
		}
		return int(min(100, d*100/t))
	},
	// query encodes pairs ("status", "invited", ...) as a query string.
	"query": func(pairs ...string) template.URL {
		q := url.Values{}
		for i := 0; i+1 < len(pairs); i += 2 {
			if pairs[i+1] != "" {
				q.Set(pairs[i], pairs[i+1])
			}
		}
		return template.URL(q.Encode())
	},
	// bytes writes a size: 1.5 MB.
	"bytes": func(n any) string {
		b := float64(toInt(n))
		switch {
		case b >= 1<<30:
			return fmt.Sprintf("%.1f GB", b/(1<<30))
		case b >= 1<<20:
			return fmt.Sprintf("%.1f MB", b/(1<<20))
		case b >= 1<<10:
			return fmt.Sprintf("%.0f KB", b/(1<<10))
		}
		return fmt.Sprintf("%.0f bytes", b)
	},
	"join": strings.Join,
	// dict makes a map of key, value pairs, to hand a partial several
	// values: {{template "accessnav" (dict "Key" "admins" "Page" .)}}.
	"dict": func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			if k, ok := kv[i].(string); ok {
				m[k] = kv[i+1]
			}
		}
		return m
	},
	// list makes a list of its arguments, for range.
	"list": func(v ...string) []string { return v },
}

func toInt(v any) int64 {
	switch n := v.(type) {
	case int:
		return int64(n)
	case int64:
		return n
	case float64:
		return int64(n)
	}
	return 0
}

func thousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// page is what every template gets: the layout's fields and the page's
// own Data.
type page struct {
	Title string
	// Section is the navigation entry the page belongs to (people,
	// exports, settings, access, audit, account).
	Section string
	OrgName string
	// Admin is the signed-in admin (nil on the sign-in page).
	Admin *admin
	// Flash is a message about what the last form did ("Invited 3 people").
	Flash string
	// Notice is a message about the whole form, shown above it; Errors
	// are messages by form field.
	Notice string
	Errors map[string]string
	// Live makes the page refresh itself while something runs (an
	// export, a bulk action): console.js fetches it again, or, without
	// JavaScript, a meta refresh reloads it.
	Live bool
	Data any

	CSSURL, JSURL string
	// formOrigins are origins besides ours that the page's forms may
	// lead to (an identity provider), for the CSP; not for the template.
	formOrigins []string
}

// Can reports whether the signed-in admin's role grants permission p.
func (p page) Can(perm string) bool { return p.Admin != nil && p.Admin.Can(perm) }

// newPage is a page for the signed-in admin.
func newPage(c echo.Context, section, title string, data any) page {
	a := signedIn(c)
	return page{Title: title, Section: section, OrgName: a.OrgName, Admin: &a, Data: data, Flash: takeFlash(c)}
}

// render writes the named page with status.
func (k *Console) render(c echo.Context, status int, name string, pg page) error {
	t, ok := k.views.pages[name]
	if !ok {
		return fmt.Errorf("console: no template %q", name)
	}
	pg.CSSURL, pg.JSURL = k.views.assetURLs["console.css"], k.views.assetURLs["console.js"]
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", pg); err != nil {
		return fmt.Errorf("console: render %s: %w", name, err)
	}
	c.Response().Header().Set("Content-Security-Policy", contentSecurityPolicy(pg.formOrigins))
	return c.HTMLBlob(status, buf.Bytes())
}

// contentSecurityPolicy allows our own stylesheet, script, images and
// fetches, forms posting to us (and to formOrigins), and nothing else.
func contentSecurityPolicy(formOrigins []string) string {
	formAction := "'self'"
	if len(formOrigins) > 0 {
		formAction += " " + strings.Join(formOrigins, " ")
	}
	return "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; form-action " +
		formAction + "; frame-ancestors 'none'; base-uri 'none'"
}

// serveAsset serves the stylesheet or the script; their URLs change with
// their content.
func (k *Console) serveAsset(c echo.Context) error {
	name := c.Param("name")
	b, err := assetFS.ReadFile("assets/" + name)
	if err != nil || (name != "console.css" && name != "console.js") {
		return errNotFound
	}
	kind := "text/css; charset=utf-8"
	if strings.HasSuffix(name, ".js") {
		kind = "text/javascript; charset=utf-8"
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	return c.Blob(http.StatusOK, kind, b)
}

// flashCookie carries one message from a form's redirect to the page it
// leads to.
const flashCookie = "latchkey_console_flash"

// flash sets the message the next page shows once.
func flash(c echo.Context, message string) {
	c.SetCookie(&http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString([]byte(message)),
		Path: Prefix, HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 60, Secure: c.Scheme() == "https"})
}

// takeFlash reads and clears the message flash set.
func takeFlash(c echo.Context) string {
	ck, err := c.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	c.SetCookie(&http.Cookie{Name: flashCookie, Value: "", Path: Prefix, HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	b, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil || len(b) > 500 {
		return ""
	}
	return string(b)
}

// seeOther redirects after a form (Post/Redirect/Get), with a message
// for the next page.
func seeOther(c echo.Context, path, message string) error {
	if message != "" {
		flash(c, message)
	}
	return c.Redirect(http.StatusSeeOther, path)
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
