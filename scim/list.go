package scim

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/scim/schemas"
)

// listParams are a list or search request's query (RFC 7644 §3.4.2,
// RFC 9865 for cursor).
type listParams struct {
	filter     string
	sortBy     string
	descending bool
	startIndex int
	count      int
	cursor     *string // nil: index pagination
	projection projection
}

func (h *Handler) queryParams(q url.Values) (listParams, error) {
	p := listParams{filter: q.Get("filter"), sortBy: q.Get("sortBy"), startIndex: 1, count: defaultPageSize}
	if err := p.setSortOrder(q.Get("sortOrder")); err != nil {
		return p, err
	}
	if v := q.Get("startIndex"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return p, badRequest(typeInvalidValue, "startIndex must be a whole number")
		}
		p.startIndex = n
	}
	if v := q.Get("count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return p, badRequest(typeInvalidValue, "count must be a whole number")
		}
		p.count = n
	}
	if q.Has("cursor") {
		if q.Has("startIndex") {
			return p, badRequest(typeInvalidValue, "use either cursor or startIndex, not both")
		}
		c := q.Get("cursor")
		p.cursor = &c
	}
	p.projection = newProjection(q.Get("attributes"), q.Get("excludedAttributes"))
	return p.clamped(h.maxResults), nil
}

// searchBody is POST /.search's body (RFC 7644 §3.4.3).
type searchBody struct {
	Attributes         []string `json:"attributes"`
	ExcludedAttributes []string `json:"excludedAttributes"`
	Filter             string   `json:"filter"`
	SortBy             string   `json:"sortBy"`
	SortOrder          string   `json:"sortOrder"`
	StartIndex         *int     `json:"startIndex"`
	Count              *int     `json:"count"`
	Cursor             *string  `json:"cursor"`
}

func (h *Handler) searchParams(c echo.Context) (listParams, error) {
	doc, err := readDocument(c)
	if err != nil {
		return listParams{}, err
	}
	var body searchBody
	if err := remarshal(doc, &body); err != nil {
		return listParams{}, badRequest(typeInvalidSyntax, "the search request does not match %s", schemas.SearchURN)
	}
	p := listParams{filter: body.Filter, sortBy: body.SortBy, startIndex: 1, count: defaultPageSize, cursor: body.Cursor}
	if err := p.setSortOrder(body.SortOrder); err != nil {
		return p, err
	}
	if body.StartIndex != nil {
		if body.Cursor != nil {
			return p, badRequest(typeInvalidValue, "use either cursor or startIndex, not both")
		}
		p.startIndex = *body.StartIndex
	}
	if body.Count != nil {
		p.count = *body.Count
	}
	p.projection = newProjection(strings.Join(body.Attributes, ","), strings.Join(body.ExcludedAttributes, ","))
	return p.clamped(h.maxResults), nil
}

func (p *listParams) setSortOrder(order string) error {
	switch strings.ToLower(order) {
	case "", "ascending":
	case "descending":
		p.descending = true
	default:
		return badRequest(typeInvalidValue, "sortOrder must be ascending or descending")
	}
	return nil
}

// clamped applies RFC 7644 §3.4.2.4: startIndex below 1 means 1, a
// negative count means 0, and count never exceeds the advertised maximum.
func (p listParams) clamped(maxResults int) listParams {
	p.startIndex = max(p.startIndex, 1)
	p.count = min(max(p.count, 0), maxResults)
	return p
}

// storeQuery turns the parameters into a directory.ListQuery.
func (p listParams) storeQuery(filter directory.Filter, sortBy directory.Attr) directory.ListQuery {
	q := directory.ListQuery{Filter: filter, SortBy: sortBy, Descending: p.descending, Limit: p.count, WithTotal: true}
	if p.cursor != nil {
		q.After = *p.cursor
	} else {
		q.Offset = p.startIndex - 1
	}
	return q
}

// page renders a ListResponse. In cursor mode startIndex is 1 by
// convention (RFC 9865 §2.2 leaves it out of meaning).
func (p listParams) page(resources []any, total int64, next string) document {
	if p.cursor == nil {
		next = ""
		return listResponse(resources, total, p.startIndex, next)
	}
	return listResponse(resources, total, 1, next)
}
