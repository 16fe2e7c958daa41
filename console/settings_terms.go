package console

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// mountTermsSettings mounts the terms of use: the current version, the
// versions published before, and a form to publish a new one.
func (k *Console) mountTermsSettings(g *echo.Group) {
	g.GET("/settings/terms", k.admin(k.showTerms))
	g.POST("/settings/terms", k.admin(k.publishTerms))
}

type termsVersion struct {
	Version     int       `json:"version"`
	Text        string    `json:"text"`
	PublishedAt time.Time `json:"published_at"`
}

// termsPublication is one version's publication, from the audit log.
type termsPublication struct {
	Version int
	Bytes   int
	At      time.Time
	By      string
}

type termsView struct {
	// Current is nil while none are published.
	Current *termsVersion
	// History lists publications, newest first; HistoryShown says
	// whether the admin may read it (the audit log's permission).
	History      []termsPublication
	HistoryShown bool
	// Draft is the publish form's text.
	Draft string
	Next  int
}

// termsPage reads the current terms and, for an admin who may read the
// audit log, the history of publications: the API keeps only the
// current text, and each publication is an audit event (terms.publish)
// with its version.
func (k *Console) termsPage(c echo.Context) (page, error) {
	v := termsView{Next: 1}
	var cur termsVersion
	err := k.call(c, http.MethodGet, "/terms", nil, nil, &cur)
	var apiErr *apiError
	switch {
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound:
	case err != nil:
		return page{}, err
	default:
		v.Current, v.Draft, v.Next = &cur, cur.Text, cur.Version+1
	}
	if signedIn(c).Can("audit.read") {
		var events struct {
			Items []auditEvent `json:"items"`
		}
		if err := k.call(c, http.MethodGet, "/audit", url.Values{"action": {"terms.publish"}, "limit": {"50"}}, nil, &events); err != nil {
			return page{}, err
		}
		v.HistoryShown = true
		for _, e := range events.Items {
			var d struct {
				Version int `json:"version"`
				Bytes   int `json:"bytes"`
			}
			_ = json.Unmarshal(e.Details, &d)
			by := e.ActorName
			if by == "" {
				by = e.ActorType
			}
			v.History = append(v.History, termsPublication{Version: d.Version, Bytes: d.Bytes, At: e.At, By: by})
		}
	}
	return newPage(c, "settings", "Terms of use", v), nil
}

func (k *Console) showTerms(c echo.Context) error {
	pg, err := k.termsPage(c)
	if err != nil {
		return err
	}
	return k.render(c, http.StatusOK, "settings_terms", pg)
}

func (k *Console) publishTerms(c echo.Context) error {
	var out termsVersion
	err := k.call(c, http.MethodPost, "/terms", nil, map[string]string{"text": c.FormValue("text")}, &out)
	var apiErr *apiError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest {
		pg, err := k.termsPage(c)
		if err != nil {
			return err
		}
		v := pg.Data.(termsView)
		v.Draft = c.FormValue("text")
		pg.Data, pg.Errors = v, sentences(apiErr.fields())
		pg.Notice = "Nothing was published. Fix the text and publish again."
		return k.render(c, http.StatusBadRequest, "settings_terms", pg)
	} else if err != nil {
		return err
	}
	return seeOther(c, Prefix+"/settings/terms", "Published version "+strconv.Itoa(out.Version)+
		" of the terms of use. People who claim their account from now on accept it.")
}
